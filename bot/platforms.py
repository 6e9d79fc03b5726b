"""The chat platforms a network is served on, as the actions need to know them: can this
member be reached privately, and which link opens a private chat with the bot.

A member is reachable when one of their accounts is a real one (not a username waiting to be
claimed, see :func:`storage.records.pending_user_id`) on a configured platform: there the
bot can write first. On Telegram a private chat's id is the user id; on Matrix the bot
creates the direct room. A platform whose user ids are the members' handles (the console)
reaches everyone.

Configured means set up in the settings, whether or not this process runs the adapter: an
operator command or a web dashboard decides about the same members the running bot reaches.
Only a running adapter knows its start link (Telegram learns the bot's username at start).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.config import Settings
from bot.core import Adapter
from storage.records import Account


def configured_platforms(settings: Settings) -> set[str]:
    platforms = set()
    if settings.telegram_token:
        platforms.add("telegram")
    if settings.matrix_homeserver:
        platforms.add("matrix")
    return platforms


class Platforms:
    def __init__(self, adapters: Mapping[str, Adapter], settings: Settings) -> None:
        """``adapters`` is the app's own mapping, read live: adapters added later count."""
        self._adapters = adapters
        self._settings = settings

    @property
    def configured(self) -> set[str]:
        return configured_platforms(self._settings) | set(self._adapters)

    def reaches_everyone(self) -> bool:
        """A platform whose user ids are handles (the console) can write to any member. So
        can a network with no chat platform configured at all: the console is its only way
        to talk (an operator's command there decides for the console's next run)."""
        if any(a.capabilities.user_ids_are_handles for a in self._adapters.values()):
            return True
        return not self.configured

    def reaches(self, accounts: Iterable[Account]) -> bool:
        """Whether the bot can write first to the member with these accounts."""
        if self.reaches_everyone():
            return True
        configured = self.configured
        return any(a.platform in configured and not a.pending for a in accounts)

    def start_links(self) -> list[str]:
        """Links that open a private chat with the bot, one per running platform that has
        one; sending one to a member makes them reachable once they use it."""
        links = []
        for adapter in self._adapters.values():
            link = adapter.start_link()
            if link:
                links.append(link)
        return links

    def group_links(self) -> list[str]:
        """Links that add the bot to a group, one per running platform that has one (Telegram
        ``?startgroup=``); elsewhere a group invites the bot by its user id."""
        links = []
        for adapter in self._adapters.values():
            group_link = getattr(adapter, "group_link", None)
            link = group_link() if group_link is not None else None
            if link:
                links.append(link)
        return links

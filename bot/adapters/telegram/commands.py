"""The command menu Telegram shows under "/" (setMyCommands), in Dutch and English, per scope:
private chats list what a member does there; groups only the few commands that make sense in
front of everyone; group administrators (who are the network's initiators in practice) also
the initiator commands. The bot's description and short description come from the catalogs too.

The adapter cannot know the router, so the runtime hands it the canonical command names; the
one-line descriptions come from the catalogs (``telegram.command.<name>``). A command without a
description is left out of the menu (it still works when typed) and named in a warning, so a
new feature shows up in the menu as soon as its catalog line exists.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from bot.i18n import Translator

log = logging.getLogger(__name__)

MENU_LANGUAGES = ("nl", "en")
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # Telegram's rule for command names
MAX_DESCRIPTION = 256

#: Commands shown in group chats, to everyone there.
GROUP_COMMANDS = ("hulp", "wie", "oproepen", "lessen")
#: Commands of initiators: shown to group administrators, left out of the members' menu (they
#: still work when typed, for whoever may use them).
INITIATOR_COMMANDS = ("oproep", "cel", "rol")
#: Scope name (as the Bot API calls it) → which commands it lists.
SCOPES = ("all_private_chats", "all_group_chats", "all_chat_administrators")


def scoped(names: Sequence[str], scope: str) -> list[str]:
    """The commands of ``names`` a scope lists, in the order given."""
    if scope == "all_group_chats":
        return [name for name in names if name in GROUP_COMMANDS]
    if scope == "all_chat_administrators":
        wanted = GROUP_COMMANDS + INITIATOR_COMMANDS
        return [name for name in names if name in wanted]
    return [name for name in names if name not in INITIATOR_COMMANDS]


def descriptions(language: str) -> tuple[str, str]:
    """(description, short description) for the bot's profile, in ``language``: the first
    is shown in an empty private chat above Start, the second on the profile and in shares."""
    t = Translator(language)
    return t("telegram.description")[:512], t("telegram.short_description")[:120]


def menu(names: Iterable[str], language: str) -> list[tuple[str, str]]:
    """(command, description) pairs valid for Telegram, in the order given."""
    t = Translator(language)
    entries: list[tuple[str, str]] = []
    for name in names:
        key = f"telegram.command.{name}"
        description = t(key).strip()
        if _NAME.match(name) and description and description != key:
            entries.append((name, description[:MAX_DESCRIPTION]))
    return entries


def warn_left_out(names: Sequence[str]) -> None:
    """Say once at start-up which commands the menu lacks, and why."""
    listed = {name for name, _ in menu(names, "nl")}
    for name in names:
        if name in listed:
            continue
        if not _NAME.match(name):
            log.warning("command /%s cannot be in Telegram's menu (only a-z, 0-9, _)", name)
        else:
            log.warning("command /%s has no catalog line telegram.command.%s", name, name)

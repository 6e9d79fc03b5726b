"""The command menu Telegram shows under "/" (setMyCommands), in Dutch and English.

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

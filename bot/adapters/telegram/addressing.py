"""Was the bot spoken to, and what is left of the text once the addressing is taken out?

Pure functions over a message's text and entities (sans-I/O), so the rules are tested without a
server. Telegram measures entity offsets in UTF-16 code units, so all cutting happens there.

The ``@botname`` suffix of a command is decided here rather than in the router: only the
adapter knows this bot's username (from getMe), and Telegram's ``bot_command`` entity says
exactly where the command ends. A command for this bot loses its suffix (``/hulp@vonk_bot x``
becomes ``/hulp x``); a command for another bot is reported so the adapter can drop it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """The parts of a Telegram ``MessageEntity`` that addressing needs."""

    type: str
    offset: int  # UTF-16 code units
    length: int  # UTF-16 code units
    user_id: int | None = None  # for ``text_mention``


@dataclass(frozen=True)
class Addressing:
    text: str  # the message without the bot's mention or command suffix
    mentions_bot: bool
    mentions: tuple[str, ...]  # other people mentioned: usernames, or user ids (text_mention)
    for_other_bot: bool  # ``/cmd@otherbot``: not ours to answer


# What is left where a mention was cut out: "@vonk, wie…" or "@vonk: wie…" → "wie…".
_AFTER_CUT = re.compile(r"^[,:;]?\s*")


def u16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def read_addressing(
    text: str, entities: Iterable[Entity], *, bot_username: str, bot_id: int
) -> Addressing:
    units = text.encode("utf-16-le")
    own_name = bot_username.casefold()

    def piece(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", "replace")

    cuts: list[tuple[int, int, bool]] = []  # (start, end, is_mention) in code units
    mentions: list[str] = []
    mentions_bot = for_other_bot = False
    for entity in entities:
        start, end = entity.offset, entity.offset + entity.length
        found = piece(start, end)
        if entity.type == "bot_command" and start == 0:
            name, at, addressee = found.partition("@")
            if at and addressee.casefold() == own_name:
                mentions_bot = True
                cuts.append((u16_len(name), end, False))
            elif at:
                for_other_bot = True
        elif entity.type == "mention":
            username = found.removeprefix("@")
            if username.casefold() == own_name:
                mentions_bot = True
                cuts.append((start, end, True))
            else:
                mentions.append(username)
        elif entity.type == "text_mention" and entity.user_id is not None:
            if entity.user_id == bot_id:
                mentions_bot = True
                cuts.append((start, end, True))
            else:
                mentions.append(str(entity.user_id))
    for start, end, is_mention in sorted(cuts, reverse=True):
        head = units[: start * 2].decode("utf-16-le", "replace")
        tail = units[end * 2 :].decode("utf-16-le", "replace")
        if is_mention:
            tail = _AFTER_CUT.sub("", tail)
            head = head.rstrip() + " " if head.strip() and tail else head.rstrip()
        units = (head + tail).encode("utf-16-le")
    cleaned = units.decode("utf-16-le", "replace").strip()
    return Addressing(cleaned, mentions_bot, tuple(mentions), for_other_bot)

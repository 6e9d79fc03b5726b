"""Pure rendering: a neutral :class:`Reply` becomes a Matrix ``m.notice`` content.

Matrix has no inline buttons, so choices are written out as numbered lines and each gets a
reaction emoji; a member answers with the number or clicks the reaction. Everything here is
synchronous and free of I/O so it can be tested with plain asserts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bot.core import Button, Reply

HTML_FORMAT = "org.matrix.custom.html"
# Keycap digits 1️⃣ … 9️⃣ and 🔟; options past ten are answered by number only.
KEYCAPS = (*(f"{d}\ufe0f\u20e3" for d in "123456789"), "\U0001f51f")
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def escape_lines(text: str) -> str:
    """HTML for plain text: every character escaped, newlines as ``<br>``.

    User-typed names and skills travel inside bot messages; escaping all of it means a
    ``<b>`` typed by a member shows up as text, never as markup (or worse).
    """
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def normalise_emoji(key: str) -> str:
    """Compare reaction keys without variation selectors: clients differ in sending U+FE0F."""
    return key.replace("\ufe0f", "").strip()


def option_emojis(buttons: Sequence[Button]) -> list[str | None]:
    """The reaction offered for each button: its own emoji, else the keycap of its number.

    A keycap is never reused for another option, so a reaction maps back to one button.
    """
    emojis: list[str | None] = []
    for index, button in enumerate(buttons):
        if button.emoji:
            emojis.append(button.emoji)
        else:
            emojis.append(KEYCAPS[index] if index < len(KEYCAPS) else None)
    return emojis


def option_lines(buttons: Sequence[Button], emojis: Sequence[str | None]) -> list[str]:
    """``1. Ja`` per button; a button's own emoji (👍) is shown since it is not its number."""
    lines = []
    for number, (button, emoji) in enumerate(zip(buttons, emojis, strict=True), 1):
        suffix = f" {button.emoji}" if button.emoji and emoji == button.emoji else ""
        lines.append(f"{number}. {button.label}{suffix}")
    return lines


def message_content(reply: Reply, hint: str | None = None) -> dict[str, Any]:
    """The ``m.notice`` content for a reply; ``hint`` explains how to answer the options.

    Notices, not texts: by convention bots send ``m.notice`` so that other bots never answer
    them and loops cannot start. ``m.mentions`` is empty so a bot message pings nobody.
    """
    lines = [reply.text]
    if reply.buttons:
        lines.append("")
        lines += option_lines(reply.buttons, option_emojis(reply.buttons))
        if hint:
            lines.append(hint)
    text = "\n".join(lines)
    return {
        "msgtype": "m.notice",
        "body": text,
        "format": HTML_FORMAT,
        "formatted_body": escape_lines(text),
        "m.mentions": {},
    }


def parse_number(text: str) -> int | None:
    """A message that is only a number (``2``, ``2.``, ``2)``) answers a numbered option."""
    match = _NUMBER.match(text)
    return int(match.group(1)) if match else None

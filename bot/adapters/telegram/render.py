"""Plain handler text → Telegram HTML, message-sized pieces and keyboard rows (pure functions).

Handlers write plain text; every piece of it is escaped here, so a member called ``<b>x</b>``
is shown literally instead of breaking the message (Telegram rejects unbalanced tags) or
formatting it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TypeVar

from bot.adapters.telegram.addressing import u16_len

MAX_TEXT = 4096  # Telegram's limit for a message, in UTF-16 code units after parsing
MAX_CAPTION = 1024
PRESSED_MARK = "✓"

T = TypeVar("T")


def escape(text: str) -> str:
    """Telegram's HTML mode needs only ``<``, ``>`` and ``&`` escaped."""
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages at line breaks (mid-line only when a line is too long).

    Escaping does not count against the limit: Telegram measures the text after parsing, and
    escaped text parses back to exactly the original.
    """
    if u16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while u16_len(line) > limit:
            cut = _fit(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if u16_len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current.strip():
        pieces.append(current)
    return pieces


def _fit(line: str, limit: int) -> int:
    """How many characters of ``line`` fit in ``limit`` code units (preferring a space)."""
    count, size = 0, 0
    for char in line:
        size += u16_len(char)
        if size > limit:
            break
        count += 1
    space = line.rfind(" ", 0, count)
    return space + 1 if space > count // 2 else count


def keyboard_rows(items: Sequence[T], labels: Sequence[str]) -> list[list[T]]:
    """A few short choices share one row (Ja / Nee); longer lists get a row each, readable on
    a phone."""
    if len(items) <= 3 and sum(len(label) for label in labels) <= 30:
        return [list(items)] if items else []
    return [[item] for item in items]


def pressed_text(original_html: str, label: str) -> str:
    """The pressed message keeps its text and shows what was chosen, in place of the buttons."""
    return f"{original_html}\n\n{PRESSED_MARK} {escape(label)}"

"""Pure rendering: a neutral :class:`Reply` becomes a Matrix ``m.notice`` content.

Matrix has no inline buttons, so choices are written out as numbered lines and each gets a
reaction emoji; a member answers with the number or clicks the reaction. Everything here is
synchronous and free of I/O so it can be tested with plain asserts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass
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


@dataclass(frozen=True)
class Quoted:
    """The message a reply answers, for the spec's reply fallback (clients that do not know
    ``m.in_reply_to`` show the quote instead)."""

    room_id: str
    event_id: str
    sender: str
    body: str


def message_content(
    reply: Reply, hint: str | None = None, *, quoted: Quoted | None = None
) -> dict[str, Any]:
    """The ``m.notice`` content for a reply; ``hint`` explains how to answer the options.

    Notices, not texts: by convention bots send ``m.notice`` so that other bots never answer
    them and loops cannot start. ``m.mentions`` lists exactly the users the reply is meant
    for (none: it pings nobody). ``reply_to`` becomes a rich reply (``m.in_reply_to``, with
    the fallback quote when ``quoted`` is known), ``thread_id`` a message in that thread
    (``m.thread``), ``edit_of`` an edit (``m.replace``, the new content in ``m.new_content``).
    """
    lines = [reply.text]
    if reply.buttons:
        lines.append("")
        lines += option_lines(reply.buttons, option_emojis(reply.buttons))
        if hint:
            lines.append(hint)
    text = "\n".join(lines)
    mentions: dict[str, Any] = {"user_ids": list(reply.mentions)} if reply.mentions else {}
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": text,
        "format": HTML_FORMAT,
        "formatted_body": escape_lines(text),
        "m.mentions": mentions,
    }
    if reply.edit_of:
        return {
            "msgtype": "m.notice",
            "body": f"* {text}",
            "format": HTML_FORMAT,
            "formatted_body": f"* {escape_lines(text)}",
            "m.new_content": content,
            "m.mentions": mentions,
            "m.relates_to": {"rel_type": "m.replace", "event_id": reply.edit_of},
        }
    relates: dict[str, Any] = {}
    if reply.reply_to:
        relates["m.in_reply_to"] = {"event_id": reply.reply_to}
        if quoted is not None and not reply.thread_id:
            content["body"] = reply_fallback_text(quoted) + text
            content["formatted_body"] = reply_fallback_html(quoted) + content["formatted_body"]
    if reply.thread_id:
        relates |= {"rel_type": "m.thread", "event_id": reply.thread_id}
        relates["is_falling_back"] = not reply.reply_to
        relates.setdefault("m.in_reply_to", {"event_id": reply.thread_id})
    if relates:
        content["m.relates_to"] = relates
    return content


def reply_fallback_text(quoted: Quoted) -> str:
    """``> <@sender> first line`` / ``> next line`` and an empty line (Matrix spec)."""
    first, *rest = quoted.body.split("\n")
    lines = [f"> <{quoted.sender}> {first}"] + [f"> {line}" for line in rest]
    return "\n".join(lines) + "\n\n"


def reply_fallback_html(quoted: Quoted) -> str:
    """The ``<mx-reply>`` block clients strip when they show the reply themselves."""
    room, event, sender = (html.escape(part) for part in astuple(quoted)[:3])
    return (
        f'<mx-reply><blockquote><a href="https://matrix.to/#/{room}/{event}">In reply to</a> '
        f'<a href="https://matrix.to/#/{sender}">{sender}</a><br>'
        f"{escape_lines(quoted.body)}</blockquote></mx-reply>"
    )


def parse_number(text: str) -> int | None:
    """A message that is only a number (``2``, ``2.``, ``2)``) answers a numbered option."""
    match = _NUMBER.match(text)
    return int(match.group(1)) if match else None

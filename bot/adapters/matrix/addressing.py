"""Pure analysis of an incoming ``m.room.message`` content: is the bot spoken to?

A member addresses the bot with a mention (``m.mentions``, a pill link, or the bot's name
followed by ``:`` or ``,`` at the start) or by replying to one of its messages. The adapter
removes the mention and the reply quote, so the router sees just ``!hulp`` or the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True)
class Addressing:
    text: str
    mentions_bot: bool
    reply_to: str | None  # event id of the message replied to, if any
    mentions: tuple[str, ...]  # other user ids mentioned (m.mentions)
    thread_id: str | None = None  # the thread's root event id (m.thread), if in a thread


def strip_reply_fallback(body: str) -> str:
    """Remove the ``> <@user> quoted text`` lines clients put above a reply's own text."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith(">"):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


def _pill_targets(formatted_body: str) -> set[str]:
    found = re.findall(r"https://matrix\.to/#/([^\"'>?\s]+)", formatted_body)
    return {unquote(target) for target in found}


def _name_prefix(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({n for n in names if n}, key=len, reverse=True)
    joined = "|".join(re.escape(n) for n in alternatives)
    return re.compile(rf"^\s*@?(?:{joined})\s*[:,]\s*", re.IGNORECASE)


def analyse(content: Mapping[str, Any], bot_user_id: str, bot_names: Iterable[str]) -> Addressing:
    """Decide whether ``content`` addresses the bot, and return the text without the mention.

    ``bot_names`` are the names a person might type: the display name(s) and the localpart.
    """
    body = str(content.get("body") or "")
    relates = content.get("m.relates_to") or {}
    relates = relates if isinstance(relates, Mapping) else {}
    in_reply = relates.get("m.in_reply_to")
    reply_to = in_reply.get("event_id") if isinstance(in_reply, Mapping) else None
    thread_id = None
    if relates.get("rel_type") == "m.thread" and isinstance(relates.get("event_id"), str):
        thread_id = str(relates["event_id"])
        if relates.get("is_falling_back", True):  # no real reply: the thread's latest event
            reply_to = None
    if reply_to:
        body = strip_reply_fallback(body)

    mentions_field = content.get("m.mentions") or {}
    user_ids = mentions_field.get("user_ids") if isinstance(mentions_field, Mapping) else None
    mentioned = tuple(str(u) for u in user_ids or () if isinstance(u, str))
    formatted = str(content.get("formatted_body") or "")
    by_field = bot_user_id in mentioned
    by_pill = bot_user_id in _pill_targets(formatted)

    localpart = bot_user_id.removeprefix("@").split(":", 1)[0]
    names = [*bot_names, localpart, bot_user_id, bot_user_id.removeprefix("@")]
    prefix = _name_prefix(names)
    text, count = prefix.subn("", body, count=1)
    by_name = count > 0
    if (by_field or by_pill) and not by_name:
        # A pill's text is usually the display name, maybe without the ':' clients add.
        loose = re.compile(
            rf"^\s*@?(?:{'|'.join(re.escape(n) for n in names if n)})\b[:,]?\s*", re.IGNORECASE
        )
        text = loose.sub("", body, count=1)
    text = text.replace(bot_user_id, "").strip()
    others = tuple(u for u in mentioned if u != bot_user_id)
    return Addressing(text, by_field or by_pill or by_name, reply_to, others, thread_id)

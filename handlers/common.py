"""Small helpers several features share: dates in a member's words, yes/no, bullet lists."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.when import format_when


def when_text(t: Translator, at: datetime | None, has_time: bool, *, tz: str, now: datetime) -> str:
    """'zaterdag 28 november om 10:00' in the reader's language and timezone."""
    if at is None:
        return t("common.no_date")
    zone = ZoneInfo(tz)
    return format_when(
        at.astimezone(zone), language=t.language, with_time=has_time, now=now.astimezone(zone)
    )


_LEAD_WORD = re.compile(r"^(?:op|om|voor|uiterlijk|tegen|on|at|by|before)\s+", re.IGNORECASE)


def date_words(matched: str) -> str:
    """The date as the member wrote it, for 'I can't read X as a date' (without 'op', 'on')."""
    return _LEAD_WORD.sub("", matched.strip())


def yes_or_no(text: str) -> bool | None:
    word = text.strip().casefold().rstrip("!.")
    if word in {"ja", "yes", "y", "j", "ok", "oké", "prima", "goed", "graag", "zeker", "sure"}:
        return True
    if word in {"nee", "no", "n", "niet", "liever niet", "nope"}:
        return False
    return None


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)

"""Small pieces of wording the actions and the handlers share: a date in the reader's words,
a bullet list. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

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


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def names_list(t: Translator, names: Sequence[str], *, shown: int = 10) -> str:
    """'Anna, Bram en 3 anderen': at most ``shown`` names, then a count."""
    named = ", ".join(names[:shown])
    rest = len(names) - shown
    return t.n("common.names_and_others", rest, names=named) if rest > 0 else named


def number_text(t: Translator, value: float) -> str:
    """'1,5' in Dutch, '1.5' in English; whole numbers without decimals."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if t.language == "nl" else text


def hours_phrase(t: Translator, hours: float) -> str:
    """'1 hour', '2.5 hours', '3 uur': the number with the unit in its right form."""
    return t.n("common.hours", 1 if hours == 1 else 2, hours=number_text(t, hours))


def clipped(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word's end, with "…" when cut: a
    long topic quoted back ("Bedoel je: wie kan helpen met '…'?") does not end mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def first_name(display_name: str) -> str:
    """'Anna de Vries' -> 'Anna': how a greeting addresses someone ('Hoi Anna!')."""
    return display_name.split()[0] if display_name.strip() else display_name


def rule_text(
    t: Translator, rule: Mapping[str, Any], *, hour: int, minute: int, first: datetime | None
) -> str:
    """'elke zaterdag om 10:00, vanaf 5 december' / 'every first Monday of the month at
    19:30, from 7 December': a series' rule in the reader's language."""
    weekday = format_date(date(2026, 11, 23) + timedelta(days=int(rule["weekday"])), "EEEE",
                          locale=t.language)  # fmt: skip
    nth = rule.get("nth")
    if nth:
        text = t("series.rule_monthly", nth=t(f"series.nth_{'last' if nth == -1 else nth}"),
                 weekday=weekday)  # fmt: skip
    elif int(rule.get("interval") or 1) == 2:
        text = t("series.rule_biweekly", weekday=weekday)
    else:
        text = t("series.rule_weekly", weekday=weekday)
    text = t("series.rule_at", rule=text, time=f"{hour:02d}:{minute:02d}")
    if first is not None:
        text = t("series.rule_from", rule=text, first=format_date(first, "d MMMM",
                                                                   locale=t.language))  # fmt: skip
    return text

"""How /impact and /netwerk write their figures: trends, "now (before)" lines, hours, and
where their charts go. Not a feature: no handler lives here."""

from __future__ import annotations

from pathlib import Path

from actions.wording import number_text
from bot.context import Context
from bot.i18n import Translator


def trend(
    t: Translator, now: float | None, before: float | None, *, period: str, unit: str = ""
) -> str:
    """The change in words: '2 meer dan vorige maand', 'evenveel als ervoor', 'ervoor nog
    niets' (``period``: 'month' or 'before'; ``unit`` follows the amount, e.g. '%')."""
    if before is None:
        return t(f"figures.new_{period}")
    diff = (now or 0) - before
    if diff == 0:
        return t(f"figures.same_{period}")
    amount = number_text(t, abs(diff)) + unit
    return t(f"figures.{'more' if diff > 0 else 'less'}_{period}", amount=amount)


def hours_text(t: Translator, hours: float) -> str:
    return number_text(t, hours)


def figure_line(
    t: Translator, key: str, now: float, before: float, *, period: str, **extra: object
) -> str:
    return t(key, now=now, before=before, trend=trend(t, now, before, period=period), **extra)


def chart_path(ctx: Context, kind: str) -> Path:
    stamp = ctx.now().strftime("%Y%m%d-%H%M%S")
    return ctx.settings.data_dir / "charts" / f"{kind}-{ctx.network.id}-{stamp}.png"

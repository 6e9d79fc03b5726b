"""How /impact and /netwerk write their figures: trends, "now (before)" lines, hours, and
where their charts go. Not a feature: no handler lives here."""

from __future__ import annotations

from pathlib import Path

from actions.wording import number_text
from bot.context import Context
from bot.i18n import Translator


def trend(now: float, before: float) -> str:
    return "↑" if now > before else "↓" if now < before else "="


def hours_text(t: Translator, hours: float) -> str:
    return number_text(t, hours)


def figure_line(t: Translator, key: str, now: float, before: float, **extra: object) -> str:
    return t(key, now=now, before=before, trend=trend(now, before), **extra)


def chart_path(ctx: Context, kind: str) -> Path:
    stamp = ctx.now().strftime("%Y%m%d-%H%M%S")
    return ctx.settings.data_dir / "charts" / f"{kind}-{ctx.network.id}-{stamp}.png"

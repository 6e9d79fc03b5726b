"""``/impact``: what the network visibly achieved this month, against last month, with a chart.

For everyone, members and funders alike, so it names nobody: only counts, hours and cells.
The rules behind each figure are documented in :mod:`storage.repositories.impact`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.charts import draw_weekly, in_thread
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Event
from bot.i18n import Translator
from bot.router import Router
from storage.repositories.impact import CellCount, ImpactFigures

CHART_WEEKS = 8
CELL_LINES = 6  # the busiest cells; the rest would only make the message long


def month_start(at: datetime, tz: ZoneInfo) -> datetime:
    """Midnight on the first of ``at``'s month, in the network's timezone."""
    local = at.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def previous_month_start(start: datetime) -> datetime:
    return month_start(start - timedelta(days=1), start.tzinfo)  # type: ignore[arg-type]


def next_month_start(start: datetime) -> datetime:
    return month_start(start + timedelta(days=32), start.tzinfo)  # type: ignore[arg-type]


def end_of_today(at: datetime, tz: ZoneInfo) -> datetime:
    """Tomorrow's midnight: periods "up to now" include everything that happened today."""
    local = at.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return local + timedelta(days=1)


def week_bounds(at: datetime, tz: ZoneInfo, weeks: int) -> list[datetime]:
    """Monday-midnight boundaries of the last ``weeks`` weeks, the current week last."""
    local = at.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # Aware arithmetic keeps the wall time: a daylight-saving change keeps them at 00:00.
    return [monday + timedelta(weeks=k) for k in range(1 - weeks, 2)]


def trend(now: float, before: float) -> str:
    return "↑" if now > before else "↓" if now < before else "="


def hours_text(t: Translator, hours: float) -> str:
    text = f"{hours:.1f}".removesuffix(".0")
    return text.replace(".", ",") if t.language == "nl" else text


def figure_line(t: Translator, key: str, now: float, before: float, **extra: object) -> str:
    return t(key, now=now, before=before, trend=trend(now, before), **extra)


def chart_path(ctx: Context, kind: str) -> Path:
    stamp = ctx.now().strftime("%Y%m%d-%H%M%S")
    return ctx.settings.data_dir / "charts" / f"{kind}-{ctx.network.id}-{stamp}.png"


def cell_lines(t: Translator, cells: tuple[CellCount, ...]) -> list[str]:
    return [
        t(
            "impact.cell_line",
            cell=c.cell or t("impact.no_cell"),
            done=c.pledges_done,
            hours=hours_text(t, c.hours),
        )
        for c in cells[:CELL_LINES]
    ]


def impact_text(t: Translator, month: str, this: ImpactFigures, last: ImpactFigures) -> str:
    lines = [
        t("impact.title", month=month),
        figure_line(t, "impact.people", this.people_active, last.people_active),
        figure_line(t, "impact.pledges_done", this.pledges_done, last.pledges_done),
        t(
            "impact.hours",
            now=hours_text(t, this.hours),
            before=hours_text(t, last.hours),
            trend=trend(this.hours, last.hours),
        ),
        figure_line(
            t,
            "impact.calls_filled",
            this.calls_filled,
            last.calls_filled,
            calls=this.calls,
            calls_before=last.calls,
        ),
        figure_line(t, "impact.thanks", this.thanks, last.thanks),
    ]
    if this.per_cell:
        lines.append(t("impact.cells_intro"))
        lines += cell_lines(t, this.per_cell)
    return "\n".join(lines)


async def show_impact(_event: Event, ctx: Context) -> None:
    tz = ZoneInfo(ctx.network.timezone)
    now = ctx.now()
    start = month_start(now, tz)
    impact = ctx.storage.impact
    # Up to the end of the month: whatever happened until this very moment counts.
    this = await impact.figures(ctx.network.id, start, next_month_start(start))
    last = await impact.figures(ctx.network.id, previous_month_start(start), start)
    month = format_date(start.date(), "LLLL yyyy", locale=ctx.t.language)
    bounds = week_bounds(now, tz, CHART_WEEKS)
    per_week = await impact.done_per_bucket(ctx.network.id, bounds)
    path = await in_thread(
        draw_weekly,
        chart_path(ctx, "impact"),
        [f"{b.day}-{b.month}" for b in bounds[:-1]],
        per_week,
        title=ctx.t("impact.chart_title"),
        ylabel=ctx.t("impact.chart_ylabel"),
    )
    await ctx.reply(
        impact_text(ctx.t, month, this, last),
        attachment=Attachment(path, AttachmentKind.IMAGE, filename="impact.png"),
    )


def register(router: Router) -> None:
    router.command("impact", "resultaten", "waarde")(show_impact)

"""``/impact``: what the network visibly achieved this month, against last month, with a chart.

For everyone, members and funders alike, so it names nobody: only counts, hours and cells.
The rules behind each figure are documented in :mod:`storage.repositories.impact`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from actions.periods import month_start, next_month_start, previous_month_start, week_bounds
from actions.wording import hours_phrase
from bot.charts import draw_weekly, in_thread
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Event
from bot.i18n import Translator
from bot.router import Router
from handlers.figures import chart_path, figure_line, hours_text, trend
from storage.repositories.impact import CellCount, ImpactFigures

CHART_WEEKS = 8
CELL_LINES = 6  # the busiest cells; the rest would only make the message long


def cell_lines(t: Translator, cells: tuple[CellCount, ...]) -> list[str]:
    return [
        t(
            "impact.cell_line",
            cell=c.cell or t("impact.no_cell"),
            done=c.pledges_done,
            hours=hours_phrase(t, c.hours),
        )
        for c in cells[:CELL_LINES]
    ]


def impact_text(t: Translator, month: str, this: ImpactFigures, last: ImpactFigures) -> str:
    lines = [
        t("impact.title", month=month),
        figure_line(t, "impact.people", this.people_active, last.people_active, period="month"),
        figure_line(t, "impact.pledges_done", this.pledges_done, last.pledges_done, period="month"),
        t(
            "impact.hours",
            now=hours_text(t, this.hours),
            before=hours_text(t, last.hours),
            trend=trend(t, this.hours, last.hours, period="month"),
        ),
        figure_line(
            t,
            "impact.calls_filled",
            this.calls_filled,
            last.calls_filled,
            period="month",
            calls=this.calls,
            calls_before=last.calls,
        ),
        figure_line(t, "impact.thanks", this.thanks, last.thanks, period="month"),
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

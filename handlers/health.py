"""``/netwerk`` for initiators: is the network carried by its members, or by its initiator?

The last 30 days (today included) against the 30 before: the initiator's share of done
pledges (the initiator should stand at the edge), spark carriers, dormant sign-ups,
reciprocity and activity per cell.
Sent privately; spark carriers are named only when they agreed to be findable. The rules
behind each figure are documented in :mod:`storage.repositories.impact`.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from actions.periods import end_of_today
from actions.permissions import Permission, require
from bot.charts import draw_comparison, in_thread
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Event, Reply
from bot.i18n import Translator
from bot.router import Router
from handlers.figures import chart_path, figure_line, trend
from storage.records import Member
from storage.repositories.impact import SPARK_MIN_DONE, HealthFigures

WINDOW = timedelta(days=30)
NAMED_SPARKS = 8
CHART_CELLS = 8


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)}%"


def spark_names(t: Translator, members: list[Member]) -> str:
    """Names of findable spark carriers; the others only counted."""
    named = [m.display_name for m in members if m.findable and m.active][:NAMED_SPARKS]
    others = len(members) - len(named)
    if not named:
        return ""
    text = ", ".join(named)
    return t.n("health.sparks_named", others, names=text) if others else text


def health_text(
    t: Translator, now: HealthFigures, before: HealthFigures, sparks: list[Member]
) -> str:
    share_now, share_before = now.initiator_share, before.initiator_share
    lines = [
        t("health.title", days=WINDOW.days),
        t(
            "health.initiator_share",
            now=percent(share_now),
            before=percent(share_before),
            trend=trend(
                t,
                None if share_now is None else round(100 * share_now),
                None if share_before is None else round(100 * share_before),
                period="before",
                unit="%",
            ),
            done=now.pledges_done,
        ),
        figure_line(
            t,
            "health.sparks",
            len(now.spark_carriers),
            len(before.spark_carriers),
            period="before",
            min_done=SPARK_MIN_DONE,
        ),
    ]
    if names := spark_names(t, sparks):
        lines.append("  " + names)
    lines += [
        figure_line(t, "health.dormant", now.dormant, before.dormant, period="before"),
        figure_line(
            t,
            "health.reciprocity",
            now.reciprocal,
            before.reciprocal,
            period="before",
            helpers=now.helpers,
            helpers_before=before.helpers,
        ),
    ]
    before_cells = {c.cell: c.pledges_done for c in before.per_cell}
    cells = {c.cell for c in now.per_cell} | set(before_cells)
    if cells:
        lines.append(t("health.cells_intro"))
        now_cells = {c.cell: c.pledges_done for c in now.per_cell}
        for cell in sorted(cells, key=lambda c: (-now_cells.get(c, 0), c or "")):
            lines.append(
                figure_line(
                    t,
                    "health.cell_line",
                    now_cells.get(cell, 0),
                    before_cells.get(cell, 0),
                    period="before",
                    cell=cell or t("impact.no_cell"),
                )
            )
    return "\n".join(lines)


async def show_health(_event: Event, ctx: Context) -> None:
    require(ctx.member, Permission.VIEW_HEALTH)
    end = end_of_today(ctx.now(), ZoneInfo(ctx.network.timezone))  # whole days, today included
    health = ctx.storage.impact
    now = await health.health(ctx.network.id, end - WINDOW, end)
    before = await health.health(ctx.network.id, end - 2 * WINDOW, end - WINDOW)
    sparks = await ctx.storage.members.get_many(now.spark_carriers)
    t = ctx.t
    before_cells = {c.cell: c.pledges_done for c in before.per_cell}
    labels = [c.cell for c in now.per_cell[:CHART_CELLS]]
    labels += [c for c in before_cells if c not in labels][: CHART_CELLS - len(labels)]
    now_cells = {c.cell: c.pledges_done for c in now.per_cell}
    path = await in_thread(
        draw_comparison,
        chart_path(ctx, "netwerk"),
        [label or t("impact.no_cell") for label in labels],
        [now_cells.get(label, 0) for label in labels],
        [before_cells.get(label, 0) for label in labels],
        title=t("health.chart_title"),
        now_label=t("health.chart_now", days=WINDOW.days),
        before_label=t("health.chart_before", days=WINDOW.days),
    )
    reply = Reply(
        health_text(t, now, before, sparks),
        attachment=Attachment(path, AttachmentKind.IMAGE, filename="netwerk.png"),
    )
    if ctx.in_direct_chat:
        await ctx.reply(reply.text, attachment=reply.attachment)
        return
    await ctx.reply(t("common.sent_privately"))  # names and numbers for the initiator only
    await ctx.send_to_member(ctx.member, reply)


def register(router: Router) -> None:
    router.command("netwerk", "network", "gezondheid", "health")(show_health)

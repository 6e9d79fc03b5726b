"""Impact: what the network achieved by month, by cell and by kind of help; SVG charts, a CSV
for funders and a printable report. The figures follow the rules of
:mod:`storage.repositories.impact` (the same as /impact in the chat)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from actions.periods import month_start, next_month_start
from storage.repositories.dashboard import KindCount, merge_facts
from storage.repositories.impact import CellCount, ImpactFigures
from web import rollup, svg
from web.pages.common import dashboard_of, optional_int, viewer_of
from web.render import FORMATS, TRANSLATOR, render

MONTHS = 12
KINDS = 12  # the kinds of help most done


def month_bounds(now: datetime, tz: str, months: int = MONTHS) -> list[datetime]:
    """The first of each of the last ``months`` months (the current one last) and the next."""
    start = month_start(now, ZoneInfo(tz))
    bounds = [start]
    day = timedelta(days=1)
    for _ in range(months - 1):
        bounds.insert(0, month_start(bounds[0] - day, ZoneInfo(tz)))
    bounds.append(next_month_start(start))
    return bounds


async def figures(request: web.Request, months: int = MONTHS):
    """Each month's figures, the whole period's (its people active counted once) and the
    kinds of help most done, from the months kept by :mod:`web.rollup`."""
    d, viewer = dashboard_of(request), viewer_of(request)
    bounds = month_bounds(d.now(), viewer.network.timezone, months)
    network_id, now = viewer.network.id, d.now()
    facts = await rollup.months(d.figures, d.storage.dashboard, network_id, bounds, now=now)
    whole = merge_facts(facts)
    cells = {c.id: c.name for c in await d.storage.networks.cells(viewer.network.id)}
    per_cell = sorted(
        (CellCount(cells.get(c) if c is not None else None, n, h) for c, n, h in whole.per_cell),
        key=lambda x: (-x.pledges_done, x.cell or ""),
    )
    year = ImpactFigures(
        start=whole.start,
        end=whole.end,
        people_active=len(whole.active),
        pledges_done=whole.pledges_done,
        hours=whole.hours,
        calls=whole.calls,
        calls_filled=whole.calls_filled,
        thanks=whole.thanks,
        per_cell=tuple(per_cell),
    )
    kinds = [
        KindCount(title, n, h)
        for key, title, n, h in sorted(whole.kinds, key=lambda k: (-k[2], k[0]))[:KINDS]
    ]
    return bounds, [m.bucket for m in facts], year, kinds


async def page(request: web.Request) -> web.Response:
    months = optional_int(request.query.get("months"), low=3, high=36) or MONTHS
    _bounds, buckets, year, kinds = await figures(request, months)
    f, t = request[FORMATS], request[TRANSLATOR]
    labels = [f.short_month(b.start) for b in buckets]
    chart_done = svg.bars(
        labels,
        [b.pledges_done for b in buckets],
        second=[b.missed for b in buckets],
        first_label=t("web.impact.done"),
        second_label=t("web.impact.missed"),
        title=t("web.impact.chart_done"),
        description=t("web.impact.chart_done_desc", months=len(buckets)),
        key="done",
    )
    chart_hours = svg.bars(
        labels,
        [b.hours for b in buckets],
        title=t("web.impact.chart_hours"),
        description=t("web.impact.chart_hours_desc", months=len(buckets)),
        key="hours",
    )
    return render(
        request,
        "impact.html",
        buckets=buckets,
        year=year,
        kinds=kinds,
        chart_done=chart_done,
        chart_hours=chart_hours,
        months=months,
        printable=request.path.endswith("/report"),
    )


async def export(request: web.Request) -> web.StreamResponse:
    """One row per month with every figure: what funders ask for."""
    months = optional_int(request.query.get("months"), low=3, high=36) or MONTHS
    _bounds, buckets, _year, _kinds = await figures(request, months)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "month",
            "pledges_done",
            "hours",
            "people_active",
            "calls",
            "calls_filled",
            "missed",
            "thanks",
        ]
    )
    for b in buckets:
        writer.writerow(
            [
                b.start.strftime("%Y-%m"),
                b.pledges_done,
                f"{b.hours:.1f}",
                b.people_active,
                b.calls,
                b.calls_filled,
                b.missed,
                b.thanks,
            ]
        )
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="impact.csv"',
        },
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/impact", page)
    router.add_get("/impact/report", page)
    router.add_get("/impact.csv", export)

"""Netwerk / Network health: is the network carried by its members or by its initiator?

The initiator's share of done pledges per month, spark carriers, dormant sign-ups,
reciprocity (the last 30 days against the 30 before, as /netwerk in the chat), and who helped
whom between cells. People are named only where they agreed to be findable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from actions.periods import end_of_today
from actions.permissions import Permission, require
from handlers.health import WINDOW
from storage.records import Member
from storage.repositories.impact import SPARK_MIN_DONE
from web import rollup, svg
from web.pages.common import dashboard_of, viewer_of
from web.pages.impact import month_bounds
from web.render import FORMATS, TRANSLATOR, render

SHARE_MONTHS = 6
SPARKS_SHOWN = 30


async def page(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    require(viewer.member, Permission.VIEW_HEALTH)
    network_id, now = viewer.network.id, d.now()
    end = end_of_today(now, ZoneInfo(viewer.network.timezone))
    current = await _health(d, network_id, end - WINDOW, end, finished=False)
    before = await _health(d, network_id, end - 2 * WINDOW, end - WINDOW, finished=True)
    bounds = month_bounds(now, viewer.network.timezone, SHARE_MONTHS)
    per_month = await rollup.months(d.figures, d.storage.dashboard, network_id, bounds, now=now)
    shares = [(m.start, m.initiator_share) for m in per_month]
    f, t = request[FORMATS], request[TRANSLATOR]
    chart = svg.line(
        [f.short_month(a) for a, _ in shares],
        [s for _, s in shares],
        title=t("web.network.share_chart"),
        description=t("web.network.share_chart_desc"),
        percent=True,
    )
    named_sparks, more_sparks = await _named_sparks(d, current.spark_carriers)
    cells = {c.id: c.name for c in await d.storage.networks.cells(network_id)}
    q, since = d.storage.dashboard, end - 3 * WINDOW
    flows = await d.figures.get(
        ("flows", network_id, since, end), lambda: q.flows(network_id, since, end), finished=False
    )
    pairs = await d.figures.get(
        ("pairs", network_id, since, end),
        lambda: q.helpers_between_cells(network_id, since, end),
        finished=False,
    )
    people = {m.id: m for m in await d.storage.members.get_many({x for p in pairs for x in p[:2]})}
    named_pairs = [
        (people[a], people[b], count)
        for a, b, count in pairs
        if a in people and b in people and people[a].findable and people[b].findable
    ]
    return render(
        request,
        "network.html",
        current=current,
        before=before,
        chart=chart,
        shares=shares,
        sparks=current.spark_carriers,
        named_sparks=named_sparks,
        more_sparks=more_sparks,
        spark_min=SPARK_MIN_DONE,
        window=WINDOW.days,
        flows=flows,
        cells=cells,
        named_pairs=named_pairs,
        hidden_pairs=len(pairs) - len(named_pairs),
        flow_days=(3 * WINDOW).days,
    )


async def _health(d, network_id: int, start: datetime, end: datetime, *, finished: bool):
    """The window's health (without per-cell counts, which this page does not show), kept
    by :mod:`web.rollup`."""
    return await d.figures.get(
        ("health", network_id, start, end),
        lambda: d.storage.impact.health(network_id, start, end, per_cell=False),
        finished=finished,
    )


async def _named_sparks(d, ids: Sequence[int]) -> tuple[list[Member], bool]:
    """Up to ``SPARKS_SHOWN`` spark carriers who agreed to be findable, read a hundred at a
    time (a big network has thousands), and whether there are more than shown."""
    named: list[Member] = []
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        named += [m for m in await d.storage.members.get_many(chunk) if m.findable and m.active]
        if len(named) > SPARKS_SHOWN or (len(named) == SPARKS_SHOWN and start + 100 < len(ids)):
            return named[:SPARKS_SHOWN], True
    return named, False


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/network", page)

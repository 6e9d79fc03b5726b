"""Netwerk / Network health: is the network carried by its members or by its initiator?

The initiator's share of done pledges per month, spark carriers, dormant sign-ups,
reciprocity (the last 30 days against the 30 before, as /netwerk in the chat), and who helped
whom between cells. People are named only where they agreed to be findable."""

from __future__ import annotations

from itertools import pairwise
from zoneinfo import ZoneInfo

from aiohttp import web

from handlers.health import WINDOW
from handlers.impact import end_of_today
from handlers.permissions import Action, require
from storage.repositories.impact import SPARK_MIN_DONE
from web import svg
from web.pages.common import dashboard_of, viewer_of
from web.pages.impact import month_bounds
from web.render import FORMATS, TRANSLATOR, render

SHARE_MONTHS = 6


async def page(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    require(viewer.member, Action.VIEW_HEALTH)
    network_id, now = viewer.network.id, d.now()
    end = end_of_today(now, ZoneInfo(viewer.network.timezone))
    health = d.storage.impact
    current = await health.health(network_id, end - WINDOW, end)
    before = await health.health(network_id, end - 2 * WINDOW, end - WINDOW)
    bounds = month_bounds(now, viewer.network.timezone, SHARE_MONTHS)
    shares = []
    for a, b in pairwise(bounds):
        shares.append((a, (await health.health(network_id, a, b)).initiator_share))
    f, t = request[FORMATS], request[TRANSLATOR]
    chart = svg.line(
        [f.short_month(a) for a, _ in shares],
        [s for _, s in shares],
        title=t("web.network.share_chart"),
        description=t("web.network.share_chart_desc"),
        percent=True,
    )
    sparks = await d.storage.members.get_many(current.spark_carriers)
    named_sparks = [m for m in sparks if m.findable and m.active]
    cells = {c.id: c.name for c in await d.storage.networks.cells(network_id)}
    flows = await d.storage.dashboard.flows(network_id, end - 3 * WINDOW, end)
    pairs = await d.storage.dashboard.helpers_between_cells(network_id, end - 3 * WINDOW, end)
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
        sparks=sparks,
        named_sparks=named_sparks,
        spark_min=SPARK_MIN_DONE,
        window=WINDOW.days,
        flows=flows,
        cells=cells,
        named_pairs=named_pairs,
        hidden_pairs=len(pairs) - len(named_pairs),
        flow_days=(3 * WINDOW).days,
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/network", page)

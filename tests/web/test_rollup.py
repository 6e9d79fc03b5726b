"""Impact per month: the months add up to the period by the chat's own rules, and finished
months are kept, then read again in the background."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from storage.repositories.dashboard import MonthFacts, merge_facts
from tests.web.browser import seed_everything
from tests.web.conftest import Site, at
from web.pages.impact import month_bounds
from web.rollup import KeptFigures, months


@pytest.mark.both_databases
async def test_months_add_up_to_the_period_as_the_chat_counts_it(site: Site) -> None:
    await seed_everything(site)
    storage, network, m = site.storage, await site.app.network(), site.members
    now = site.clock.now()
    # A member active in two months is one person for the period; a lapse is a miss.
    for days in (45, 3):
        made = await storage.pledges.create(
            network.id,
            m["kees"].id,
            what="Boodschappen",
            due_at=at(-days),
            due_has_time=False,
            now=now - timedelta(days=days + 1),
        )
        await storage.pledges.complete(made.pledge.id, hours=1.5, now=now - timedelta(days=days))
    lapsed = await storage.pledges.create(
        network.id,
        m["piet"].id,
        what="Flyers",
        due_at=at(-10),
        due_has_time=False,
        now=now - timedelta(days=12),
    )
    from storage.repositories.calls import PledgeStatus

    await storage.pledges.end(lapsed.pledge.id, PledgeStatus.LAPSED, now=now - timedelta(days=8))
    bounds = month_bounds(now, network.timezone, 12)
    months = [await storage.dashboard.month_facts(network.id, a, b) for a, b in pairwise(bounds)]
    whole = merge_facts(months)
    figures = await storage.impact.figures(network.id, bounds[0], bounds[-1])
    assert (
        len(whole.active),
        whole.pledges_done,
        whole.calls,
        whole.calls_filled,
        whole.thanks,
    ) == (
        figures.people_active,
        figures.pledges_done,
        figures.calls,
        figures.calls_filled,
        figures.thanks,
    )
    assert whole.hours == pytest.approx(figures.hours)
    cells = {c.id: c.name for c in await storage.networks.cells(network.id)}
    assert {(cells.get(c), n) for c, n, _h in whole.per_cell} == {
        (c.cell, c.pledges_done) for c in figures.per_cell
    }
    assert sum(x.missed for x in months) == 1
    assert sum(len(x.active) for x in months) > len(whole.active)  # kees, twice
    for month in months:
        health = await storage.impact.health(network.id, month.start, month.end)
        assert (month.pledges_done, month.initiator_share) == (
            health.pledges_done,
            health.initiator_share,
        )


class CountingQueries:
    """Counts its reads; a finished month's read can be held until released."""

    def __init__(self) -> None:
        self.reads: list[datetime] = []
        self.release = asyncio.Event()
        self.release.set()

    async def month_facts(self, network_id: int, start: datetime, end: datetime) -> MonthFacts:
        if start.month != 11:
            await self.release.wait()
        self.reads.append(start)
        return MonthFacts(start, end, len(self.reads), 0.0, 0, 0, 0, 0, 0, frozenset(), (), ())


async def test_finished_months_are_kept_and_read_again_in_the_background() -> None:
    clock = [0.0]
    queries = CountingQueries()
    kept = KeptFigures(refresh=600, current_refresh=60, monotonic=lambda: clock[0])
    bounds = [datetime(2026, month, 1).astimezone() for month in (9, 10, 11, 12)]
    now = datetime(2026, 11, 15).astimezone()  # September and October are over

    async def read() -> list[MonthFacts]:
        return await months(kept, queries, 1, bounds, now=now)  # type: ignore[arg-type]

    first = await read()
    assert [f.start.month for f in first] == [9, 10, 11] and len(queries.reads) == 3
    clock[0] = 30
    assert await read() == first and len(queries.reads) == 3  # all kept
    clock[0] = 61
    again = await read()
    assert len(queries.reads) == 4  # only November, still running, was read again
    assert again[:2] == first[:2] and again[2] != first[2]
    clock[0] = 601  # kept too long: still served at once, read again behind the scenes
    queries.release.clear()
    stale = await read()
    assert stale[:2] == first[:2]
    assert len(queries.reads) == 5  # November again; the old months wait in the background
    queries.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(queries.reads) == 7
    fresh = await read()
    assert fresh[0].pledges_done != first[0].pledges_done
    await kept.stop()


async def test_kept_figures_are_bounded() -> None:
    from web import rollup

    kept = KeptFigures()

    async def read() -> int:
        return 1

    for day in range(rollup.MAX_KEPT + 50):
        await kept.get(("health", day), read, finished=True)
    assert len(kept._kept) == rollup.MAX_KEPT


def test_merging_nothing_but_one_month_changes_nothing() -> None:
    start = datetime(2026, 10, 1).astimezone()
    month = MonthFacts(
        start,
        start + timedelta(days=31),
        3,
        4.5,
        1,
        1,
        2,
        1,
        2,
        frozenset({1, 2}),
        ((None, 1, 1.5), (7, 2, 3.0)),
        (("soep", "Soep", 3, 4.5),),
    )
    assert merge_facts([month]) == replace(month)


async def test_the_server_reads_the_last_year_ahead(site: Site) -> None:
    from web import WebServer

    server = WebServer(site.dashboard, "127.0.0.1", 0)
    await server.start()
    try:
        assert server._warming is not None
        await server._warming
        months_kept = [k for k in site.dashboard.figures._kept if k[0] == "month"]
        assert len(months_kept) == 12  # eleven finished months and the running one
    finally:
        await server.stop()

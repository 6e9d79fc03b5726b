"""Figures over periods (impact per month, network health per window), kept a while.

A period that has ended hardly changes any more (a pledge is marked done, lapses or is thanked
*now*, which is in the current period), so its figures are read once and reused; a kept one
older than ``REFRESH`` is still served, and read again in the background
(stale-while-revalidate), so no page view waits for a year of figures, and a late correction
of an old month (a member forgotten, hours added afterwards) shows within minutes. A period
still running is read again when its figures are older than ``CURRENT_REFRESH``, before the
page is shown: what happens today shows within a minute.

At 10k members and 100k pledges a year of figures takes about a second to read; one month
a few tens of milliseconds. :meth:`web.server.Dashboard.warm` reads the last year when the
dashboard starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any, TypeVar

from storage.repositories.dashboard import DashboardQueries, MonthFacts

log = logging.getLogger(__name__)

REFRESH = 10 * 60.0  # seconds a finished period is served before it is read again
CURRENT_REFRESH = 60.0  # seconds a running period's figures are used
MAX_KEPT = 200  # the least recently used go first (windows move on every day)
T = TypeVar("T")


class KeptFigures:
    """Figures by key, each read by its own coroutine function; one read at a time (asyncio,
    one process: each process of a deployment keeps its own)."""

    def __init__(
        self,
        *,
        refresh: float = REFRESH,
        current_refresh: float = CURRENT_REFRESH,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._refresh = refresh
        self._current_refresh = current_refresh
        self._monotonic = monotonic
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: set[Hashable] = set()

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]], *, finished: bool) -> T:
        """The figures for ``key``: kept ones if fresh enough; ``finished`` periods are served
        while they are read again behind the scenes."""
        fresh_for = self._refresh if finished else self._current_refresh
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            if self._monotonic() - kept[0] <= fresh_for:
                return kept[1]
            if finished:
                self._in_background(key, read)
                return kept[1]
        return await self._read(key, read, fresh_for)

    async def _read(self, key: Hashable, read: Callable[[], Awaitable[T]], fresh_for: float) -> T:
        async with self._lock:
            kept = self._kept.get(key)
            if kept is not None and self._monotonic() - kept[0] <= fresh_for:
                return kept[1]  # read by another request meanwhile
            value = await read()
            self._keep(key, value)
            return value

    def _keep(self, key: Hashable, value: Any) -> None:
        self._kept[key] = (self._monotonic(), value)
        self._kept.move_to_end(key)
        while len(self._kept) > MAX_KEPT:
            self._kept.popitem(last=False)

    def _in_background(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> None:
        if key in self._pending:
            return
        self._pending.add(key)
        task = asyncio.create_task(self._reread(key, read))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reread(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> None:
        try:
            async with self._lock:
                self._keep(key, await read())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reading figures %s again failed; the kept ones stay", key)
        finally:
            self._pending.discard(key)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def months(
    kept: KeptFigures,
    queries: DashboardQueries,
    network_id: int,
    bounds: Sequence[datetime],
    *,
    now: datetime,
) -> list[MonthFacts]:
    """Facts for each [bounds[i], bounds[i+1]); the months ended by ``now`` are finished."""
    result = []
    for start, end in pairwise(bounds):

        async def read(start: datetime = start, end: datetime = end) -> MonthFacts:
            return await queries.month_facts(network_id, start, end)

        result.append(await kept.get(("month", network_id, start, end), read, finished=end <= now))
    return result

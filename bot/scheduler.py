"""The persistent scheduler: the database is the truth, memory only holds the sleep.

It sleeps until the earliest job is due (or until new work is scheduled in this process, or
at most IDLE_POLL when another process might have added some), claims due jobs with a lease
and a token (PostgreSQL: FOR UPDATE SKIP LOCKED), and hands each to the handler registered for
its kind. A handler returns when it wants to look again, or None. After downtime the first
pass simply finds everything that fell due; the handlers decide what is still relevant.
Each job runs in a unit of work of its own (``App.run_job``): what it decides, the messages it
queues and its next due time commit together, so a crash mid-job repeats it, never half of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import Clock, SimulatedClock
from bot.context import ServiceContext
from storage import Storage
from storage.repositories.jobs import Job

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
RETRY_AFTER_FAILURE = timedelta(minutes=10)
MAX_PASSES = 20
IDLE_POLL = 60.0  # seconds; another process may schedule work we cannot hear about

JobHandler = Callable[[ServiceContext, int], Awaitable[datetime | None]]
# Runs one claimed job with its handler in a unit of work and releases the claim.
Execute = Callable[[Job, JobHandler], Awaitable[None]]


class Scheduler:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        execute: Execute,
        *,
        worker_id: str | None = None,
    ) -> None:
        self._jobs = storage.jobs
        self._clock = clock
        self._execute = execute
        self.retry_after_failure = RETRY_AFTER_FAILURE
        self._handlers: dict[str, JobHandler] = {}
        self._wake = asyncio.Event()
        self.worker_id = worker_id or uuid.uuid4().hex[:12]

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    def wake(self) -> None:
        self._wake.set()

    async def run_due(self, limit: int = 200) -> int:
        """Run everything due now, including what the jobs themselves make due now."""
        ran = 0
        for _ in range(MAX_PASSES):  # a job due again at once runs again, but not forever
            jobs = await self._jobs.claim_due(
                self.worker_id, now=self._clock.now(), lease=LEASE, limit=limit
            )
            if not jobs:
                break
            for job in jobs:
                await self._run(job)
                ran += 1
        return ran

    async def _run(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("job %s: no handler for kind %r; dropping it", job.key, job.kind)
            await self._jobs.finish(job, None)
            return
        await self._execute(job, handler)

    async def advance_to(
        self,
        clock: SimulatedClock,
        target: datetime,
        after_each: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Move a simulated clock to ``target`` one due moment at a time, so every job runs
        at its own time (the console's ``~ 3d``), not all at the end."""
        while (next_due := await self._jobs.next_due()) is not None and next_due <= target:
            if next_due > clock.now():
                clock.advance(next_due - clock.now())
            await self.run_due()
            if after_each is not None:
                await after_each()
        if target > clock.now():
            clock.advance(target - clock.now())
        await self.run_due()
        if after_each is not None:
            await after_each()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_due()
                next_due = await self._jobs.next_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler pass failed; trying again shortly")
                next_due = None
            timeout = IDLE_POLL
            if next_due is not None:
                timeout = min(IDLE_POLL, max((next_due - self._clock.now()).total_seconds(), 0.0))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

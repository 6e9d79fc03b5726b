"""Running processes and their heartbeats: whose claims are still held by someone alive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update

from storage import models
from storage.session import Sessions
from storage.sql import affected

#: A worker whose heartbeat is older than this is gone; its claims are free at once.
STALE_AFTER = timedelta(seconds=8)
#: The heartbeat of a worker known to have stopped (a clean stop, or a dead process found on
#: this host): long past, so its claims are free at once.
STOPPED = datetime(1970, 1, 1, tzinfo=UTC)


def holder_dead(model: type[models.Base], *, now: datetime) -> ColumnElement[bool]:
    """True for a claimed row whose holding worker registered and stopped beating. A holder
    that never registered (a tool, a test) keeps its claim until the lease runs out."""
    column = model.claimed_worker  # type: ignore[attr-defined]
    return column.in_(
        select(models.Worker.id).where(models.Worker.heartbeat_at < now - STALE_AFTER)
    )


class WorkerRegistry:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def register(self, worker_id: str, *, host: str, pid: int, now: datetime) -> None:
        async with self._sessions.write() as s:
            s.add(models.Worker(id=worker_id, host=host, pid=pid, started_at=now, heartbeat_at=now))

    async def beat(self, worker_id: str, *, now: datetime) -> bool:
        """Renew the heartbeat; False when the row was removed (taken for dead): the caller
        registers again."""
        async with self._sessions.write() as s:
            result = await s.execute(
                update(models.Worker).where(models.Worker.id == worker_id).values(heartbeat_at=now)
            )
            return bool(affected(result))

    async def retire(self, worker_id: str) -> None:
        """A clean stop: the claims this worker still holds are free for others at once."""
        await self.forget([worker_id])

    async def on_host(self, host: str) -> list[tuple[str, int]]:
        """Workers of this host that may still be running."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(models.Worker.id, models.Worker.pid).where(
                    models.Worker.host == host, models.Worker.heartbeat_at > STOPPED
                )
            )
            return [(worker_id, pid) for worker_id, pid in rows]

    async def forget(self, worker_ids: list[str]) -> None:
        """Mark workers known to have stopped (a clean stop, a process on this host that no
        longer runs): their claims are free at once."""
        if not worker_ids:
            return
        async with self._sessions.write() as s:
            await s.execute(
                update(models.Worker)
                .where(models.Worker.id.in_(worker_ids))
                .values(heartbeat_at=STOPPED)
            )

    async def prune(self, before: datetime) -> int:
        """Forget workers silent since ``before`` (their claims' leases ran out long ago)."""
        async with self._sessions.write() as s:
            result = await s.execute(
                delete(models.Worker).where(models.Worker.heartbeat_at < before)
            )
            return affected(result)

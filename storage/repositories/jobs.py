"""Scheduler jobs and nudge reasons.

A job says "look at this pledge / member / call / digest at this time". Changes to those
things touch their job (in the same transaction), so the policy that decides what to send is
asked again whenever something changed, and otherwise exactly when it said it wants to be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.repositories.claims import claim_due_rows, new_claim
from storage.session import Sessions
from storage.sql import insert_ignoring


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    kind: str
    ref_id: int
    due_at: datetime
    claim: str
    claimed_at: datetime


@dataclass(frozen=True)
class Reason:
    id: int
    key: str
    member_id: int
    kind: str
    ref_id: int | None
    data: dict[str, Any]
    created_at: datetime
    expires_at: datetime | None
    status: str
    sent_at: datetime | None


def _reason(row: models.NudgeReason) -> Reason:
    return Reason(
        row.id,
        row.key,
        row.member_id,
        row.kind,
        row.ref_id,
        dict(row.data),
        row.created_at,
        row.expires_at,
        row.status,
        row.sent_at,
    )


async def touch_job(s: AsyncSession, kind: str, ref_id: int, due_at: datetime) -> None:
    """Ask for a job to run no later than ``due_at`` (inside the caller's transaction)."""
    key = f"{kind}:{ref_id}"
    row = await s.scalar(select(models.Job).where(models.Job.key == key))
    if row is None:
        s.add(
            models.Job(
                key=key,
                kind=kind,
                ref_id=ref_id,
                due_at=due_at,
                status="pending",
                updated_at=due_at,
            )
        )
        return
    row.updated_at = due_at  # a running job sees it was touched and runs again
    if row.status == "done" or due_at < row.due_at:
        row.due_at = due_at
    if row.status == "done":
        row.status = "pending"


class JobRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def touch(self, kind: str, ref_id: int, due_at: datetime) -> None:
        async with self._sessions.write() as s:
            await touch_job(s, kind, ref_id, due_at)

    async def ensure(self, kind: str, ref_id: int, due_at: datetime) -> bool:
        """Create the job if it does not exist yet (recurring work like digests)."""
        async with self._sessions.write() as s:
            created = await s.scalar(
                insert_ignoring(
                    s,
                    models.Job,
                    ("key",),
                    dict(
                        key=f"{kind}:{ref_id}",
                        kind=kind,
                        ref_id=ref_id,
                        due_at=due_at,
                        status="pending",
                        updated_at=due_at,
                    ),
                ).returning(models.Job.id)
            )
        return created is not None

    async def claim_due(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[Job]:
        """Claim due jobs with a fresh token; expired claims (a dead worker) are taken over.
        PostgreSQL skips rows another transaction is claiming (FOR UPDATE SKIP LOCKED)."""
        claim = new_claim(worker)
        async with self._sessions.write() as s:
            rows = await claim_due_rows(
                s,
                models.Job,
                due_column=models.Job.due_at,
                waiting="pending",
                working="running",
                claim=claim,
                worker=worker,
                now=now,
                lease=lease,
                limit=limit,
            )
            return [Job(r.id, r.key, r.kind, r.ref_id, r.due_at, claim, now) for r in rows]

    async def finish(self, job: Job, next_due: datetime | None) -> None:
        """Release a claimed job: due again at ``next_due``, or done. A touch that arrived
        while it ran brings it back at once, so no change is ever missed."""
        async with self._sessions.write() as s:
            row = await s.get(models.Job, job.id)
            if row is None or row.claimed_by != job.claim:
                return
            if row.updated_at > job.claimed_at:
                next_due = min(next_due, row.updated_at) if next_due else row.updated_at
            row.claimed_by, row.claimed_until = None, None
            if next_due is None:
                row.status = "done"
            else:
                row.status, row.due_at = "pending", next_due

    async def next_due(self) -> datetime | None:
        async with self._sessions.read() as s:
            return await s.scalar(
                select(func.min(models.Job.due_at)).where(models.Job.status == "pending")
            )

    async def pending(self) -> list[tuple[str, datetime]]:
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(models.Job.key, models.Job.due_at)
                .where(models.Job.status == "pending")
                .order_by(models.Job.due_at)
            )
            return [(k, d) for k, d in rows]


class NudgeRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def offer(
        self,
        key: str,
        member_id: int,
        kind: str,
        ref_id: int | None,
        *,
        data: dict[str, Any],
        now: datetime,
        expires_at: datetime | None,
        status: str = "pending",
    ) -> bool:
        """Add a reason once (the key decides) and wake the member's bundle job."""
        async with self._sessions.write() as s:
            added = await s.scalar(
                insert_ignoring(
                    s,
                    models.NudgeReason,
                    ("key",),
                    dict(
                        key=key,
                        member_id=member_id,
                        kind=kind,
                        ref_id=ref_id,
                        data=data,
                        created_at=now,
                        expires_at=expires_at,
                        status=status,
                    ),
                ).returning(models.NudgeReason.id)
            )
            if added is not None and status == "pending":
                await touch_job(s, "bundle", member_id, now)
        return added is not None

    async def get(self, key: str) -> Reason | None:
        async with self._sessions.read() as s:
            row = await s.scalar(select(models.NudgeReason).where(models.NudgeReason.key == key))
            return _reason(row) if row else None

    async def count(self, key_prefix: str) -> int:
        async with self._sessions.read() as s:
            return (
                await s.scalar(
                    select(func.count()).where(
                        models.NudgeReason.key.startswith(key_prefix, autoescape=True)
                    )
                )
                or 0
            )

    async def latest(self, key_prefix: str) -> Reason | None:
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(models.NudgeReason)
                .where(models.NudgeReason.key.startswith(key_prefix, autoescape=True))
                .order_by(models.NudgeReason.id.desc())
                .limit(1)
            )
            return _reason(row) if row else None

    async def pending_for(self, member_id: int) -> list[Reason]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.NudgeReason)
                .where(
                    models.NudgeReason.member_id == member_id,
                    models.NudgeReason.status == "pending",
                )
                .order_by(models.NudgeReason.id)
            )
            return [_reason(r) for r in rows]

    async def mark(self, reason_ids: list[int], status: str, *, now: datetime) -> None:
        if not reason_ids:
            return
        async with self._sessions.write() as s:
            values: dict[str, Any] = {"status": status}
            if status == "sent":
                values["sent_at"] = now
            await s.execute(
                update(models.NudgeReason)
                .where(models.NudgeReason.id.in_(reason_ids))
                .values(**values)
            )

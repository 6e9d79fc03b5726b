"""Claiming due rows for one worker: the single mechanism behind the outbox and the scheduler.

A claim is a lease with a fresh token and the claiming worker's identity: the worker that
holds it updates the rows later by presenting the token. A worker that dies releases its rows
as soon as its heartbeat stops (``storage/repositories/workers.py``), or at the latest when the
lease runs out. On
PostgreSQL due rows are picked ``FOR UPDATE SKIP LOCKED``, so concurrent workers never take
the same row; on SQLite (one writer at a time) the claim condition is repeated in the update.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.workers import holder_dead
from storage.sql import dialect


def new_claim(worker: str) -> str:
    return f"{worker}:{uuid.uuid4().hex[:12]}"


def claimable(model: Any, *, waiting: str, working: str, worker: str, now: datetime) -> Any:
    """Rows waiting, or claimed by a claim that lapsed: its lease ran out, or its holder (not
    this worker, which knows it is alive) stopped beating."""
    taken = (model.status == working) & (
        (model.claimed_until < now)
        | ((model.claimed_worker != worker) & holder_dead(model, now=now))
    )
    return or_(model.status == waiting, taken)


async def claim_due_rows(
    s: AsyncSession,
    model: Any,
    *,
    due_column: Any,
    waiting: str,
    working: str,
    claim: str,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    also: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    """Claim up to ``limit`` rows of ``model`` due by ``now`` (status ``waiting``, or
    ``working`` with an expired lease) and return them, earliest first."""
    condition = claimable(model, waiting=waiting, working=working, worker=worker, now=now)
    due = (
        select(model.id)
        .where(condition, due_column <= now, *also)
        .order_by(due_column, model.id)
        .limit(limit)
    )
    if dialect(s) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(await s.scalars(due))
    if not ids:
        return []
    # One statement per id (a Core executemany): a row-id equality always uses the primary
    # key, where an IN list next to the status condition tempts SQLite into scanning the status
    # index. The claim condition is repeated so a row taken meanwhile stays with its taker.
    await s.execute(
        update(model.__table__)
        .where(model.id == bindparam("row_id"), condition)
        .values(status=working, claimed_by=claim, claimed_worker=worker, claimed_until=now + lease),
        [{"row_id": i} for i in ids],
    )
    rows = await s.scalars(
        select(model)
        .where(model.id.in_(ids), model.claimed_by == claim)
        .order_by(due_column, model.id)
    )
    return list(rows)

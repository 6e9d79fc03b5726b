"""The inbox: every event the bot will answer, stored before its platform is told it arrived.

Storing is the intake's only write; the row is stored already claimed by the worker that
received it, which handles it at once. Handling commits ``done`` in the event's unit of work,
together with everything the handler wrote, so an event is handled exactly once: a crash
before that commit leaves the row claimed by a dead worker, and whoever runs next (the
restarted process or another one) takes it over as soon as the heartbeat is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased

from storage import models
from storage.repositories.claims import claimable, new_claim
from storage.session import Sessions
from storage.sql import Prepared, affected, insert_for, table

_INBOX = table(models.InboxEvent)

# The statements every event runs, built once (storage/sql.py, ``Prepared``).
_STORE = Prepared(
    lambda dialect: (
        insert_for(dialect, models.InboxEvent)
        .on_conflict_do_nothing(index_elements=["platform", "event_key"])
        .returning(_INBOX.c.id)
    )
)
_FINISH = (
    update(_INBOX)
    .where(
        _INBOX.c.id == bindparam("item_id"),
        _INBOX.c.claimed_by == bindparam("claim"),
        _INBOX.c.status == "working",
    )
    .values(
        status="done",
        handled_at=bindparam("now"),
        payload={},
        claimed_by=None,
        claimed_worker=None,
        claimed_until=None,
    )
)


@dataclass(frozen=True)
class InboxItem:
    id: int
    platform: str
    event_key: str
    chat_key: str
    payload: dict[str, Any]
    claim: str


@dataclass(frozen=True)
class NewEvent:
    platform: str
    event_key: str
    chat_key: str
    payload: dict[str, Any]


def _item(row: models.InboxEvent) -> InboxItem:
    return InboxItem(
        row.id, row.platform, row.event_key, row.chat_key, dict(row.payload), row.claimed_by or ""
    )


class InboxRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def store(
        self, events: Sequence[NewEvent], *, worker: str, now: datetime, lease: timedelta
    ) -> list[InboxItem | None]:
        """Store events claimed by ``worker``; None for an event stored before (a redelivery:
        handled already, or being handled)."""
        claim = new_claim(worker)
        stored: list[InboxItem | None] = []
        async with self._sessions.write() as s:
            statement = _STORE(s)
            for event in events:
                row_id = await s.scalar(
                    statement,
                    models.fitted(
                        models.InboxEvent,
                        {
                            "platform": event.platform,
                            "event_key": event.event_key,
                            "chat_key": event.chat_key,
                            "payload": event.payload,
                            "status": "working",
                            "received_at": now,
                            "claimed_by": claim,
                            "claimed_worker": worker,
                            "claimed_until": now + lease,
                        },
                    ),
                )
                stored.append(
                    None
                    if row_id is None
                    else InboxItem(
                        row_id,
                        event.platform,
                        event.event_key,
                        event.chat_key,
                        event.payload,
                        claim,
                    )
                )
        return stored

    async def finish(self, item: InboxItem, *, now: datetime) -> bool:
        """Mark the event handled (inside its unit of work). False when this claim no longer
        holds it: another worker took it over, and this handling must not commit."""
        async with self._sessions.write() as s:
            result = await s.execute(_FINISH, {"item_id": item.id, "claim": item.claim, "now": now})
            return bool(affected(result))

    async def claim_left_over(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int = 100
    ) -> list[InboxItem]:
        """Events a dead worker (or this one, before a restart) stored but never finished,
        oldest first; an event waits while an earlier one of its chat is still held by a live
        worker, so each chat keeps its order."""
        claim = new_claim(worker)
        event, earlier = models.InboxEvent, aliased(models.InboxEvent)
        free = claimable(event, waiting="pending", working="working", worker=worker, now=now)
        held_earlier = (
            select(earlier.id)
            .where(
                earlier.id < event.id,
                earlier.platform == event.platform,
                earlier.chat_key == event.chat_key,
                earlier.status.in_(("pending", "working")),
                ~claimable(earlier, waiting="pending", working="working", worker=worker, now=now),
            )
            .exists()
        )
        async with self._sessions.write() as s:
            due = (
                select(event.id)
                .where(event.status.in_(("pending", "working")), free, ~held_earlier)
                .order_by(event.id)
                .limit(limit)
            )
            if s.bind is not None and s.bind.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(await s.scalars(due))
            if not ids:
                return []
            await s.execute(
                update(event)
                .where(event.id.in_(ids), free)
                .values(
                    status="working",
                    claimed_by=claim,
                    claimed_worker=worker,
                    claimed_until=now + lease,
                )
                .execution_options(synchronize_session=False)
            )
            rows = await s.scalars(
                select(event).where(event.id.in_(ids), event.claimed_by == claim).order_by(event.id)
            )
            return [_item(r) for r in rows]

    async def handled(self) -> int:
        async with self._sessions.read() as s:
            return int(
                await s.scalar(select(func.count()).where(models.InboxEvent.status == "done")) or 0
            )

    async def unfinished(self) -> int:
        async with self._sessions.read() as s:
            return int(
                await s.scalar(select(func.count()).where(models.InboxEvent.status != "done")) or 0
            )

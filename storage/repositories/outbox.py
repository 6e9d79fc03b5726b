"""The outbox: messages the bot starts itself, delivered at least once and, through the
idempotency key and per-row claims, never twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Exists

from storage import models
from storage.repositories.claims import claim_due_rows, new_claim
from storage.session import Sessions
from storage.sql import affected, dialect, insert_ignoring, insert_many_ignoring

ANALYZE_AFTER = 1000  # messages queued at once (PostgreSQL: refresh the planner's view)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    platform: str | None
    chat_id: str | None
    member_id: int | None
    kind: str
    reply: dict[str, Any]
    attempts: int
    claim: str  # the token of the claim that holds this message; updates must present it


def _item(row: models.OutboxMessage) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.key,
        row.platform,
        row.chat_id,
        row.member_id,
        row.kind,
        dict(row.reply),
        row.attempts,
        row.claimed_by or "",
    )


def _overtakes() -> Exists:
    """True for a message while an earlier one to the same chat (or member) is still on its
    way: messages to one chat keep their order, also when one is delayed by a 429."""
    msg, earlier = models.OutboxMessage, aliased(models.OutboxMessage)
    return (
        select(earlier.id)
        .where(
            earlier.id < msg.id,
            earlier.status.in_(("pending", "sending")),
            or_(
                earlier.member_id == msg.member_id,
                (earlier.chat_id == msg.chat_id) & (earlier.platform == msg.platform),
            ),
        )
        .exists()
    )


class OutboxRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def add(
        self,
        key: str,
        reply: dict[str, Any],
        *,
        platform: str | None,
        chat_id: str | None,
        member_id: int | None,
        kind: str,
        now: datetime,
        not_before: datetime | None = None,
        held_by: tuple[str, str] | None = None,
        lease: timedelta | None = None,
    ) -> OutboxItem | None:
        """Queue a message; None when a message with this key was queued before.

        ``held_by`` (worker, claim token) stores it already claimed by that worker for
        ``lease``: the event that wrote it delivers it itself right after its commit, without a
        claiming round trip; should that process die first, the claim lapses with its
        heartbeat and any other worker sends it."""
        values: dict[str, Any] = {
            "key": key,
            "reply": reply,
            "platform": platform,
            "chat_id": chat_id,
            "member_id": member_id,
            "kind": kind,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": max(now, not_before or now),
            "created_at": now,
        }
        if held_by is not None:
            worker, claim = held_by
            values |= {
                "status": "sending",
                "claimed_worker": worker,
                "claimed_by": claim,
                "claimed_until": now + (lease or timedelta(minutes=2)),
            }
        async with self._sessions.write() as s:
            row_id = await s.scalar(
                insert_ignoring(s, models.OutboxMessage, ("key",), values).returning(
                    models.OutboxMessage.id
                )
            )
        if row_id is None:
            return None
        return OutboxItem(
            row_id, key, platform, chat_id, member_id, kind, reply, 0, values.get("claimed_by", "")
        )

    async def add_many(self, items: list[dict[str, Any]], *, now: datetime) -> int:
        """Queue many messages in one transaction (a broadcast lands whole or not at all);
        keys queued before are skipped. Returns how many were new."""
        keys = [item["key"] for item in items]
        async with self._sessions.write() as s:
            existing: set[str] = set()
            for start in range(0, len(keys), 500):
                existing.update(
                    await s.scalars(
                        select(models.OutboxMessage.key).where(
                            models.OutboxMessage.key.in_(keys[start : start + 500])
                        )
                    )
                )
            fresh = [item for item in items if item["key"] not in existing]
            if fresh:
                await s.execute(
                    *insert_many_ignoring(
                        s,
                        models.OutboxMessage,
                        ("key",),
                        [
                            {
                                "key": item["key"],
                                "reply": item["reply"],
                                "platform": item.get("platform"),
                                "chat_id": item.get("chat_id"),
                                "member_id": item.get("member_id"),
                                "kind": item.get("kind", "message"),
                                "status": "pending",
                                "attempts": 0,
                                "next_attempt_at": now,
                                "created_at": now,
                            }
                            for item in fresh
                        ],
                    )
                )
            if len(fresh) >= ANALYZE_AFTER and dialect(s) == "postgresql":
                # Fresh statistics at once: planned with the old ones (a near-empty table),
                # the per-chat order check becomes a nested loop over the whole broadcast,
                # seconds per claim until autovacuum's next analyze, a minute later.
                await s.flush()
                await s.execute(text("ANALYZE outbox"))
        return len(fresh)

    async def claim_due(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Claim due messages for this worker. A claim is a lease: a worker that dies mid-send
        releases its messages when the lease runs out. On PostgreSQL the rows are picked with
        FOR UPDATE SKIP LOCKED, so concurrent workers never claim the same row. Each call gets
        its own token, so two passes of one worker cannot take each other's rows either."""
        claim = new_claim(worker)
        async with self._sessions.write() as s:
            rows = await claim_due_rows(
                s,
                models.OutboxMessage,
                due_column=models.OutboxMessage.next_attempt_at,
                waiting="pending",
                working="sending",
                claim=claim,
                worker=worker,
                now=now,
                lease=lease,
                limit=limit,
                also=[~_overtakes()],
            )
            return [_item(r) for r in rows]

    async def _release(self, item_id: int, claim: str, **values: Any) -> None:
        """Update a claimed message, only while this claim still holds it."""
        async with self._sessions.write() as s:
            await s.execute(
                update(models.OutboxMessage)
                .where(models.OutboxMessage.id == item_id, models.OutboxMessage.claimed_by == claim)
                .values(claimed_until=None, **values)
            )

    async def mark_sent(
        self,
        item_id: int,
        claim: str,
        *,
        now: datetime,
        message_id: str | None,
        platform: str,
        chat_id: str,
    ) -> None:
        """A reply is deleted once sent (its event is done: nothing can enqueue it again,
        and what someone was told in a chat needs no second copy here); other messages keep
        their key for retention_days, so a repeated decision still sends nothing twice."""
        held = (models.OutboxMessage.id == item_id, models.OutboxMessage.claimed_by == claim)
        async with self._sessions.write(urgent=True) as s:
            deleted = await s.execute(
                delete(models.OutboxMessage).where(*held, models.OutboxMessage.kind == "reply")
            )
            if affected(deleted):
                return
            await s.execute(
                update(models.OutboxMessage)
                .where(*held)
                .values(
                    claimed_until=None,
                    status="sent",
                    sent_at=now,
                    last_error=None,
                    sent_message_id=message_id,
                    platform=platform,
                    chat_id=chat_id,
                )
            )

    async def retry_at(
        self, item_id: int, claim: str, when: datetime, error: str, *, failed: bool = True
    ) -> None:
        """Put a claimed message back for later; ``failed`` counts it as a failed attempt
        (a rate-limit pause is not a failure)."""
        await self._release(
            item_id,
            claim,
            status="pending",
            next_attempt_at=when,
            last_error=error[:1000],
            attempts=models.OutboxMessage.attempts + (1 if failed else 0),
        )

    async def mark_failed(self, item_id: int, claim: str, error: str) -> None:
        await self._release(
            item_id,
            claim,
            status="failed",
            last_error=error[:1000],
            attempts=models.OutboxMessage.attempts + 1,
        )

    async def key_of_sent(self, platform: str, chat_id: str, message_id: str) -> str | None:
        """The key of the message the bot sent as ``message_id`` in that chat (what a
        member's reply answers), or None."""
        async with self._sessions.read() as s:
            return await s.scalar(
                select(models.OutboxMessage.key).where(
                    models.OutboxMessage.platform == platform,
                    models.OutboxMessage.chat_id == chat_id,
                    models.OutboxMessage.sent_message_id == message_id,
                )
            )

    async def next_due(self) -> datetime | None:
        """When the earliest waiting message falls due (for sleeping exactly that long)."""
        async with self._sessions.read() as s:
            return await s.scalar(
                select(func.min(models.OutboxMessage.next_attempt_at)).where(
                    models.OutboxMessage.status.in_(("pending", "sending")), ~_overtakes()
                )
            )

    async def unsent(self) -> int:
        """Messages not yet sent (waiting, or being sent)."""
        async with self._sessions.read() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(
                        models.OutboxMessage.status.in_(("pending", "sending"))
                    )
                )
                or 0
            )

    async def counts(self) -> dict[str, int]:
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(models.OutboxMessage.status, func.count()).group_by(
                    models.OutboxMessage.status
                )
            )
            return {status: n for status, n in rows}

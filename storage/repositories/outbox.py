"""The outbox: messages the bot starts itself, delivered at least once and, through the
idempotency key and per-row claims, never twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, func, or_, select, text, tuple_, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Exists

from storage import models
from storage.repositories.claims import claim_due_rows, new_claim
from storage.session import Sessions
from storage.sql import (
    Prepared,
    affected,
    dialect,
    insert_for,
    insert_many_ignoring,
    table,
)

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
    # A private message decided in a group: that group (and topic), where the member can be
    # shown the link to their private chat if the platform refuses the message.
    via_chat_id: str | None = None
    via_thread_id: str | None = None


@dataclass(frozen=True)
class Sent:
    """A claimed message the platform accepted: what :meth:`OutboxRepository.mark_sent_many`
    records (the platform and chat it went to, and the platform's id for it)."""

    id: int
    claim: str
    message_id: str | None
    platform: str
    chat_id: str


#: Waiting for the member to open their private chat with the bot (see ``park``).
PARKED = "parked"


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
        row.via_chat_id,
        row.via_thread_id,
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


_OUTBOX = table(models.OutboxMessage)

# The statements every answered event runs, built once (storage/sql.py, ``Prepared``).
_ADD = Prepared(
    lambda dialect: (
        insert_for(dialect, models.OutboxMessage)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(_OUTBOX.c.id)
    )
)
#: (id, claim) pairs in one expanding parameter: one statement for any number of messages.
_HELD = tuple_(_OUTBOX.c.id, _OUTBOX.c.claimed_by).in_(bindparam("held", expanding=True))
_DELETE_SENT_REPLIES = delete(_OUTBOX).where(_HELD, _OUTBOX.c.kind == "reply")


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
        via: tuple[str, str | None] | None = None,
    ) -> OutboxItem | None:
        """Queue a message; None when a message with this key was queued before.

        ``held_by`` (worker, claim token) stores it already claimed by that worker for
        ``lease``: the event that wrote it delivers it itself right after its commit, without a
        claiming round trip; should that process die first, the claim lapses with its
        heartbeat and any other worker sends it. ``via``: the group chat (and thread) where
        the event that decided a private message happened."""
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
            "via_chat_id": via[0] if via else None,
            "via_thread_id": via[1] if via else None,
            # Always named, so the statement has one shape, held or not.
            "claimed_worker": None,
            "claimed_by": None,
            "claimed_until": None,
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
            row_id = await s.scalar(_ADD(s), models.fitted(models.OutboxMessage, values))
        if row_id is None:
            return None
        return OutboxItem(
            row_id,
            key,
            platform,
            chat_id,
            member_id,
            kind,
            reply,
            0,
            values["claimed_by"] or "",
            values["via_chat_id"],
            values["via_thread_id"],
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
                                "via_chat_id": item.get("via_chat_id"),
                                "via_thread_id": item.get("via_thread_id"),
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
        """See :meth:`mark_sent_many` (one message)."""
        await self.mark_sent_many([Sent(item_id, claim, message_id, platform, chat_id)], now=now)

    async def mark_sent_many(self, sent: Sequence[Sent], *, now: datetime) -> None:
        """Record messages as sent, all in one write (each only while its claim still holds
        it). A reply is deleted once sent (its event is done: nothing can enqueue it again,
        and what someone was told in a chat needs no second copy here); other messages keep
        their key for retention_days, so a repeated decision still sends nothing twice."""
        if not sent:
            return
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.write(urgent=True) as s:
            pairs = [(m.id, m.claim) for m in sent]
            deleted = await s.execute(_DELETE_SENT_REPLIES, {"held": pairs})
            if affected(deleted) == len(sent):  # all replies: nothing else to record
                return
            held = tuple_(O.id, O.claimed_by).in_(pairs)
            kept = set(await s.scalars(select(O.id).where(held)))
            for m in (m for m in sent if m.id in kept):
                await s.execute(
                    update(O)
                    .where(O.id == m.id, O.claimed_by == m.claim)
                    .values(
                        claimed_until=None,
                        status="sent",
                        sent_at=now,
                        last_error=None,
                        sent_message_id=m.message_id,
                        platform=m.platform,
                        chat_id=m.chat_id,
                    )
                    .execution_options(synchronize_session=False)
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

    async def park(self, item_id: int, claim: str, error: str) -> bool:
        """Keep a claimed private message until its member opens their private chat with the
        bot (the platform refused it: never started). True when it is the member's first
        parked message, so they are shown the way to that chat once, not once a message."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.write() as s:
            row = await s.get(O, item_id)
            if row is None or row.claimed_by != claim:
                return False
            others = await s.scalar(
                select(func.count()).where(
                    O.member_id == row.member_id, O.status == PARKED, O.id != item_id
                )
            )
            row.status, row.claimed_until, row.last_error = PARKED, None, error[:1000]
            return not others

    async def release_parked(self, member_id: int, *, now: datetime, keep: timedelta) -> int:
        """The member opened their private chat: their parked messages go out now, except
        those parked longer than ``keep`` (stale by then; retention removes them). Returns
        how many."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.write() as s:
            released = await s.execute(
                update(O)
                .where(O.member_id == member_id, O.status == PARKED, O.created_at >= now - keep)
                .values(status="pending", next_attempt_at=now)
            )
            return affected(released)

    async def parked(self, member_id: int) -> int:
        async with self._sessions.read() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(
                        models.OutboxMessage.member_id == member_id,
                        models.OutboxMessage.status == PARKED,
                    )
                )
                or 0
            )

    async def drop_for_chat(self, platform: str, chat_id: str, reason: str) -> int:
        """Messages still waiting for a chat the bot can no longer post in: failed, with the
        reason."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.write() as s:
            result = await s.execute(
                update(O)
                .where(O.platform == platform, O.chat_id == chat_id, O.status == "pending")
                .values(status="failed", last_error=reason[:1000])
            )
            return affected(result)

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """A chat goes on under a new id: what still waits for it (and private messages
        decided there) follows. Returns how many messages waiting for it were moved."""
        O = models.OutboxMessage  # noqa: E741
        waiting = O.status.in_(("pending", "sending", PARKED))
        async with self._sessions.write() as s:
            moved = await s.execute(
                update(O)
                .where(O.platform == platform, O.chat_id == old_chat_id, waiting)
                .values(chat_id=new_chat_id)
            )
            await s.execute(
                update(O)
                .where(O.platform == platform, O.via_chat_id == old_chat_id, waiting)
                .values(via_chat_id=new_chat_id)
            )
            return affected(moved)

    async def waiting(self, key: str) -> bool:
        """The message queued under ``key`` is still to be sent (pending or being sent)."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.read() as s:
            status = await s.scalar(select(O.status).where(O.key == key))
        return status in ("pending", "sending")

    async def sent_message_id(self, key: str) -> tuple[str, str, str] | None:
        """(platform, chat id, platform message id) of the message sent under ``key`` (kept
        for messages other than replies), so it can be edited: ``Reply(edit_of=...)``."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.read() as s:
            row = (
                await s.execute(
                    select(O.platform, O.chat_id, O.sent_message_id).where(
                        O.key == key, O.status == "sent"
                    )
                )
            ).first()
        if row is None or None in row:
            return None
        return str(row[0]), str(row[1]), str(row[2])

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

    async def next_due(
        self, *, worker: str | None = None, now: datetime | None = None
    ) -> datetime | None:
        """When the earliest waiting message falls due (for sleeping exactly that long).

        With ``worker`` and ``now``: a message that worker holds (a reply it is sending, its
        lease running) falls due when its lease runs out, not at once: only then could its
        delivery loop claim it, so it does not poll every 50 ms while replies are in flight."""
        O = models.OutboxMessage  # noqa: E741
        due: Any = O.next_attempt_at
        if worker is not None and now is not None:
            held = (O.status == "sending") & (O.claimed_worker == worker) & (O.claimed_until >= now)
            due = case((held, O.claimed_until), else_=O.next_attempt_at)
        async with self._sessions.read() as s:
            return await s.scalar(
                select(func.min(due)).where(O.status.in_(("pending", "sending")), ~_overtakes())
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

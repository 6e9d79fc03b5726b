"""Delivery of everything the bot starts itself: broadcasts, invitations, nudges.

Enqueueing is idempotent (a unique key per message) and happens inside the unit of work of
the event or job that decided to send: the message exists exactly when the decision was
committed. Delivery is claimed row by row (a lease, and the worker's heartbeat), retried with
exponential back-off, and paced by each platform's rate limits. A crash in the middle of a
broadcast resumes as soon as the dead worker's heartbeat is gone: what was sent stays sent, the
rest goes out once. The window between sending and marking as sent is kept as small as it can
be; Matrix closes it (the key is the transaction id, a resend is a no-op on the server).

Replies to an event are written already claimed by the worker handling it, which sends them
itself right after the commit: no claiming round trip for the common case.

In flight, on a platform without idempotent sends (Telegram): a message the bot starts itself
(broadcast, invitation, nudge) goes one at a time; replies to incoming messages go side by
side, up to :data:`REPLIES_IN_FLIGHT` (different chats: the intake handles one event of a chat
at a time, and its replies in order). A message stays in flight until its sending is recorded,
so a crash repeats at most the messages in flight. Sends are recorded in batches: one write
marks every message sent while the previous write ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import metrics
from bot.clock import Clock
from bot.core import Adapter, Attachment, AttachmentKind, Button, Reply, SentMessage
from bot.errors import HandOver, NotStarted, PermanentDeliveryError, RetryLater
from bot.i18n import Translator
from bot.ratelimit import RateLimiter
from storage import Storage
from storage.repositories.claims import new_claim
from storage.repositories.outbox import OutboxItem, OutboxRepository, Sent

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
IDLE_POLL = 5.0  # seconds: other processes may enqueue too, so never sleep forever
#: A private message the platform refused (the member never opened the chat) waits this long
#: for them to open it; older ones are stale by then and never sent.
PARK_KEEP = timedelta(days=7)
#: ``Reply.edit_of`` naming a message by its outbox key: the edit waits until that message is
#: sent, then edits it (a call's post pledged for before its sending was recorded).
EDIT_BY_KEY = "outbox:"
#: Replies to incoming messages in flight at once per platform without idempotent sends (each
#: to its own chat): what a crash may repeat at most. Other messages go one at a time.
REPLIES_IN_FLIGHT = 8


def edit_by_key(key: str) -> str:
    return EDIT_BY_KEY + key


# Resolves a member's direct chat: (adapter, chat id), or None when unreachable.
DirectTarget = Callable[[int, str | None], Awaitable[tuple[Adapter, str] | None]]


@dataclass(frozen=True)
class Outgoing:
    """One message for the outbox: to a chat, or to a member's direct chat."""

    key: str
    reply: Reply
    platform: str | None = None
    chat_id: str | None = None
    member_id: int | None = None
    kind: str = "message"
    # A private message decided in a group: that group's chat id (and thread), where the
    # member is shown the link to their private chat should the platform refuse the message.
    via: tuple[str, str | None] | None = None

    def __post_init__(self) -> None:
        if self.chat_id is None and self.member_id is None:
            raise ValueError("a message needs a chat or a member")


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A reply as the outbox keeps it; every field of :class:`Reply` travels."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [
            [b.label, b.payload, b.emoji, b.ref]
            + ([b.url] if b.url or b.opens else [])
            + ([b.opens] if b.opens else [])
            for b in reply.buttons
        ]
    if reply.attachment:
        a = reply.attachment
        data["attachment"] = {"path": str(a.path), "kind": a.kind.value, "filename": a.filename}
    for name in ("edit_of", "reply_to", "thread_id"):
        if value := getattr(reply, name):
            data[name] = value
    if reply.mentions:
        data["mentions"] = list(reply.mentions)
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    buttons = tuple(Button(*fields) for fields in data.get("buttons", []))
    attachment = None
    if a := data.get("attachment"):
        attachment = Attachment(Path(a["path"]), AttachmentKind(a["kind"]), a.get("filename"))
    return Reply(
        data["text"],
        buttons,
        attachment,
        edit_of=data.get("edit_of"),
        reply_to=data.get("reply_to"),
        thread_id=data.get("thread_id"),
        mentions=tuple(data.get("mentions") or ()),
    )


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class Outbox:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        adapters: dict[str, Adapter],
        direct_target: DirectTarget,
        *,
        worker_id: str | None = None,
    ) -> None:
        self._storage = storage
        self._repo = storage.outbox
        self._clock = clock
        self._adapters = adapters
        self._direct_target = direct_target
        self._limiter = RateLimiter()
        # Per platform without idempotent sends: what is in flight, i.e. sent or being sent but
        # not recorded yet, is what a crash can repeat (Telegram has no idempotency key). One
        # message the bot starts itself at a time; replies side by side, a bounded number.
        self._in_flight: dict[str, asyncio.Lock] = {}
        self._replies_in_flight: dict[str, asyncio.Semaphore] = {}
        self._records = _Records(self._repo, clock)
        self._wake = asyncio.Event()
        self.worker_id = worker_id or uuid.uuid4().hex[:12]

    def now(self) -> datetime:
        return self._clock.now()

    async def enqueue(
        self,
        key: str,
        reply: Reply,
        *,
        platform: str | None = None,
        chat_id: str | None = None,
        member_id: int | None = None,
        kind: str = "message",
        not_before: datetime | None = None,
        storage: Storage | None = None,
        hold: bool = False,
        via: tuple[str, str | None] | None = None,
    ) -> OutboxItem | None:
        """Queue a message for a chat, or for a member's direct chat; None if the key exists.

        ``storage`` is the unit of work to write in (default: a transaction of its own).
        ``hold`` writes it claimed by this worker, which then delivers it itself with
        :meth:`deliver_held` after the commit."""
        if chat_id is None and member_id is None:
            raise ValueError("a message needs a chat or a member")
        repo = storage.outbox if storage is not None else self._repo
        item = await repo.add(
            key,
            reply_to_json(reply),
            platform=platform,
            chat_id=chat_id,
            member_id=member_id,
            kind=kind,
            now=self._clock.now(),
            not_before=not_before,
            held_by=(self.worker_id, new_claim(self.worker_id)) if hold else None,
            lease=LEASE,
            via=via,
        )
        if item is not None and not hold and storage is None:
            self._wake.set()
        return item

    async def enqueue_many(
        self, messages: Sequence[Outgoing], *, storage: Storage | None = None
    ) -> int:
        """Queue a broadcast in one transaction (the unit of work's, when given); returns how
        many keys were new. Wake the delivery loop after the commit (:meth:`wake`)."""
        repo = storage.outbox if storage is not None else self._repo
        added = await repo.add_many(
            [
                {
                    "key": m.key,
                    "reply": reply_to_json(m.reply),
                    "platform": m.platform,
                    "chat_id": m.chat_id,
                    "member_id": m.member_id,
                    "kind": m.kind,
                    "via_chat_id": m.via[0] if m.via else None,
                    "via_thread_id": m.via[1] if m.via else None,
                }
                for m in messages
            ],
            now=self._clock.now(),
        )
        if added and storage is None:
            self._wake.set()
        return added

    async def deliver_held(self, items: Sequence[OutboxItem]) -> None:
        """Send what a unit of work wrote claimed for this worker (its replies), in order;
        whatever cannot go now stays queued for the delivery loop."""
        held: set[tuple[object, ...]] = set()
        for item in items:
            destination = (item.member_id,) if item.member_id else (item.platform, item.chat_id)
            if destination in held:
                await self._repo.retry_at(
                    item.id, item.claim, self._clock.now(), "in order", failed=False
                )
                continue
            if await self._deliver(item) is not True:
                held.add(destination)
                self._wake.set()

    async def deliver_due(self, limit: int = 100) -> int:
        """One pass: claim what is due and try to send it. Returns how many were sent."""
        now = self._clock.now()
        items = await self._repo.claim_due(self.worker_id, now=now, lease=LEASE, limit=limit)
        sent = 0
        held: dict[tuple[object, ...], datetime] = {}  # destinations whose message must wait
        for item in items:
            destination = (item.member_id,) if item.member_id else (item.platform, item.chat_id)
            if destination in held:  # an earlier message to this chat is waiting: keep order
                await self._repo.retry_at(
                    item.id, item.claim, held[destination], "in order", failed=False
                )
                continue
            delivered = await self._deliver(item)
            if delivered is True:
                sent += 1
            elif isinstance(delivered, datetime):
                held[destination] = delivered
        return sent

    async def drain(self) -> int:
        """Deliver until nothing more is due right now (the console after each line)."""
        self._wake.clear()
        total = 0
        while sent := await self.deliver_due():
            total += sent
        return total

    async def _deliver(self, item: OutboxItem) -> bool | datetime | None:
        """Try one message: True when sent, the retry time when postponed, None when it
        failed for good."""
        now = self._clock.now()
        try:
            target = await self._target(item)
        except HandOver as exc:
            return await self._hand_over(item, now, exc)
        if target is None:
            await self._repo.mark_failed(item.id, item.claim, "no reachable chat")
            log.warning("outbox %s: member %s has no reachable chat", item.key, item.member_id)
            return None
        adapter, chat_id = target
        wait = self._limiter.wait(
            adapter.platform,
            chat_id,
            adapter.capabilities.limits,
            now,
            answering=item.kind == "reply",
        )
        if wait > timedelta(0):
            await self._repo.retry_at(item.id, item.claim, now + wait, "rate limit", failed=False)
            return now + wait
        async with self._flight(adapter, item):
            try:
                self._limiter.record(adapter.platform, chat_id, now)
                reply = await self._resolved(reply_from_json(item.reply))
                sent: SentMessage = await adapter.send(chat_id, reply, key=item.key)
            except asyncio.CancelledError:
                raise
            except HandOver as exc:
                return await self._hand_over(item, now, exc)
            except NotStarted as exc:
                await self._park(item, adapter, exc)
                return None
            except RetryLater as exc:
                delay = max(timedelta(seconds=exc.retry_after), backoff(item.attempts + 1))
                return await self._retry_or_fail(item, now + delay, f"retry later: {exc}")
            except PermanentDeliveryError as exc:
                await self._repo.mark_failed(item.id, item.claim, str(exc))
                log.warning("outbox %s: cannot be delivered: %s", item.key, exc)
                return None
            except Exception as exc:
                log.exception("outbox %s: delivery failed", item.key)
                return await self._retry_or_fail(item, now + backoff(item.attempts + 1), repr(exc))
            # Sent, not yet recorded: a crash now is the one way a message goes out twice. So
            # it stays in flight until recorded, and the record jumps the write queue.
            await self._records.record(
                Sent(item.id, item.claim, sent.message_id, adapter.platform, chat_id)
            )
        metrics.MESSAGES_OUT.labels(adapter.platform, item.kind).inc()
        if item.kind == "nudge":
            metrics.NUDGES_SENT.inc()
        return True

    async def _resolved(self, reply: Reply) -> Reply:
        """An edit of a message named by its outbox key (:func:`edit_by_key`) edits the
        platform message it became; it waits while that message is still to be sent."""
        if not (reply.edit_of and reply.edit_of.startswith(EDIT_BY_KEY)):
            return reply
        key = reply.edit_of.removeprefix(EDIT_BY_KEY)
        found = await self._storage.outbox.sent_message_id(key)
        if found is not None:
            return replace(reply, edit_of=found[2])
        if await self._storage.outbox.waiting(key):
            raise RetryLater(f"{key} is not sent yet: its edit waits", 2.0)
        raise PermanentDeliveryError(f"{key} was never sent: nothing to edit")

    async def _park(self, item: OutboxItem, adapter: Adapter, exc: NotStarted) -> None:
        """The member never opened their private chat with the bot: keep the message until
        they do (:meth:`release`), and, when it was decided in a group, show them there once
        the link that opens the chat."""
        if item.member_id is None:  # addressed to a chat, not a member: nobody to wait for
            await self._repo.mark_failed(item.id, item.claim, str(exc))
            log.warning("outbox %s: cannot be delivered: %s", item.key, exc)
            return
        first = await self._repo.park(item.id, item.claim, str(exc))
        log.info("outbox %s: member %s has not opened the chat yet; kept", item.key, item.member_id)
        link = adapter.start_link()
        if not (first and item.via_chat_id and link):
            return
        member = await self._storage.members.get(item.member_id)
        if member is None:
            return
        t = Translator(member.language)
        notice = Reply(
            t("delivery.open_private_chat", name=member.display_name.split(" ")[0]),
            (Button.link(t("delivery.open_private_chat_button"), link),),
            thread_id=item.via_thread_id,
        )
        await self.enqueue(
            f"start-link:{item.key}",
            notice,
            platform=adapter.platform,
            chat_id=item.via_chat_id,
            kind="reply",
        )

    async def release(self, storage: Storage, member_id: int) -> int:
        """The member opened their private chat with the bot: what was kept for them goes
        out (in the unit of work of the event that showed it; wake the loop after the
        commit). Returns how many."""
        return await storage.outbox.release_parked(member_id, now=self._clock.now(), keep=PARK_KEEP)

    def _flight(
        self, adapter: Adapter, item: OutboxItem
    ) -> contextlib.AbstractAsyncContextManager[object]:
        """Held from sending a message until its sending is recorded."""
        if adapter.capabilities.idempotent_sends:  # a resend is a no-op: send side by side
            return contextlib.nullcontext()
        if item.kind == "reply":
            return self._replies_in_flight.setdefault(
                adapter.platform, asyncio.Semaphore(REPLIES_IN_FLIGHT)
            )
        return self._in_flight.setdefault(adapter.platform, asyncio.Lock())

    async def _hand_over(self, item: OutboxItem, now: datetime, exc: HandOver) -> datetime:
        """Another process serves this platform: back in the queue, no attempt counted."""
        when = now + timedelta(seconds=exc.retry_after)
        await self._repo.retry_at(item.id, item.claim, when, f"handed over: {exc}", failed=False)
        return when

    async def _retry_or_fail(self, item: OutboxItem, when: datetime, error: str) -> datetime | None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            await self._repo.mark_failed(item.id, item.claim, error)
            log.error("outbox %s: giving up after %d attempts: %s", item.key, MAX_ATTEMPTS, error)
            return None
        await self._repo.retry_at(item.id, item.claim, when, error)
        return when

    async def _target(self, item: OutboxItem) -> tuple[Adapter, str] | None:
        if item.chat_id is not None and item.platform in self._adapters:
            return self._adapters[item.platform], item.chat_id
        if item.member_id is not None:
            return await self._direct_target(item.member_id, item.platform)
        return None

    def wake(self) -> None:
        self._wake.set()

    def woken(self) -> bool:
        """Whether work was queued since the last delivery pass (then forgets it)."""
        woken = self._wake.is_set()
        self._wake.clear()
        return woken

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver in the background until ``stop``: sleep until the next message is due or
        new work is enqueued, never longer than IDLE_POLL (another process may enqueue)."""
        while not stop.is_set():
            try:
                await self.drain()
                next_due = await self._repo.next_due(worker=self.worker_id, now=self._clock.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
                next_due = None
            timeout = IDLE_POLL
            if next_due is not None:
                timeout = min(IDLE_POLL, max((next_due - self._clock.now()).total_seconds(), 0.05))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


class _Records:
    """Sends recorded in batches: whoever writes takes along every send finished meanwhile,
    so many messages in flight cost one write, not one each."""

    def __init__(self, repo: OutboxRepository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock
        self._waiting: list[_Record] = []
        self._writing = asyncio.Lock()

    async def record(self, sent: Sent) -> None:
        """Return once ``sent`` is recorded (by this call's write or another's)."""
        mine = _Record(sent)
        self._waiting.append(mine)
        async with self._writing:
            if mine.done:
                return
            batch, self._waiting = self._waiting, []
            try:
                await self._repo.mark_sent_many([r.sent for r in batch], now=self._clock.now())
            except BaseException:
                # The others are still waiting for the lock: the next one tries theirs again.
                self._waiting[:0] = [r for r in batch if r is not mine]
                raise
            for record in batch:
                record.done = True


@dataclass
class _Record:
    sent: Sent
    done: bool = False

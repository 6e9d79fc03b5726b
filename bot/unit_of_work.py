"""One event's or one job's unit of work, as the bot sees it: storage bound to one transaction,
and the messages it decided to send, which leave only after the commit.

    async with unit_of_work(storage, outbox) as work:
        ...  # work.storage reads and writes; work.send(...) records messages
    # committed: work.deliver() sends the held replies, wakes the delivery loop for the rest,
    # then runs what was asked for with work.after_commit(...)

A crash before the commit leaves nothing behind (the event or job is handled again); after
it, every message is in the outbox and goes out exactly as decided.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from bot.core import Reply
from bot.outbox import Outbox, Outgoing
from storage import Storage
from storage.repositories.outbox import OutboxItem

log = logging.getLogger(__name__)


@dataclass
class UnitOfWork:
    storage: Storage  # bound: every write joins this unit of work
    outbox: Outbox
    root: Storage  # the same database unbound, for what is saved after the commit
    held: list[OutboxItem] = field(default_factory=list)
    queued: int = 0
    committed: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` once this unit of work committed and its replies went out (Django's
        ``transaction.on_commit``): for what must not happen if it rolls back, or must come
        after everything it wrote, such as wiping a forgotten member from SQLite's WAL."""
        self.committed.append(work)

    async def send(self, message: Outgoing, *, at_once: bool = True) -> bool:
        """Record one message. ``at_once``: this worker sends it right after the commit
        (replies, private answers); otherwise the delivery loop does. False if its key was
        used before (the same decision made twice sends once)."""
        reply = await self._with_refs(message.reply)
        item = await self.outbox.enqueue(
            message.key,
            reply,
            platform=message.platform,
            chat_id=message.chat_id,
            member_id=message.member_id,
            kind=message.kind,
            storage=self.storage,
            hold=at_once,
            via=message.via,
        )
        if item is None:
            return False
        if at_once:
            self.held.append(item)
        else:
            self.queued += 1
        return True

    async def send_many(self, messages: Sequence[Outgoing], *, at_once: bool = False) -> int:
        """Record a broadcast for the delivery loop; returns how many keys were new.
        ``at_once``: a few messages this worker sends right after the commit (:meth:`send`)."""
        if at_once:
            return sum([await self.send(message, at_once=True) for message in messages])
        prepared = [replace(m, reply=await self._with_refs(m.reply)) for m in messages]
        added = await self.outbox.enqueue_many(prepared, storage=self.storage)
        self.queued += added
        return added

    # ``enqueue_many`` under the outbox's own name, for code that takes "a queue".
    enqueue_many = send_many

    async def _with_refs(self, reply: Reply) -> Reply:
        """Register button payloads now, in this transaction, so sending needs no write."""
        if all(b.ref or b.url or b.opens for b in reply.buttons):
            return reply
        now = self.outbox.now()
        buttons = []
        for b in reply.buttons:
            if b.url or b.opens or b.ref:
                buttons.append(b)
                continue
            ref = await self.storage.buttons.short_id(b.payload, now=now)
            buttons.append(replace(b, ref=ref))
        return replace(reply, buttons=tuple(buttons))

    async def deliver(self) -> None:
        """After the commit: send the held messages, wake the loop for the queued ones, and
        save search vectors computed meanwhile (a cache, kept out of the transaction)."""
        if self.root.embeddings.has_pending:
            await self.root.embeddings.save_pending()
        if self.held:
            await self.outbox.deliver_held(self.held)
            self.held = []
        if self.queued:
            self.outbox.wake()
            self.queued = 0
        work, self.committed = self.committed, []
        for step in work:
            try:
                await step()
            except Exception:  # committed already: one failing step must not hide the rest
                log.exception("a step after the commit failed")


@asynccontextmanager
async def unit_of_work(storage: Storage, outbox: Outbox) -> AsyncIterator[UnitOfWork]:
    """Open a unit of work; it commits when the block ends without an exception. Delivery
    is the caller's next step (``await work.deliver()``), outside the transaction."""
    async with storage.unit_of_work() as bound:
        yield UnitOfWork(bound, outbox, storage)

"""The intake: what adapters hand over, stored before they confirm it to their platform, then
handled: each chat in order, chats side by side, a bounded number at a time.

Only events that need an answer are stored. In a group that is a command, a button, or a line
the router recognises; everything else (chatter) is dropped here without a single write, so a
busy group costs nothing. Every stored event is handled exactly once: the inbox row is the
claim, and handling commits it together with the handler's writes (``App.handle``).

A person who floods the bot (more than ``message_rate_limit`` a minute) is told once, kindly,
and the rest of the minute is dropped before it reaches the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import ButtonPress, ChatMembership, Event, IncomingMessage, Reply
from bot.event_codec import chat_key, event_key, from_json, to_json
from bot.i18n import Translator
from bot.limits import MessageLimiter, Verdict
from storage.repositories.inbox import InboxItem, NewEvent

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # an event's claim; a live worker's heartbeat keeps it anyway
CONCURRENCY = 8  # events handled at once (different chats); each chat one at a time
BACKLOG = 500  # accepted events not yet handled; beyond it, accepting waits (back-pressure)


@dataclass
class _ChatLane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class EventIntake:
    def __init__(self, app: App, *, concurrency: int = CONCURRENCY) -> None:
        self._app = app
        self._slots = asyncio.Semaphore(concurrency)
        self._lanes: dict[tuple[str, str], _ChatLane] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._limiter = MessageLimiter(app.services.settings.message_rate_limit)
        self._backlog = asyncio.Semaphore(BACKLOG)

    # -- the Intake protocol ----------------------------------------------------------------------
    async def dispatch(self, event: Event) -> None:
        await self.dispatch_many([event])

    async def dispatch_many(self, events: Sequence[Event]) -> None:
        stored = await self._store(events)
        await asyncio.gather(*(self._in_lane(item, event) for item, event in stored))
        if not self._app.background:  # the console: what the events queued goes out now
            await self._app.settle(only_if_queued=True)

    async def accept(self, events: Sequence[Event]) -> None:
        for item, event in await self._store(events):
            await self._backlog.acquire()  # a flood slows the platform down, not the memory
            self._spawn(self._in_lane(item, event))

    # -- storing ----------------------------------------------------------------------------------
    async def needs_answer(self, event: Event) -> bool:
        """Whether the bot would say or do anything, decided without writing (the open
        question of a conversation only matters in a direct chat, where everything is
        answered anyway). An unaddressed group line the router does not know is read for its
        meaning: only a clear request someone can meet is answered."""
        if isinstance(event, ButtonPress | ChatMembership) or event.chat.is_direct:
            return True
        assert isinstance(event, IncomingMessage)
        if len(event.text) > self._app.services.settings.max_message_length:
            return event.addressed or event.text.lstrip()[:1] in ("/", "!")
        router, reader = self._app.router, self._app.reader
        if reader.available and router.wants_reading(event):
            network = await self._app.network()
            understood = await reader.read(event, network_id=network.id)
            return router.resolve(event, understood=understood) is not None
        return router.resolve(event) is not None

    async def _store(self, events: Sequence[Event]) -> list[tuple[InboxItem, Event]]:
        wanted: list[Event] = []
        now = self._app.clock.now()
        for event in events:
            if not await self.needs_answer(event):
                continue
            verdict = self._limiter.check((event.platform, event.sender.platform_user_id), now)
            if verdict is Verdict.REFUSE_AND_TELL:
                await self._slow_down(event)
            if verdict is Verdict.ALLOW:
                wanted.append(event)
        if not wanted:
            return []
        new = [NewEvent(e.platform, event_key(e), chat_key(e), to_json(e)) for e in wanted]
        items = await self._app.storage.inbox.store(
            new, worker=self._app.worker_id, now=now, lease=LEASE
        )
        # A stored event is handled as stored (its key may have been made up just now).
        return [(item, from_json(item.payload)) for item in items if item is not None]

    async def _slow_down(self, event: Event) -> None:
        """One kind word to someone who floods the bot; the rest of the minute is quiet."""
        code = (event.sender.language_code or "")[:2]
        network = await self._app.network()
        t = Translator(code if code in ("nl", "en") else network.language)
        await self._app.outbox.enqueue(
            f"slow-down:{event.platform}:{event_key(event)}",
            Reply(t("limits.slow_down")),
            platform=event.platform,
            chat_id=event.chat.chat_id,
        )
        if not self._app.background:
            await self._app.settle()

    # -- handling ---------------------------------------------------------------------------------
    async def _in_lane(self, item: InboxItem, event: Event) -> None:
        """Handle in the chat's order: lanes are FIFO locks per chat, taken in the order the
        events were stored."""
        key = (item.platform, item.chat_key)
        lane = self._lanes.setdefault(key, _ChatLane())
        lane.users += 1
        try:
            async with lane.lock:  # held while its replies go out: the next one follows them
                await self._app.handle(item, event, slot=self._slots)
        finally:
            lane.users -= 1
            if lane.users == 0:
                self._lanes.pop(key, None)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._backlog.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("handling an event failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the events accepted so far (a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover(self) -> int:
        """Handle events a dead worker stored but never finished (after a crash, this
        process's own earlier run). Returns how many."""
        app = self._app
        total = 0
        while True:
            items = await app.storage.inbox.claim_left_over(
                app.worker_id, now=app.clock.now(), lease=LEASE
            )
            if not items:
                return total
            log.info("taking over %d unfinished event(s)", len(items))
            await asyncio.gather(*(self._in_lane(item, from_json(item.payload)) for item in items))
            total += len(items)

"""Wiring and lifecycle: one event's road from an adapter to a handler and back.

    adapter ─> intake (bot/intake.py): needs an answer? ─ no: dropped, nothing written
                                       └ yes: stored in the inbox (claimed by this worker)
      ─> App.handle: one unit of work ─ inbox row done + chat, member + handler's writes
                                        + its replies as outbox rows ─ one commit
      ─> after the commit: the replies are sent, the delivery loop wakes for the rest

A handler's exception rolls its unit of work back; the event is then closed in a second unit
of work with a kind apology, so one bad message is answered once and never retried forever.
Jobs take the same road (:meth:`App.run_job`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot import metrics
from bot.clock import Clock, SimulatedClock
from bot.context import Context, ServiceContext, Services, answer
from bot.core import Adapter, ButtonPress, ChatMembership, Event, IncomingMessage
from bot.errors import UserFacingError
from bot.i18n import Translator, language_of
from bot.intake import EventIntake
from bot.outbox import Outbox, Outgoing
from bot.platforms import Platforms
from bot.reading import Reader
from bot.router import Router
from bot.scheduler import JobHandler, Scheduler
from bot.unit_of_work import UnitOfWork, unit_of_work
from storage import Storage
from storage.records import Account, Conversation, Member, Network
from storage.repositories.inbox import InboxItem
from storage.repositories.jobs import Job
from storage.sql import is_transient

log = logging.getLogger(__name__)

HEARTBEAT = 2.0  # seconds between heartbeats (a worker is dead 8 s after its last one)
RECOVER_EVERY = 5.0  # seconds between looks for events and jobs left by a dead worker
ATTEMPTS = 3  # a unit of work that hit a transient database error runs again

#: Workers of this process that are alive; any other worker of this host and pid is a
#: previous incarnation (a restarted container gets the same pid) and is dead.
_LIVE_WORKERS: set[str] = set()


@dataclass
class _Trace:
    kind: str = "none"
    route: str = "none"
    member: str = "?"


class _Unread(enum.Enum):
    """A direct message's conversation not read with its member: read it separately."""

    UNREAD = "unread"


_UNREAD = _Unread.UNREAD


class _TakenOver(Exception):
    """Another worker took this event over (ours was taken for dead): do not commit."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class App:
    def __init__(
        self, services: Services, router: Router, adapters: Iterable[Adapter] = ()
    ) -> None:
        self.services = services
        self.router = router
        self.adapters: dict[str, Adapter] = {a.platform: a for a in adapters}
        self.platforms = Platforms(self.adapters, services.settings)
        self._network: Network | None = None
        self.host = socket.gethostname()
        self.worker_id = f"{self.host[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.outbox = Outbox(
            services.storage,
            services.clock,
            self.adapters,
            self.direct_target,
            worker_id=self.worker_id,
        )
        self.scheduler = Scheduler(
            services.storage, services.clock, self.run_job, worker_id=self.worker_id
        )
        self.reader = Reader(services.search)
        self.intake = EventIntake(self)
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._background = True
        self._registered = False

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def storage(self) -> Storage:
        return self.services.storage

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    # -- lifecycle ------------------------------------------------------------------------------
    async def network(self) -> Network:
        """The network this bot serves, created on first start."""
        if self._network is None:
            storage, settings = self.storage, self.services.settings
            self._network = await storage.networks.default() or await storage.networks.create(
                settings.network_name,
                language=settings.language,
                timezone=settings.timezone,
                now=self.clock.now(),
            )
        return self._network

    async def start(self, *, background: bool = True) -> None:
        """Register this worker, take over what dead workers left, start the adapters; with
        ``background`` also the delivery loop, the scheduler and the heartbeat (the console
        instead calls :meth:`settle` after each line, so its transcript stays in order)."""
        await self.network()
        await self._register()
        self._background = background
        if background:
            self._spawn(self.outbox.run(self._stop))
            self._spawn(self.scheduler.run(self._stop))
            self._spawn(self._beat())
        for adapter in self.adapters.values():
            await adapter.start(self.intake)
        await self.intake.recover()

    async def _register(self) -> None:
        """Become a worker; workers of earlier runs on this host that no longer run are
        forgotten at once, which frees their claims without waiting for the heartbeat."""
        workers = self.storage.workers
        pid = os.getpid()
        dead = [
            worker_id
            for worker_id, worker_pid in await workers.on_host(self.host)
            if (worker_pid == pid and worker_id not in _LIVE_WORKERS)
            or (worker_pid != pid and not _pid_alive(worker_pid))
        ]
        await workers.forget(dead)
        await workers.register(self.worker_id, host=self.host, pid=pid, now=self.clock.now())
        _LIVE_WORKERS.add(self.worker_id)
        self._registered = True

    async def _beat(self) -> None:
        """Heartbeat, and now and then a look for work a dead worker left behind."""
        last_recovery = time.monotonic()
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), HEARTBEAT)
                return
            except TimeoutError:
                pass
            try:
                if not await self.storage.workers.beat(self.worker_id, now=self.clock.now()):
                    log.warning("worker %s was taken for dead; registering again", self.worker_id)
                    await self.storage.workers.register(
                        self.worker_id, host=self.host, pid=os.getpid(), now=self.clock.now()
                    )
                if time.monotonic() - last_recovery >= RECOVER_EVERY:
                    last_recovery = time.monotonic()
                    await self.intake.recover()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeat failed; trying again")

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def background(self) -> bool:
        return self._background

    async def settle(self, *, only_if_queued: bool = False) -> None:
        """Deliver everything that is due now; ``only_if_queued``: only when something was
        queued since the last delivery pass (a reply alone was sent already)."""
        if only_if_queued and not self.outbox.woken():
            return
        await self.outbox.drain()

    async def service_context(self, work: UnitOfWork) -> ServiceContext:
        return ServiceContext(
            services=self.services,
            work=work,
            network=await self.network(),
            platforms=self.platforms,
        )

    @asynccontextmanager
    async def work(self) -> AsyncIterator[ServiceContext]:
        """One unit of work outside any event (an operator command, a web request, a test):
        the context the actions take. It commits when the block ends, then what it decided to
        send is delivered (or queued for the running bot)."""
        async with unit_of_work(self.storage, self.outbox) as work:
            yield await self.service_context(work)
        await work.deliver()

    async def run_due(self) -> None:
        """Let scheduled work catch up with the clock, and deliver what it produced."""
        await self.scheduler.run_due()
        await self.settle()

    async def advance(self, clock: SimulatedClock, delta: timedelta) -> None:
        """Play simulated time forward: every job runs at its own moment, messages go out."""
        await self.scheduler.advance_to(clock, clock.now() + delta, after_each=self.settle)

    async def stop(self) -> None:
        """Stop receiving first, let events in progress finish, then the loops; a clean stop
        hands this worker's claims to others at once."""
        for adapter in self.adapters.values():
            await adapter.stop()
        await self.intake.drain()
        self._stop.set()
        self.outbox.wake()
        self.scheduler.wake()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._registered:
            self._registered = False
            _LIVE_WORKERS.discard(self.worker_id)
            try:
                await self.storage.workers.retire(self.worker_id)
            except Exception:  # the database is going away: the heartbeat simply stops
                log.warning("could not retire worker %s", self.worker_id, exc_info=True)

    # -- units of work --------------------------------------------------------------------------
    async def run_job(self, job: Job, handler: JobHandler) -> None:
        """One job, one unit of work: what it decides, what it sends and its next due time
        commit together. A failure rolls back and the job runs again later."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with unit_of_work(self.storage, self.outbox) as work:
                    ctx = await self.service_context(work)
                    next_due = await handler(ctx, job.ref_id)
                    await work.storage.jobs.finish(job, next_due)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc) and attempt < ATTEMPTS:
                    log.info("job %s hit a busy database; trying again", job.key)
                    continue
                retry = self.clock.now() + self.scheduler.retry_after_failure
                log.exception("job %s failed; trying again at %s", job.key, retry)
                await self.storage.jobs.finish(job, retry)
                return
            await work.deliver()
            return

    async def handle(
        self,
        item: InboxItem,
        event: Event,
        *,
        slot: AbstractAsyncContextManager[object] | None = None,
    ) -> None:
        """Answer one stored event in one unit of work, then send its replies. ``slot`` is
        held over the unit of work only (the intake's bound on events handled at once), not
        while the replies are sent."""
        kind = (
            "button"
            if isinstance(event, ButtonPress)
            else "membership"
            if isinstance(event, ChatMembership)
            else "message"
        )
        metrics.MESSAGES_IN.labels(event.platform, kind).inc()
        started = time.perf_counter()
        trace = _Trace()
        try:
            async with slot or contextlib.nullcontext():
                work = await self._committed(item, event, trace)
            if work is not None:
                await work.deliver()
        finally:
            metrics.HANDLER_SECONDS.labels(trace.kind).observe(time.perf_counter() - started)

    async def _committed(self, item: InboxItem, event: Event, trace: _Trace) -> UnitOfWork | None:
        """The event's unit of work, committed (its replies still to deliver); None when
        another worker took the event over, or when it failed and was apologised for."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with unit_of_work(self.storage, self.outbox) as work:
                    if not await work.storage.inbox.finish(item, now=self.clock.now()):
                        raise _TakenOver
                    await self._answer(item, event, work, trace)
            except _TakenOver:
                log.info("event %s/%s was taken over by another worker", *_ids(item))
                return None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc) and attempt < ATTEMPTS:
                    log.info("event %s/%s hit a busy database; again", *_ids(item))
                    continue
                metrics.HANDLER_ERRORS.labels(trace.kind).inc()
                log.exception(
                    "handler %s failed on %s event in chat %s from member %s: %r",
                    trace.route,
                    event.platform,
                    event.chat.chat_id,
                    trace.member,
                    _describe(event),
                )
                await self._apologise(item, event)
                return None
            return work
        return None

    async def _answer(self, item: InboxItem, event: Event, work: UnitOfWork, trace: _Trace) -> None:
        """Route (before anything is looked up for a group message), identify, handle; the
        trace tells the log and the metrics how far it got."""
        network = await self.network()
        settings = self.services.settings
        storage = work.storage
        too_long = (
            isinstance(event, IncomingMessage) and len(event.text) > settings.max_message_length
        )
        route = None
        if isinstance(event, IncomingMessage) and not event.chat.is_direct and not too_long:
            understood = None
            if self.router.wants_reading(event):
                understood = await self.reader.read(event, network_id=network.id, storage=storage)
            route = self.router.resolve(event, understood=understood)
            if route is None:
                return
        chat = await storage.chats.ensure(
            network.id,
            event.platform,
            event.chat.chat_id,
            kind=event.chat.kind.value,
            title=event.chat.title,
        )
        member, parked, conversation = await self._identify(network, event, storage)
        trace.member = member.handle
        if event.chat.is_direct and parked and await self.outbox.release(storage, member.id):
            work.queued += 1  # their private chat is open: what waited for it goes out
        reply_key = f"reply:{item.platform}:{item.event_key}"
        if too_long:
            assert isinstance(event, IncomingMessage)
            if event.addressed or event.text.lstrip()[:1] in ("/", "!"):
                t = Translator(member.language)
                text = t("limits.too_long", max=settings.max_message_length)
                await work.send(
                    Outgoing(
                        f"{reply_key}:0",
                        answer(event, text),
                        event.platform,
                        event.chat.chat_id,
                        kind="reply",
                    )
                )
            trace.kind = trace.route = "too_long"
            return
        if conversation is _UNREAD:
            conversation = await storage.conversations.get(member.id)
        set_aside = None
        if not self.router.still_open(conversation, self.clock.now(), event):
            if conversation is not None and self.router.still_open(conversation, self.clock.now()):
                if self.router.waits(conversation):
                    set_aside = conversation  # plainly something new: the question waits on
                else:
                    await storage.conversations.clear(member.id)
            conversation = None  # asked too long ago, or plainly something new: read on its own
        if route is None:
            flow = conversation.flow if conversation else None
            understood = None
            if self.router.wants_reading(event, open_flow=flow):
                assert isinstance(event, IncomingMessage)
                understood = await self.reader.read(
                    event, network_id=network.id, asker=member, storage=storage
                )
            route = self.router.resolve(event, open_flow=flow, understood=understood)
        if route is None:
            if isinstance(event, ButtonPress):
                text = Translator(member.language)("buttons.expired")
                await work.send(
                    Outgoing(
                        f"{reply_key}:0",
                        answer(event, text),
                        event.platform,
                        event.chat.chat_id,
                        kind="reply",
                    )
                )
            return
        trace.kind = route.kind
        trace.route = route.kind + (f" {route.name}" if route.name else "")
        ctx = Context(
            services=self.services,
            work=work,
            event=event,
            route=route,
            network=network,
            platforms=self.platforms,
            chat=chat,
            member=member,
            conversation=conversation,
            reply_key=reply_key,
            set_aside=set_aside,
        )
        try:
            await route.handler(event, ctx)
        except UserFacingError as exc:
            await ctx.reply(ctx.t(exc.key, **exc.params))

    async def _apologise(self, item: InboxItem, event: Event) -> None:
        """Close the event that failed with a kind word, in a unit of work of its own."""
        try:
            async with unit_of_work(self.storage, self.outbox) as work:
                if not await work.storage.inbox.finish(item, now=self.clock.now()):
                    return
                found = await work.storage.members.by_account(
                    event.platform, event.sender.platform_user_id
                )
                language = found[0].language if found else (await self.network()).language
                text = Translator(language)("errors.unexpected")
                await work.send(
                    Outgoing(
                        f"reply:{item.platform}:{item.event_key}:apology",
                        answer(event, text),
                        event.platform,
                        event.chat.chat_id,
                    )
                )
            await work.deliver()
        except Exception:  # the database itself is failing; the log already has the cause
            log.exception("could not close event %s/%s after its failure", *_ids(item))

    async def _identify(
        self, network: Network, event: Event, storage: Storage
    ) -> tuple[Member, bool, Conversation | _Unread | None]:
        """Platform identity -> account -> member; an imported member's pending account
        (``@username``) is claimed; strangers become new members. Also, in a direct chat,
        whether messages may be parked for the member and their open conversation (for a
        known member both come with the look-up; otherwise the conversation is _UNREAD)."""
        members = storage.members
        sender = event.sender
        direct_chat = event.chat.chat_id if event.chat.is_direct else None
        found: tuple[Member, Account, bool, Conversation | _Unread | None] | None = None
        if direct_chat:
            writer = await members.for_direct_message(event.platform, sender.platform_user_id)
            if writer is not None:
                found = (writer.member, writer.account, writer.parked, writer.conversation)
        elif seen := await members.by_account(event.platform, sender.platform_user_id):
            found = (*seen, False, None)
        if found is not None:
            member, account, parked, conversation = found
            changed = (account.username, account.display_name) != (
                sender.username,
                sender.display_name,
            )
            if changed or (direct_chat and account.direct_chat_id != direct_chat):
                await members.update_account(
                    account.id,
                    username=sender.username,
                    display_name=sender.display_name,
                    **({"direct_chat_id": direct_chat} if direct_chat else {}),
                )
            return member, parked, conversation
        if sender.username:
            pending = await members.claim_pending_account(
                event.platform,
                sender.username,
                sender.platform_user_id,
                display_name=sender.display_name,
                direct_chat_id=direct_chat,
            )
            if pending is not None:
                return pending, True, _UNREAD if direct_chat else None
        known: Member | None = None
        if event.platform == "console":  # in the console the speaker's name is the handle
            known = await members.by_handle(network.id, sender.platform_user_id)
        parked = member_found = known is not None  # a new member has nothing waiting for them
        if known is None:
            # A stranger's language: the one their first line is plainly in, else the
            # network's (not their app's: many Dutch phones are set to English).
            said = event.text if isinstance(event, IncomingMessage) else ""
            known = await members.create(
                network.id,
                handle=sender.username or sender.display_name or sender.platform_user_id,
                display_name=sender.display_name or sender.username or sender.platform_user_id,
                language=language_of(said, network.language),
                timezone=network.timezone,
                now=self.clock.now(),
            )
        member = known
        await members.link_account(
            member.id,
            event.platform,
            sender.platform_user_id,
            username=sender.username,
            display_name=sender.display_name,
            direct_chat_id=direct_chat,
        )
        return member, parked, _UNREAD if direct_chat and member_found else None

    # -- delivery -------------------------------------------------------------------------------
    async def direct_target(
        self, member_id: int, prefer_platform: str | None
    ) -> tuple[Adapter, str] | None:
        """The adapter and chat in which to reach a member privately."""
        members = self.storage.members
        accounts = [a for a in await members.accounts(member_id) if not a.pending]
        accounts.sort(key=lambda a: (a.platform != prefer_platform, a.id))
        for account in accounts:
            adapter = self.adapters.get(account.platform)
            if adapter is None:
                continue
            chat_id = account.direct_chat_id or await adapter.direct_chat_id(
                account.platform_user_id
            )
            if account.direct_chat_id != chat_id:
                await members.update_account(account.id, direct_chat_id=chat_id)
            return adapter, chat_id
        for adapter in self.adapters.values():
            if adapter.capabilities.user_ids_are_handles:
                member = await members.get(member_id)
                if member is not None:
                    return adapter, await adapter.direct_chat_id(member.handle)
        return None


def _ids(item: InboxItem) -> tuple[str, str]:
    return item.platform, item.event_key


def _describe(event: Event) -> str:
    if isinstance(event, IncomingMessage):
        return event.text[:200]
    if isinstance(event, ButtonPress):
        return f"button {event.payload}"
    if isinstance(event, ChatMembership):
        return f"bot {event.change.value}"
    return type(event).__name__

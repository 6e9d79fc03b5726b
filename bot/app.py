"""Wiring and lifecycle: one event's road from an adapter to a handler and back.

dedupe -> network, chat and member -> router -> handler(ctx) -> replies through the adapter.
A handler's exception is logged with its context and answered kindly; the bot goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Iterable
from datetime import timedelta

from bot import metrics
from bot.clock import Clock, SimulatedClock
from bot.context import Context, ServiceContext, Services
from bot.core import Adapter, ButtonPress, Event, IncomingMessage, Reply
from bot.errors import RetryLater, UserFacingError
from bot.i18n import Translator
from bot.limits import CommandLimiter, Verdict
from bot.outbox import Outbox
from bot.router import Router
from bot.scheduler import Scheduler
from storage.records import Account, Member, Network

log = logging.getLogger(__name__)


class App:
    def __init__(
        self, services: Services, router: Router, adapters: Iterable[Adapter] = ()
    ) -> None:
        self.services = services
        self.router = router
        self.adapters: dict[str, Adapter] = {a.platform: a for a in adapters}
        self._network: Network | None = None
        self.outbox = Outbox(services.storage, services.clock, self.adapters, self.direct_target)
        self.scheduler = Scheduler(services.storage, services.clock, self.service_context)
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._background = True
        self._command_limiter = CommandLimiter(services.settings.command_rate_limit)

    @property
    def clock(self) -> Clock:
        return self.services.clock

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    # -- lifecycle ------------------------------------------------------------------------------
    async def network(self) -> Network:
        """The network this bot serves, created on first start."""
        if self._network is None:
            storage, settings = self.services.storage, self.services.settings
            self._network = await storage.networks.default() or await storage.networks.create(
                settings.network_name,
                language=settings.language,
                timezone=settings.timezone,
                now=self.clock.now(),
            )
        return self._network

    async def start(self, *, background: bool = True) -> None:
        """Start the adapters; with ``background`` also the delivery loop (the console instead
        calls :meth:`settle` after each line, so its transcript stays in order)."""
        await self.network()
        for adapter in self.adapters.values():
            await adapter.start(self.dispatch)
        self._background = background
        if background:
            self._spawn(self.outbox.run(self._stop))
            self._spawn(self.scheduler.run(self._stop))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Deliver everything that is due now."""
        await self.outbox.drain()

    async def service_context(self) -> ServiceContext:
        return ServiceContext(services=self.services, messenger=self, network=await self.network())

    async def run_due(self) -> None:
        """Let scheduled work catch up with the clock, and deliver what it produced."""
        await self.scheduler.run_due()
        await self.settle()

    async def advance(self, clock: SimulatedClock, delta: timedelta) -> None:
        """Play simulated time forward: every job runs at its own moment, messages go out."""
        await self.scheduler.advance_to(clock, clock.now() + delta, after_each=self.settle)

    async def stop(self) -> None:
        self._stop.set()
        self.outbox.wake()
        self.scheduler.wake()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for adapter in self.adapters.values():
            await adapter.stop()

    # -- one event ------------------------------------------------------------------------------
    async def dispatch(self, event: Event) -> None:
        await self._handle(event)
        if not self._background:
            await self.settle()

    async def _handle(self, event: Event) -> None:
        storage = self.services.storage
        if event.event_id and not await storage.events.claim(
            event.platform, event.event_id, now=self.clock.now()
        ):
            log.debug("event %s/%s already handled", event.platform, event.event_id)
            return
        kind = "button" if isinstance(event, ButtonPress) else "message"
        metrics.MESSAGES_IN.labels(event.platform, kind).inc()
        network = await self.network()
        chat = await storage.chats.ensure(
            network.id,
            event.platform,
            event.chat.chat_id,
            kind=event.chat.kind.value,
            title=event.chat.title,
        )
        member, _account = await self._identify(network, event)
        settings = self.services.settings
        if isinstance(event, IncomingMessage) and len(event.text) > settings.max_message_length:
            # Not read at all (nor matched against phrases); answered only when spoken to.
            if event.addressed or event.text.lstrip()[:1] in ("/", "!"):
                t = Translator(member.language)
                too_long = t("limits.too_long", max=settings.max_message_length)
                await self.send_reply(event.platform, event.chat.chat_id, Reply(too_long))
            return
        conversation = await storage.conversations.get(member.id)
        route = self.router.resolve(event, open_flow=conversation.flow if conversation else None)
        if route is None:
            return
        if route.kind == "command":
            verdict = self._command_limiter.check(member.id, self.clock.now())
            if verdict is Verdict.REFUSE_AND_TELL:
                slow_down = Translator(member.language)("limits.slow_down")
                await self.send_reply(event.platform, event.chat.chat_id, Reply(slow_down))
            if verdict is not Verdict.ALLOW:
                return
        ctx = Context(
            services=self.services,
            messenger=self,
            event=event,
            route=route,
            network=network,
            chat=chat,
            member=member,
            conversation=conversation,
        )
        started = time.perf_counter()
        try:
            await route.handler(event, ctx)
        except asyncio.CancelledError:
            raise
        except UserFacingError as exc:
            await ctx.reply(ctx.t(exc.key, **exc.params))
        except Exception:
            metrics.HANDLER_ERRORS.labels(route.kind).inc()
            log.exception(
                "handler %s failed on %s event in chat %s from member %s: %r",
                route.kind + (f" {route.name}" if route.name else ""),
                event.platform,
                event.chat.chat_id,
                member.handle,
                _describe(event),
            )
            await self._apologise(event, Translator(member.language))
        finally:
            metrics.HANDLER_SECONDS.labels(route.kind).observe(time.perf_counter() - started)

    async def _apologise(self, event: Event, t: Translator) -> None:
        try:
            await self.send_reply(event.platform, event.chat.chat_id, Reply(t("errors.unexpected")))
        except Exception:  # the platform itself is failing; the log already has the cause
            log.exception("could not send the apology to %s", event.chat.chat_id)

    async def _identify(self, network: Network, event: Event) -> tuple[Member, Account]:
        """Platform identity -> account -> member; strangers become new members."""
        members = self.services.storage.members
        sender = event.sender
        found = await members.by_account(event.platform, sender.platform_user_id)
        if found is not None:
            member, account = found
            if (account.username, account.display_name) != (sender.username, sender.display_name):
                await members.update_account(
                    account.id, username=sender.username, display_name=sender.display_name
                )
            return member, account
        member = None
        if event.platform == "console":  # in the console the speaker's name is the handle
            member = await members.by_handle(network.id, sender.platform_user_id)
        if member is None:
            member = await members.create(
                network.id,
                handle=sender.username or sender.display_name or sender.platform_user_id,
                display_name=sender.display_name or sender.username or sender.platform_user_id,
                language=network.language,
                timezone=network.timezone,
                now=self.clock.now(),
            )
        account = await members.link_account(
            member.id,
            event.platform,
            sender.platform_user_id,
            username=sender.username,
            display_name=sender.display_name,
        )
        if event.chat.is_direct:
            await members.update_account(account.id, direct_chat_id=event.chat.chat_id)
        return member, account

    # -- Messenger ------------------------------------------------------------------------------
    async def send_reply(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Answer in a chat now; if the platform asks to wait, the outbox takes it over."""
        try:
            await self.adapters[platform].send(chat_id, reply)
            metrics.MESSAGES_OUT.labels(platform, "reply").inc()
        except RetryLater as exc:
            log.info("reply to %s delayed %.1fs by the platform", chat_id, exc.retry_after)
            await self.outbox.enqueue(
                f"reply:{uuid.uuid4().hex}",
                reply,
                platform=platform,
                chat_id=chat_id,
                not_before=self.clock.now() + timedelta(seconds=exc.retry_after),
            )

    async def send_to_member(
        self,
        member: Member,
        reply: Reply,
        *,
        prefer_platform: str | None = None,
        key: str | None = None,
    ) -> None:
        """Message a member privately through the outbox; ``key`` makes it happen only once."""
        await self.outbox.enqueue(
            key or f"dm:{uuid.uuid4().hex}", reply, member_id=member.id, platform=prefer_platform
        )

    async def direct_target(
        self, member_id: int, prefer_platform: str | None
    ) -> tuple[Adapter, str] | None:
        """The adapter and chat in which to reach a member privately."""
        members = self.services.storage.members
        accounts = await members.accounts(member_id)
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


def _describe(event: Event) -> str:
    if isinstance(event, IncomingMessage):
        return event.text[:200]
    if isinstance(event, ButtonPress):
        return f"button {event.payload}"
    return type(event).__name__

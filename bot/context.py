"""The per-event context: everything a handler may use, handed to it explicitly.

Handlers never reach for globals or platform objects: they reply, ask a follow-up question,
message another member, or use the services (storage, search, clock) through this object.
Everything they write and send belongs to the event's unit of work: it commits together, and
messages leave only after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.config import Settings
from bot.core import Attachment, Button, ButtonPress, Event, IncomingMessage, Reply
from bot.i18n import Translator
from bot.outbox import Outgoing
from bot.platforms import Platforms
from bot.router import Route
from bot.unit_of_work import UnitOfWork
from storage import Storage
from storage.records import Chat, Conversation, Member, Network

if TYPE_CHECKING:
    from kennis.search import Search


def answer(
    event: Event,
    text: str,
    buttons: Sequence[Button] = (),
    attachment: Attachment | None = None,
) -> Reply:
    """A reply to ``event`` in its chat, placed the way people expect there: in the thread
    or topic it came from; in a group also as an answer to the asker's message (or to the
    bot's message whose button was pressed), meant for the asker, so a busy group sees whom
    the bot answers."""
    thread_id = reply_to = None
    if isinstance(event, IncomingMessage):
        thread_id, reply_to = event.thread_id, event.message_id
    elif isinstance(event, ButtonPress):
        thread_id, reply_to = event.thread_id, event.message_id
    if event.chat.is_direct or reply_to is None:
        return Reply(text, tuple(buttons), attachment, thread_id=thread_id)
    return Reply(
        text,
        tuple(buttons),
        attachment,
        reply_to=reply_to,
        thread_id=thread_id,
        mentions=(event.sender.platform_user_id,),
    )


@dataclass(frozen=True)
class Services:
    """Long-lived dependencies, built once at start-up and shared by every context."""

    settings: Settings
    storage: Storage
    clock: Clock
    search: Search | None = None


class ServiceContext:
    """What work outside a conversation may use (scheduled nudges, digests): the services,
    the network and the unit of work it runs in, but no event to reply to. It is what the
    actions need (:class:`actions.context.ActionContext`)."""

    def __init__(
        self, *, services: Services, work: UnitOfWork, network: Network, platforms: Platforms
    ) -> None:
        self.services = services
        self.network = network
        self.work = work
        self.platforms = platforms

    @property
    def storage(self) -> Storage:
        """Storage bound to this unit of work: everything written commits together."""
        return self.work.storage

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def search(self) -> Search | None:
        return self.services.search

    def now(self) -> datetime:
        return self.services.clock.now()

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` after the commit (and after the replies went out)."""
        self.work.after_commit(work)

    @property
    def outbox(self) -> UnitOfWork:
        """Where broadcasts are queued (they leave after the commit)."""
        return self.work

    async def send_many(self, messages: Sequence[Outgoing], *, at_once: bool = False) -> int:
        """Queue messages through the outbox, each once (keys make it repeatable)."""
        return await self.work.send_many(messages, at_once=at_once)


class Context(ServiceContext):
    """Everything a handler may use while answering one event."""

    def __init__(
        self,
        *,
        services: Services,
        work: UnitOfWork,
        event: Event,
        route: Route,
        network: Network,
        platforms: Platforms,
        chat: Chat,
        member: Member,
        conversation: Conversation | None,
        reply_key: str,
        set_aside: Conversation | None = None,
    ) -> None:
        super().__init__(services=services, work=work, network=network, platforms=platforms)
        self.event = event
        self.route = route
        self.chat = chat
        self.member = member
        self.conversation = conversation
        #: The open question this message is plainly not an answer to (bot.router.Router.flow,
        #: ``lets_go``): it stays open for the message after.
        self.set_aside = set_aside
        self.t = Translator(member.language)
        self._reply_key = reply_key
        self._replies = 0

    @property
    def args(self) -> str:
        """The command's arguments, the button payload's rest, or the answer's text."""
        return self.route.args

    @property
    def in_direct_chat(self) -> bool:
        return self.event.chat.is_direct

    @property
    def text(self) -> str:
        return self.event.text if isinstance(self.event, IncomingMessage) else ""

    @property
    def pressed(self) -> ButtonPress | None:
        return self.event if isinstance(self.event, ButtonPress) else None

    def _next_key(self) -> str:
        """Replies are keyed by the event, so handling it again could never send them twice."""
        self._replies += 1
        return f"{self._reply_key}:{self._replies}"

    # -- speaking ---------------------------------------------------------------------------
    async def reply(
        self,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        attachment: Attachment | None = None,
    ) -> None:
        """Answer in the chat the event came from (sent right after the commit); in a group
        as an answer to the asker's message, in the thread it came from (:func:`answer`)."""
        reply = answer(self.event, text, buttons, attachment)
        await self.work.send(
            Outgoing(
                self._next_key(), reply, self.event.platform, self.event.chat.chat_id, kind="reply"
            )
        )

    async def reply_direct(self, text: str, *, buttons: Sequence[Button] = ()) -> None:
        """Answer the sender privately, wherever the event came from."""
        if self.in_direct_chat:
            await self.reply(text, buttons=buttons)
        else:
            await self.send_to_member(self.member, Reply(text, tuple(buttons)))

    async def send_to_member(self, member: Member, reply: Reply, *, key: str | None = None) -> None:
        """Message a member privately (``key`` makes it happen once, whoever decides it).
        Decided in a group, the group is remembered: should the platform refuse the message
        (the member never opened a private chat with the bot), they are shown the way there."""
        chat = self.event.chat
        via = None
        if not chat.is_direct and member.id == self.member.id:
            thread = getattr(self.event, "thread_id", None)
            via = (chat.chat_id, thread)
        await self.work.send(
            Outgoing(
                key or self._next_key(),
                reply,
                platform=self.event.platform,
                member_id=member.id,
                via=via,
            )
        )

    # -- follow-up questions ------------------------------------------------------------------
    async def expect(self, flow: str, step: str, **data: Any) -> None:
        """Remember that the next plain answer in the direct chat belongs to ``flow``/``step``."""
        merged = {**(self.conversation.data if self.conversation else {}), **data}
        await self.storage.conversations.set(self.member.id, flow, step, merged, now=self.now())
        self.conversation = Conversation(self.member.id, flow, step, merged)

    async def finish(self) -> None:
        await self.storage.conversations.clear(self.member.id)
        self.conversation = self.set_aside = None

    async def refresh_member(self) -> Member:
        member = await self.storage.members.get(self.member.id)
        assert member is not None
        self.member = member
        self.t = Translator(member.language)
        return member

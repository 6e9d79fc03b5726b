"""Platform-neutral events, replies and the adapter protocol.

Adapters translate Telegram updates, Matrix events or console lines into these frozen types and
back; handlers only ever see these, so one handler serves every platform.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from bot.ratelimit import RateLimits


class ChatKind(enum.StrEnum):
    GROUP = "group"
    DIRECT = "direct"


@dataclass(frozen=True)
class Sender:
    """Who wrote: the platform identity, before it is linked to a member."""

    platform_user_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class ChatRef:
    """Where it was written, as the platform names it."""

    platform: str
    chat_id: str
    kind: ChatKind
    title: str | None = None

    @property
    def is_direct(self) -> bool:
        return self.kind is ChatKind.DIRECT


@dataclass(frozen=True)
class IncomingMessage:
    """A text message from a person.

    ``addressed`` is the adapter's verdict on whether the bot was spoken to (a direct chat, a
    mention, a reply to the bot): in groups the router stays quiet unless addressed or the
    phrase is unmistakable.
    """

    chat: ChatRef
    sender: Sender
    text: str
    event_id: str | None = None
    mentions_bot: bool = False
    reply_to_bot: bool = False
    mentions: tuple[str, ...] = ()
    reply_to: str | None = None  # the platform's id of the message this one answers
    received_at: datetime | None = None
    # The platform's id of this message, so an answer can refer to it (Telegram's message_id
    # in its chat; Matrix: the event id), and the thread or forum topic it was written in.
    message_id: str | None = None
    thread_id: str | None = None

    @property
    def platform(self) -> str:
        return self.chat.platform

    @property
    def addressed(self) -> bool:
        return self.chat.is_direct or self.mentions_bot or self.reply_to_bot


@dataclass(frozen=True)
class ButtonPress:
    """A person chose one of the bot's buttons (or typed its number, or reacted with its emoji)."""

    chat: ChatRef
    sender: Sender
    payload: str
    event_id: str | None = None
    message_id: str | None = None  # the bot's message the button was under
    thread_id: str | None = None  # the thread or forum topic of that message

    @property
    def platform(self) -> str:
        return self.chat.platform


class MembershipChange(enum.StrEnum):
    ADDED = "added"  # the bot was added to a group chat (or joined one it was invited to)
    REMOVED = "removed"  # the bot was removed from a group chat, or left it
    MIGRATED = "migrated"  # the chat goes on under a new id (Telegram: group -> supergroup)


@dataclass(frozen=True)
class ChatMembership:
    """The bot's own place in a group chat changed; ``sender`` is who changed it.

    ``sees_everything`` (ADDED): the bot receives every message there, not only commands,
    mentions and replies to it (Telegram's privacy mode off, or an admin bot; Matrix rooms).
    ``new_chat_id`` (MIGRATED): the chat's id from now on.
    """

    chat: ChatRef
    sender: Sender
    change: MembershipChange
    event_id: str | None = None
    new_chat_id: str | None = None
    sees_everything: bool = False

    @property
    def platform(self) -> str:
        return self.chat.platform


Event = IncomingMessage | ButtonPress | ChatMembership


@dataclass(frozen=True)
class Button:
    """A choice offered under a message; ``payload`` goes back to the router when chosen."""

    label: str
    payload: str
    emoji: str | None = None  # offered as a reaction where a platform has no buttons
    # The payload's short server-side id, registered in the unit of work that wrote the
    # message (platforms with small button data send this instead of the payload).
    ref: str | None = None
    # Opens this https address as a Telegram Mini App instead of answering (the dashboard);
    # only offered where the platform has such buttons.
    url: str | None = None
    # A link button: opens this address instead of answering the bot (payload empty).
    opens: str | None = None

    @classmethod
    def link(cls, label: str, url: str) -> Button:
        return cls(label, "", opens=url)


class AttachmentKind(enum.StrEnum):
    IMAGE = "image"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Attachment:
    path: Path
    kind: AttachmentKind = AttachmentKind.DOCUMENT
    filename: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the bot says. Text is plain: adapters escape it for their markup.

    Where it goes within the chat is the platform's business, told in neutral terms:
    ``reply_to`` answers one message (the platform's message id: Telegram quotes it, Matrix
    sends a rich reply), ``thread_id`` posts in a thread or forum topic, ``mentions`` are the
    platform user ids the message is meant for (Matrix ``m.mentions``). The context fills
    these for an answer in a group; handlers never need to.

    ``edit_of`` changes a message the bot sent before (its platform message id) instead of
    sending a new one: its text and buttons become these (no buttons: they are removed). An
    empty ``text`` keeps the text and changes only the buttons. ``edit_of="outbox:<key>"``
    names the message by its outbox key instead (the outbox resolves it when sending).
    """

    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    edit_of: str | None = None
    reply_to: str | None = None
    thread_id: str | None = None
    mentions: tuple[str, ...] = ()

    @property
    def keeps_text(self) -> bool:
        """An edit of the buttons only."""
        return self.edit_of is not None and not self.text


@dataclass(frozen=True)
class SentMessage:
    """What a platform gave back for a sent message, so a later press can refer to it."""

    chat_id: str
    message_id: str


@dataclass(frozen=True)
class Capabilities:
    """What the outbox and the app need to know about a platform (buttons, images and edits
    are each adapter's own business: it renders them as well as the platform allows)."""

    limits: RateLimits = field(default_factory=RateLimits)
    # The platform's user ids are member handles (the console), so every member is reachable
    # there even without a linked account.
    user_ids_are_handles: bool = False
    # Sending a message again with the same idempotency key is a no-op (Matrix transaction
    # ids): such messages may be sent side by side; others go one at a time, so a crash can
    # catch at most one sent but not yet recorded.
    idempotent_sends: bool = False


class Intake(Protocol):
    """Where an adapter hands what it received. Every method returns only once the events are
    stored (or known to need no answer), so an adapter may then tell its platform they
    arrived: nothing confirmed is ever lost."""

    async def dispatch(self, event: Event) -> None:
        """Store, handle and deliver the event's own replies, then return."""

    async def dispatch_many(self, events: Sequence[Event]) -> None:
        """Store a batch in one go, then handle it (each chat in order, chats side by side)
        and return when every event was handled."""

    async def accept(self, events: Sequence[Event]) -> None:
        """Store a batch and return at once; handling follows in the background (a webhook
        answers its platform as soon as this returns)."""


@runtime_checkable
class Adapter(Protocol):
    """A chat platform. Only ``bot/adapters/`` implements this; nothing else imports a platform."""

    platform: str
    capabilities: Capabilities

    async def start(self, intake: Intake) -> None:
        """Begin receiving; every event goes to ``intake``. Returns once receiving runs."""

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Deliver one message; raise :class:`bot.errors.DeliveryError` subclasses on failure.

        ``key`` is the message's idempotency key: a platform that can deduplicate (Matrix
        transaction ids) makes a second send with the same key a no-op."""

    async def direct_chat_id(self, platform_user_id: str) -> str:
        """The chat in which the bot speaks privately to this person (created if needed)."""

    def start_link(self) -> str | None:
        """A link that opens a private chat with the bot, for people it cannot write to first
        (Telegram: ``https://t.me/<bot>?start=hoi``); None where there is no such link."""

    def group_link(self) -> str | None:
        """A link that adds the bot to a group (Telegram: ``https://t.me/<bot>?startgroup=``);
        None where a group invites the bot by its user id instead."""

    async def stop(self) -> None:
        """Stop receiving and release connections; safe to call twice."""

"""Plain, frozen records the repositories return: callers never hold ORM rows or sessions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Role(enum.StrEnum):
    MEMBER = "member"
    INITIATOR = "initiator"
    ADMIN = "admin"


@dataclass(frozen=True)
class Network:
    id: int
    name: str
    language: str
    timezone: str


@dataclass(frozen=True)
class Cell:
    id: int
    network_id: int
    name: str


@dataclass(frozen=True)
class Member:
    id: int
    network_id: int
    handle: str
    display_name: str
    role: Role
    language: str
    timezone: str
    about: str
    cell_id: int | None
    findable: bool
    invitable: bool
    onboarded: bool
    joined_at: datetime
    left_at: datetime | None
    skills: tuple[str, ...] = ()
    reminders: bool = True
    paused_until: datetime | None = None
    quiet_hours: str | None = None
    last_nudge_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.left_at is None


@dataclass(frozen=True)
class Account:
    id: int
    member_id: int
    platform: str
    platform_user_id: str
    username: str | None
    display_name: str | None
    direct_chat_id: str | None

    @property
    def pending(self) -> bool:
        """Imported with only a username: linked once that person first writes."""
        return self.platform_user_id.startswith(PENDING_PREFIX)


#: ``platform_user_id`` of an account known only by username (``vonk import`` with
#: ``telegram=@anna``): ``?anna``. The first message from that username claims it.
PENDING_PREFIX = "?"


def pending_user_id(username: str) -> str:
    return PENDING_PREFIX + username.lstrip("@").casefold()


@dataclass(frozen=True)
class Chat:
    id: int
    network_id: int
    platform: str
    platform_chat_id: str
    kind: str
    title: str | None
    cell_id: int | None
    left_at: datetime | None = None

    @property
    def active(self) -> bool:
        """The bot is in this chat (it was not removed from it)."""
        return self.left_at is None


@dataclass(frozen=True)
class Conversation:
    member_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    #: When the question was asked (None: not known, e.g. built in a test).
    asked_at: datetime | None = None


@dataclass(frozen=True)
class ImportedAccount:
    """A chat account named in an import file (``telegram``, ``matrix`` columns)."""

    platform: str
    platform_user_id: str  # a pending one (``?anna``) for a username not yet seen
    username: str | None = None
    direct_chat_id: str | None = None  # known at once where it is the user id (Telegram)

    @property
    def pending(self) -> bool:
        return self.platform_user_id.startswith(PENDING_PREFIX)

    @property
    def label(self) -> str:
        """How the import file named it."""
        return f"@{self.username}" if self.username else self.platform_user_id


@dataclass(frozen=True)
class MemberImportRow:
    """One validated line of a member import file."""

    line: int
    handle: str
    name: str
    skills: tuple[str, ...]
    about: str
    cell: str
    accounts: tuple[ImportedAccount, ...] = ()


class SeriesStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # no new occurrences; the ones made stay
    ENDED = "ended"


@dataclass(frozen=True)
class Series:
    """A recurring call: its rule (see bot.when.Recurrence), time, and the template of
    every occurrence."""

    id: int
    network_id: int
    initiator_id: int | None
    title: str
    rule: dict[str, Any]
    hour: int
    minute: int
    timezone: str
    first_at: datetime
    cell_id: int | None
    people_needed: int | None
    everyone: bool
    status: SeriesStatus
    created_at: datetime

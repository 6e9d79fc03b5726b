"""ORM models: the database is the truth for everything Vonk knows and has promised to do.

Later features (lessons, calls for help, pledges, nudges, outbox) add their tables in their
own Alembic revisions; docs/architecture.md lists the planned schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.inspection import inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware UTC: SQLite would otherwise hand back naive times."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


_TEXT_LIMITS: dict[Mapper[Any], list[tuple[str, int]]] = {}


def _text_limits(mapper: Mapper[Any]) -> list[tuple[str, int]]:
    """(attribute, length) of the bounded free-text columns: ``String(n)`` that is neither
    a key nor unique. Cached per mapper."""
    cached = _TEXT_LIMITS.get(mapper)
    if cached is None:
        table = cast(Table, mapper.local_table)
        keyed = {c for u in table.constraints if isinstance(u, UniqueConstraint) for c in u.columns}
        cached = [
            (prop.key, column.type.length)
            for prop in mapper.column_attrs
            for column in prop.columns[:1]
            if isinstance(column.type, String)
            and column.type.length
            and not (column.primary_key or column.unique or column in keyed)
        ]
        _TEXT_LIMITS[mapper] = cached
    return cached


def fitted(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` for a Core insert of ``model`` with over-long free text cut, as the ORM
    events below do for ORM writes."""
    out = dict(values)
    for key, length in _text_limits(inspect(model)):
        value = out.get(key)
        if isinstance(value, str) and len(value) > length:
            out[key] = value[:length]
    return out


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _fit_text(mapper: Mapper[Any], _connection: object, target: Base) -> None:
    """Cut over-long free text (a Matrix room name, a display name) to its column's length.

    PostgreSQL refuses a value longer than ``VARCHAR(n)`` where SQLite stores it whole; cutting
    it here keeps both databases alike and a long name from breaking every message in that
    chat. Keys and unique columns are left alone: cutting them could merge distinct values.
    """
    for key, length in _text_limits(mapper):
        value = getattr(target, key, None)
        if isinstance(value, str) and len(value) > length:
            setattr(target, key, value[:length])


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    created_at: Mapped[datetime]


class Cell(Base):
    """A street, neighbourhood or theme: small units keep a growing network recognisable."""

    __tablename__ = "cells"
    __table_args__ = (UniqueConstraint("network_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))  # case- and accent-folded name for lookups


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("network_id", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    handle: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="member")
    language: Mapped[str] = mapped_column(String(8), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    about: Mapped[str] = mapped_column(Text, default="")
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"))
    findable: Mapped[bool] = mapped_column(Boolean, default=False)
    invitable: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # Nudges: the member's own say over reminders.
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    paused_until: Mapped[datetime | None]
    quiet_hours: Mapped[str | None] = mapped_column(String(11))  # "21:00-09:00"; None: network's
    last_nudge_at: Mapped[datetime | None]


class Account(Base):
    """One chat identity of a member: a member may be on Telegram and Matrix at once."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    direct_chat_id: Mapped[str | None] = mapped_column(String(255))


class Chat(Base):
    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(String(255))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"))
    left_at: Mapped[datetime | None]  # the bot was removed; nothing is posted here meanwhile


class Skill(Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("member_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class InboxEvent(Base):
    """An event from a platform, stored before the platform hears it arrived.

    The row is the event's claim: handling it commits ``done`` together with everything the
    handler wrote, so an event is handled once even after a crash or a redelivery. Events of
    one chat are handled in the order they were stored. A done row keeps only its key (for
    spotting redeliveries) until retention removes it; the text is dropped at once.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "event_key"),
        Index("ix_inbox_status", "status", "id"),
        Index("ix_inbox_chat", "platform", "chat_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(255))
    chat_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, working, done
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_worker: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]


class Worker(Base):
    """A running Vonk process. Its heartbeat keeps its claims (inbox, outbox, jobs) its own;
    once the heartbeat stops, another process takes them over at once, without waiting for
    the leases to run out."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)


class AdapterState(Base):
    """Small persistent values an adapter needs across restarts (update offset, sync token)."""

    __tablename__ = "adapter_state"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Conversation(Base):
    """A question the bot asked and awaits an answer to; kept so a restart loses nothing."""

    __tablename__ = "conversations"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class ButtonPayload(Base):
    """Button payloads kept server-side: Telegram allows only 64 bytes of callback data."""

    __tablename__ = "button_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message the bot starts itself. The idempotency key makes enqueueing repeatable (a
    broadcast restarted after a crash enqueues nothing twice); the status makes delivery
    resumable."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_member", "member_id", "status"),
        Index("ix_outbox_chat", "chat_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    platform: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(255))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), default="message")
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_worker: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    # A private message decided in a group: where to show the member the link that opens
    # their private chat, should the platform refuse it (status "parked" until they do).
    via_chat_id: Mapped[str | None] = mapped_column(String(255))
    via_thread_id: Mapped[str | None] = mapped_column(String(255))


class CallForHelp(Base):
    """An initiator's oproep: what is needed, when, where, and by how many people."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    initiator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None]
    has_time: Mapped[bool] = mapped_column(Boolean, default=False)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"))
    people_needed: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CallSeries(Base):
    """A recurring call ("elke zaterdag 10:00"): the rule and the template its occurrences
    are made from, a few weeks ahead; each occurrence is an ordinary call."""

    __tablename__ = "call_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    initiator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    rule: Mapped[dict[str, Any]]
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime]
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"))
    people_needed: Mapped[int | None] = mapped_column(Integer)
    everyone: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class SeriesOccurrence(Base):
    """One day of a series, claimed once: the call made for it (None once that call is
    gone). The unique day keeps a restarted or repeated job from making it twice."""

    __tablename__ = "series_occurrences"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("call_series.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))  # ISO date, in the series' timezone
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("series_id", "day"),)


class CallInvitation(Base):
    """One member invited to one call: the unique pair means never the same member twice."""

    __tablename__ = "call_invitations"
    __table_args__ = (UniqueConstraint("call_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="invited")
    score: Mapped[float | None]
    invited_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class Pledge(Base):
    """A doe-bijdrage: what a member will do, and by when; paid or volunteer, it counts."""

    __tablename__ = "pledges"
    __table_args__ = (
        # The dashboard's impact per month and a member's done pledges (10k members, 100k
        # pledges: a page in milliseconds). Done pledges in a period are counted from the index
        # alone (who, for which call, how many hours), without visiting the rows.
        Index(
            "ix_pledges_network_status_done",
            "network_id",
            "status",
            "done_at",
            "member_id",
            "call_id",
            "hours",
        ),
        Index("ix_pledges_member_status", "member_id", "status"),
        # Impact's people active (who pledged in a month, from the index alone), and lapses
        # and drop-outs by when they ended.
        Index("ix_pledges_network_created", "network_id", "created_at", "member_id"),
        Index("ix_pledges_network_status_ended", "network_id", "status", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    # NULL once the member asked to be forgotten: a done pledge stays as an anonymous count.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    what: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    due_has_time: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pledged", index=True)
    hours: Mapped[float | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class Lesson(Base):
    """A lesson note: practical knowledge one network builder shares with others."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")  # space separated, no '#'
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="member")  # member, seed, import
    created_at: Mapped[datetime]


class Change(Base):
    """A feed of changes to searchable things (members, their skills, lessons). The search
    index remembers the last id it saw and catches up from there, whichever process (or
    operator command) made the change."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)


class Embedding(Base):
    """A text's vector under one model: unchanged text is never embedded twice, and a new
    model simply has no rows yet."""

    __tablename__ = "embeddings"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(40), primary_key=True)
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ContactRequest(Base):
    """'Vraag contact': the asker wants an introduction; only the matched member's yes
    reveals either side's contact details (double opt-in)."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="asked")  # asked, accepted, declined
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class LearnedMatch(Base):
    """A need a member was seen to meet (a contact accepted, a call's pledge done, thanks after
    an introduction): evidence for the search that this member fits similar needs. Per
    network, and gone with the member."""

    __tablename__ = "learned_matches"
    __table_args__ = (UniqueConstraint("member_id", "need"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    need: Mapped[str] = mapped_column(String(300))
    skill: Mapped[str] = mapped_column(String(200))  # the member's skill it was met with
    source: Mapped[str] = mapped_column(String(16))  # contact, pledge, thanks
    created_at: Mapped[datetime]


class Job(Base):
    """'Look at this pledge, member, call or digest at this time.' The database is the
    scheduler's truth: jobs survive restarts, and claims (with a lease and a token) keep two
    processes from running the same job."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_worker: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    __table_args__ = (Index("ix_jobs_status_due", "status", "due_at"),)


class NudgeReason(Base):
    """One reason to nudge a member (a pledge due tomorrow, an idle welcome…). Reasons wait
    here until the member may be nudged; several go out bundled in one message. The unique key
    means a reason is offered once."""

    __tablename__ = "nudge_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, dropped
    sent_at: Mapped[datetime | None]


class Thanks(Base):
    """'/bedankt @naam voor …': who helped whom. It feeds reciprocity and impact. When either
    side is forgotten, their id becomes NULL and the reason is cleared: an anonymous count."""

    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    giver_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    receiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class Story(Base):
    """One sentence on how a done pledge went ("Hoe ging het?"). A story is the member's own
    words, so it is deleted (not anonymised) when they are forgotten."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """Role changes and broadcasts: who did what to whom, when. Details hold ids and numbers,
    never names, so forgetting a member only has to clear the two member columns."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # role_change, broadcast
    target_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


class WebLink(Base):
    """A one-time sign-in link for the web dashboard: only its hash is stored, it is bound to
    one member, expires after minutes and is used at most once."""

    __tablename__ = "web_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the database its hash, the member,
    the form token (CSRF) and when it was last used (idle sessions expire)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16), default="link")  # link, telegram
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CalendarFeed(Base):
    """A private iCal address: a member's own pledges (``member_id`` set) or the network's open
    calls. Only the token's hash is stored; revoking sets ``revoked_at``."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # member, network
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class OpenQuestion(Base):
    """A "wie kan helpen met …?" nobody in the network could answer: the dashboard's action
    queue offers to turn it into a call. The asker's own words, so removed when they are
    forgotten."""

    __tablename__ = "open_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]

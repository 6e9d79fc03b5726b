"""The web dashboard's doors: one-time sign-in links, browser sessions and calendar feeds.

Every secret is a random token handed out once; only its SHA-256 is stored, so a copy of the
database opens nothing. A link is used at most once (the update that marks it used is the
check), sessions expire when idle and can be revoked, a calendar feed lives until revoked.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.session import Sessions
from storage.sql import affected

#: A session's ``last_seen_at`` is written at most this often (not on every page view).
TOUCH_EVERY = timedelta(minutes=5)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class LinkUse(enum.StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkUse
    member_id: int | None = None


@dataclass(frozen=True)
class WebSession:
    id: int
    member_id: int
    csrf_token: str
    via: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class OpenedSession:
    token: str  # for the cookie; never stored
    session: WebSession


@dataclass(frozen=True)
class CalendarFeed:
    id: int
    network_id: int
    kind: str  # member, network
    member_id: int | None
    created_at: datetime


def _session(row: models.WebSession) -> WebSession:
    return WebSession(
        row.id,
        row.member_id,
        row.csrf_token,
        row.via,
        row.user_agent,
        row.created_at,
        row.last_seen_at,
    )


class WebAccess:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    # -- sign-in links ----------------------------------------------------------------------------
    async def issue_link(self, member_id: int, *, ttl: timedelta, now: datetime) -> str:
        """A fresh one-time token for ``member_id``, valid for ``ttl``."""
        token = new_token()
        async with self._sessions.write() as s:
            s.add(
                models.WebLink(
                    token_hash=token_hash(token),
                    member_id=member_id,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return token

    async def use_link(self, token: str, *, now: datetime) -> LinkResult:
        """Spend a link: OK once, then USED; EXPIRED after its time, UNKNOWN otherwise. The
        conditional update is the check, so two browsers racing for one link get one session."""
        digest = token_hash(token)
        L = models.WebLink
        async with self._sessions.write() as s:
            spent = await s.execute(
                update(L)
                .where(L.token_hash == digest, L.used_at.is_(None), L.expires_at > now)
                .values(used_at=now)
                .returning(L.member_id)
            )
            member_id = spent.scalar_one_or_none()
            if member_id is not None:
                return LinkResult(LinkUse.OK, member_id)
            found = (
                await s.execute(select(L.used_at, L.member_id).where(L.token_hash == digest))
            ).first()
        if found is None:
            return LinkResult(LinkUse.UNKNOWN)
        used_at, owner = found
        return LinkResult(LinkUse.USED if used_at is not None else LinkUse.EXPIRED, owner)

    # -- sessions ---------------------------------------------------------------------------------
    async def open_session(
        self, member_id: int, *, via: str, user_agent: str, now: datetime
    ) -> OpenedSession:
        token = new_token()
        async with self._sessions.write() as s:
            row = models.WebSession(
                token_hash=token_hash(token),
                member_id=member_id,
                csrf_token=secrets.token_urlsafe(24),
                via=via,
                user_agent=user_agent[:200],
                created_at=now,
                last_seen_at=now,
            )
            s.add(row)
            await s.flush()
            return OpenedSession(token, _session(row))

    async def session(self, token: str, *, idle: timedelta, now: datetime) -> WebSession | None:
        """The live session for a cookie's token: not revoked, used within ``idle``. Its last
        use is written now and then, so a page view is a read."""
        W = models.WebSession
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(W).where(W.token_hash == token_hash(token), W.revoked_at.is_(None))
            )
            if row is None or row.last_seen_at <= now - idle:
                return None
            found = _session(row)
        if now - found.last_seen_at >= TOUCH_EVERY:
            async with self._sessions.write() as s:
                await s.execute(update(W).where(W.id == found.id).values(last_seen_at=now))
        return found

    async def of_member(
        self, member_id: int, *, idle: timedelta, now: datetime
    ) -> list[WebSession]:
        """The member's live sessions, newest first."""
        W = models.WebSession
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(W)
                .where(
                    W.member_id == member_id,
                    W.revoked_at.is_(None),
                    W.last_seen_at > now - idle,
                )
                .order_by(W.last_seen_at.desc())
            )
            return [_session(r) for r in rows]

    async def revoke(self, session_id: int, *, member_id: int, now: datetime) -> bool:
        """End one of the member's sessions (sign out, or "sign out that phone")."""
        W = models.WebSession
        async with self._sessions.write() as s:
            result = await s.execute(
                update(W)
                .where(W.id == session_id, W.member_id == member_id, W.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return bool(affected(result))

    async def revoke_all(self, member_id: int, *, now: datetime) -> int:
        W = models.WebSession
        async with self._sessions.write() as s:
            result = await s.execute(
                update(W)
                .where(W.member_id == member_id, W.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return affected(result)

    # -- calendar feeds ---------------------------------------------------------------------------
    async def new_feed(
        self, network_id: int, kind: str, *, member_id: int | None, now: datetime
    ) -> str:
        """A fresh private address for the feed; the previous one of the same feed stops."""
        token = new_token()
        async with self._sessions.write() as s:
            await self._revoke_feeds(s, network_id, kind, member_id, now)
            s.add(
                models.CalendarFeed(
                    token_hash=token_hash(token),
                    network_id=network_id,
                    kind=kind,
                    member_id=member_id,
                    created_at=now,
                )
            )
        return token

    async def revoke_feeds(
        self, network_id: int, kind: str, *, member_id: int | None, now: datetime
    ) -> int:
        async with self._sessions.write() as s:
            return await self._revoke_feeds(s, network_id, kind, member_id, now)

    @staticmethod
    async def _revoke_feeds(
        s: AsyncSession, network_id: int, kind: str, member_id: int | None, now: datetime
    ) -> int:
        F = models.CalendarFeed
        owner = F.member_id.is_(None) if member_id is None else F.member_id == member_id
        result = await s.execute(
            update(F)
            .where(F.network_id == network_id, F.kind == kind, owner, F.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return affected(result)

    async def feed(self, token: str) -> CalendarFeed | None:
        F = models.CalendarFeed
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(F).where(F.token_hash == token_hash(token), F.revoked_at.is_(None))
            )
            if row is None:
                return None
            return CalendarFeed(row.id, row.network_id, row.kind, row.member_id, row.created_at)

    async def feed_since(
        self, network_id: int, kind: str, *, member_id: int | None
    ) -> datetime | None:
        """When the live feed of this kind was made (None: there is none)."""
        F = models.CalendarFeed
        owner = F.member_id.is_(None) if member_id is None else F.member_id == member_id
        async with self._sessions.read() as s:
            return await s.scalar(
                select(F.created_at).where(
                    F.network_id == network_id, F.kind == kind, owner, F.revoked_at.is_(None)
                )
            )


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    network_id: int
    member_id: int
    topic: str
    created_at: datetime


class OpenQuestions:
    """Questions nobody in the network could answer, until an initiator acts on them."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def record(self, network_id: int, member_id: int, topic: str, *, now: datetime) -> None:
        async with self._sessions.write() as s:
            s.add(
                models.OpenQuestion(
                    network_id=network_id, member_id=member_id, topic=topic[:300], created_at=now
                )
            )

    async def unresolved(
        self, network_id: int, *, since: datetime, limit: int = 20
    ) -> list[OpenQuestion]:
        Q = models.OpenQuestion
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(Q)
                .where(Q.network_id == network_id, Q.resolved_at.is_(None), Q.created_at >= since)
                .order_by(Q.created_at.desc())
                .limit(limit)
            )
            return [
                OpenQuestion(r.id, r.network_id, r.member_id, r.topic, r.created_at) for r in rows
            ]

    async def get(self, question_id: int) -> OpenQuestion | None:
        async with self._sessions.read() as s:
            r = await s.get(models.OpenQuestion, question_id)
            return (
                OpenQuestion(r.id, r.network_id, r.member_id, r.topic, r.created_at) if r else None
            )

    async def resolve(self, question_id: int, *, network_id: int, now: datetime) -> bool:
        Q = models.OpenQuestion
        async with self._sessions.write() as s:
            result = await s.execute(
                update(Q)
                .where(Q.id == question_id, Q.network_id == network_id, Q.resolved_at.is_(None))
                .values(resolved_at=now)
            )
            return bool(affected(result))

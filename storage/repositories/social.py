"""Thanks, stories and the audit log: what members say about help given, and who changed what.

Thanks and stories feed impact and reciprocity; the audit log keeps role changes and
broadcasts reviewable. Rows name members by id only, so forgetting a member is a matter of
clearing ids (see :mod:`storage.repositories.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from storage import models
from storage.session import Sessions
from storage.sql import affected


@dataclass(frozen=True)
class Thank:
    id: int
    network_id: int
    giver_id: int | None
    receiver_id: int | None
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Story:
    """A story with what the reader needs: the author's name and whether they may be named."""

    id: int
    network_id: int
    member_id: int
    pledge_id: int | None
    text: str
    created_at: datetime
    author_name: str = ""
    author_findable: bool = False
    what: str = ""  # the pledge the story is about


@dataclass(frozen=True)
class AuditEntry:
    id: int
    network_id: int
    actor_id: int | None
    action: str
    target_id: int | None
    details: dict[str, Any]
    created_at: datetime


def _thank(row: models.Thanks) -> Thank:
    return Thank(row.id, row.network_id, row.giver_id, row.receiver_id, row.reason, row.created_at)


class ThanksRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def add(
        self, network_id: int, giver_id: int, receiver_id: int, reason: str, *, now: datetime
    ) -> Thank:
        async with self._sessions.write() as s:
            row = models.Thanks(
                network_id=network_id,
                giver_id=giver_id,
                receiver_id=receiver_id,
                reason=reason[:300],
                created_at=now,
            )
            s.add(row)
            await s.flush()
            return _thank(row)

    async def received(self, member_id: int, *, since: datetime) -> list[Thank]:
        """Thanks this member received since ``since``, newest first."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.Thanks)
                .where(models.Thanks.receiver_id == member_id, models.Thanks.created_at >= since)
                .order_by(models.Thanks.created_at.desc(), models.Thanks.id.desc())
            )
            return [_thank(r) for r in rows]


class StoryRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def add(
        self,
        network_id: int,
        member_id: int,
        text: str,
        *,
        pledge_id: int | None,
        now: datetime,
    ) -> Story:
        async with self._sessions.write() as s:
            row = models.Story(
                network_id=network_id,
                member_id=member_id,
                pledge_id=pledge_id,
                text=text[:500],
                created_at=now,
            )
            s.add(row)
            await s.flush()
            return Story(row.id, network_id, member_id, pledge_id, row.text, now)

    async def delete(self, story_id: int, member_id: int) -> bool:
        """A member takes back their own story (and only their own)."""
        async with self._sessions.write() as s:
            result = await s.execute(
                delete(models.Story).where(
                    models.Story.id == story_id, models.Story.member_id == member_id
                )
            )
            return bool(affected(result))

    async def between(
        self, network_id: int, start: datetime, end: datetime, *, limit: int = 50
    ) -> list[Story]:
        """Stories told in [start, end), newest first, with their author and pledge."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(
                    models.Story,
                    models.Member.display_name,
                    models.Member.findable,
                    models.Member.left_at,
                    models.Pledge.what,
                )
                .join(models.Member, models.Member.id == models.Story.member_id)
                .outerjoin(models.Pledge, models.Pledge.id == models.Story.pledge_id)
                .where(
                    models.Story.network_id == network_id,
                    models.Story.created_at >= start,
                    models.Story.created_at < end,
                )
                .order_by(models.Story.created_at.desc(), models.Story.id.desc())
                .limit(limit)
            )
            return [
                Story(
                    row.id,
                    row.network_id,
                    row.member_id,
                    row.pledge_id,
                    row.text,
                    row.created_at,
                    author_name=name,
                    author_findable=bool(findable) and left_at is None,
                    what=what or "",
                )
                for row, name, findable, left_at, what in rows
            ]


class AuditLog:
    """Append-only: entries are written by the features that act, never edited."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def record(
        self,
        network_id: int,
        action: str,
        *,
        actor_id: int | None,
        target_id: int | None = None,
        details: dict[str, Any] | None = None,
        now: datetime,
    ) -> None:
        async with self._sessions.write() as s:
            s.add(
                models.AuditEntry(
                    network_id=network_id,
                    actor_id=actor_id,
                    action=action,
                    target_id=target_id,
                    details=details or {},
                    created_at=now,
                )
            )

    async def recent(self, network_id: int, *, limit: int = 50) -> list[AuditEntry]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.AuditEntry)
                .where(models.AuditEntry.network_id == network_id)
                .order_by(models.AuditEntry.id.desc())
                .limit(limit)
            )
            return [
                AuditEntry(
                    r.id,
                    r.network_id,
                    r.actor_id,
                    r.action,
                    r.target_id,
                    dict(r.details),
                    r.created_at,
                )
                for r in rows
            ]

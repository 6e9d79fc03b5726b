"""Lessons, stored embeddings and the change feed the search index follows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from storage import models
from storage.session import Sessions, in_unit_of_work
from storage.sql import affected


@dataclass(frozen=True)
class Lesson:
    id: int
    network_id: int
    title: str
    text: str
    tags: tuple[str, ...]
    author_id: int | None
    author_name: str
    source: str
    created_at: datetime

    @property
    def search_text(self) -> str:
        return f"{self.title}. {self.text} {' '.join(self.tags)}".strip()


@dataclass(frozen=True)
class NewLesson:
    title: str
    text: str
    tags: tuple[str, ...] = ()
    author_name: str = ""
    author_id: int | None = None


def _lesson(row: models.Lesson) -> Lesson:
    return Lesson(
        row.id,
        row.network_id,
        row.title,
        row.text,
        tuple(row.tags.split()),
        row.author_id,
        row.author_name,
        row.source,
        row.created_at,
    )


class LessonRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def add_many(
        self, network_id: int, lessons: Sequence[NewLesson], *, source: str, now: datetime
    ) -> list[Lesson]:
        """Add lessons in one transaction: an import lands whole or not at all."""
        async with self._sessions.write() as s:
            rows = [
                models.Lesson(
                    network_id=network_id,
                    title=item.title[:200],
                    text=item.text,
                    tags=" ".join(t.lstrip("#").casefold() for t in item.tags)[:500],
                    author_id=item.author_id,
                    author_name=item.author_name[:200],
                    source=source,
                    created_at=now,
                )
                for item in lessons
            ]
            s.add_all(rows)
            await s.flush()
            for row in rows:
                s.add(models.Change(entity="lesson", entity_id=row.id))
            return [_lesson(r) for r in rows]

    async def get(self, lesson_id: int) -> Lesson | None:
        async with self._sessions.read() as s:
            row = await s.get(models.Lesson, lesson_id)
            return _lesson(row) if row else None

    async def ids(self) -> list[int]:
        async with self._sessions.read() as s:
            return list(await s.scalars(select(models.Lesson.id).order_by(models.Lesson.id)))

    async def get_many(self, ids: Iterable[int]) -> list[Lesson]:
        async with self._sessions.read() as s:
            rows = await s.scalars(select(models.Lesson).where(models.Lesson.id.in_(list(ids))))
            return [_lesson(r) for r in rows]

    async def list(self, network_id: int) -> list[Lesson]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.Lesson)
                .where(models.Lesson.network_id == network_id)
                .order_by(models.Lesson.id)
            )
            return [_lesson(r) for r in rows]

    async def count(self, network_id: int) -> int:
        async with self._sessions.read() as s:
            return (
                await s.scalar(select(func.count()).where(models.Lesson.network_id == network_id))
                or 0
            )

    async def update(
        self, lesson_id: int, *, title: str, text: str, tags: Sequence[str]
    ) -> Lesson | None:
        """Rewrite a lesson; the change feed brings the search index along."""
        async with self._sessions.write() as s:
            row = await s.get(models.Lesson, lesson_id)
            if row is None:
                return None
            row.title = title[:200]
            row.text = text
            row.tags = " ".join(t.lstrip("#").casefold() for t in tags)[:500]
            s.add(models.Change(entity="lesson", entity_id=lesson_id))
            await s.flush()
            return _lesson(row)

    async def delete(self, lesson_id: int) -> bool:
        async with self._sessions.write() as s:
            result = await s.execute(delete(models.Lesson).where(models.Lesson.id == lesson_id))
            s.add(models.Change(entity="lesson", entity_id=lesson_id))
            return bool(affected(result))


class EmbeddingStore:
    """Vectors by (model, text hash) as raw float32 bytes.

    A cache of a pure function, not part of any event's state: vectors computed while a unit of
    work runs (a search inside a handler) are kept here and saved right after it commits
    (``save_pending``), instead of joining, or waiting for, that unit of work.
    """

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._pending: list[tuple[str, int, dict[str, bytes]]] = []

    async def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        async with self._sessions.read() as s:
            for start in range(0, len(hashes), 500):  # keep under SQL parameter limits
                chunk = hashes[start : start + 500]
                rows = await s.execute(
                    select(models.Embedding.text_hash, models.Embedding.vector).where(
                        models.Embedding.model == model, models.Embedding.text_hash.in_(chunk)
                    )
                )
                found.update({h: v for h, v in rows})
        return found

    async def put_many(self, model: str, dimension: int, vectors: dict[str, bytes]) -> None:
        if not vectors:
            return
        if not self._sessions.bound and in_unit_of_work():
            self._pending.append((model, dimension, dict(vectors)))
            return
        await self._put(model, dimension, vectors)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    async def save_pending(self) -> int:
        """Save what was computed during units of work; returns how many batches."""
        pending, self._pending = self._pending, []
        for model, dimension, vectors in pending:
            await self._put(model, dimension, vectors)
        return len(pending)

    async def _put(self, model: str, dimension: int, vectors: dict[str, bytes]) -> None:
        async with self._sessions.write() as s:
            existing = set(
                await s.scalars(
                    select(models.Embedding.text_hash).where(
                        models.Embedding.model == model,
                        models.Embedding.text_hash.in_(list(vectors)),
                    )
                )
            )
            s.add_all(
                models.Embedding(model=model, text_hash=h, dimension=dimension, vector=v)
                for h, v in vectors.items()
                if h not in existing
            )

    async def count(self, model: str) -> int:
        async with self._sessions.read() as s:
            return await s.scalar(select(func.count()).where(models.Embedding.model == model)) or 0


class ChangeFeed:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def latest(self) -> int:
        async with self._sessions.read() as s:
            return await s.scalar(select(func.max(models.Change.id))) or 0

    async def since(self, last_id: int, limit: int = 50_000) -> list[tuple[int, str, int]]:
        """(change id, entity, entity id) after ``last_id``, oldest first."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(models.Change.id, models.Change.entity, models.Change.entity_id)
                .where(models.Change.id > last_id)
                .order_by(models.Change.id)
                .limit(limit)
            )
            return [(i, e, eid) for i, e, eid in rows]


@dataclass(frozen=True)
class ContactRequest:
    id: int
    asker_id: int
    member_id: int
    topic: str
    status: str


class ContactRequests:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def create(
        self, asker_id: int, member_id: int, topic: str, *, now: datetime
    ) -> ContactRequest:
        async with self._sessions.write() as s:
            row = models.ContactRequest(
                asker_id=asker_id,
                member_id=member_id,
                topic=topic[:300],
                status="asked",
                created_at=now,
            )
            s.add(row)
            await s.flush()
            return ContactRequest(row.id, asker_id, member_id, row.topic, row.status)

    async def pending(self, asker_id: int, member_id: int) -> ContactRequest | None:
        """The asker's request to this member that is still waiting for an answer."""
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(models.ContactRequest)
                .where(
                    models.ContactRequest.asker_id == asker_id,
                    models.ContactRequest.member_id == member_id,
                    models.ContactRequest.status == "asked",
                )
                .limit(1)
            )
            if row is None:
                return None
            return ContactRequest(row.id, row.asker_id, row.member_id, row.topic, row.status)

    async def answer(
        self, request_id: int, member_id: int, accepted: bool, *, now: datetime
    ) -> ContactRequest | None:
        """Record the matched member's answer once; None if not theirs or already answered."""
        async with self._sessions.write() as s:
            row = await s.get(models.ContactRequest, request_id)
            if row is None or row.member_id != member_id or row.status != "asked":
                return None
            row.status = "accepted" if accepted else "declined"
            row.answered_at = now
            return ContactRequest(row.id, row.asker_id, row.member_id, row.topic, row.status)

    async def latest_accepted(
        self, asker_id: int, member_id: int, *, since: datetime
    ) -> ContactRequest | None:
        """The newest introduction ``member_id`` accepted for ``asker_id`` since ``since``."""
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(models.ContactRequest)
                .where(
                    models.ContactRequest.asker_id == asker_id,
                    models.ContactRequest.member_id == member_id,
                    models.ContactRequest.status == "accepted",
                    models.ContactRequest.answered_at >= since,
                )
                .order_by(models.ContactRequest.answered_at.desc())
                .limit(1)
            )
            if row is None:
                return None
            return ContactRequest(row.id, row.asker_id, row.member_id, row.topic, row.status)

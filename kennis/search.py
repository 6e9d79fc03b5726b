""""Wie kan helpen met …?": members and lessons ranked by meaning.

The search keeps its in-memory index in step with the database through the change feed: each
query first applies whatever changed since the last one (profiles, skills, consent, lessons),
in this process or another, so an answer never names someone who just withdrew consent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kennis.embedding import Embedder
from kennis.index import ItemIndex, Progress, VectorCache
from kennis.ranking import top_k
from storage import Storage
from storage.records import Member
from storage.repositories.kennis import Lesson

# A member's offer text describes them less precisely than a skill phrase does.
ABOUT_WEIGHT = 0.9
# A mild preference for people from the asker's own cell: it breaks near-ties, no more.
CELL_BONUS = 0.03


@dataclass(frozen=True)
class Thresholds:
    """Scores below these are 'not good enough' to name; they depend on the model."""

    member: float = 0.35
    lesson: float = 0.35


@dataclass(frozen=True)
class MemberMatch:
    member: Member
    score: float
    why: str  # the skill or offer text that matched best


@dataclass(frozen=True)
class LessonMatch:
    lesson: Lesson
    score: float


@dataclass(frozen=True)
class Answer:
    query: str
    members: list[MemberMatch]
    lessons: list[LessonMatch]


@dataclass(frozen=True)
class _MemberMeta:
    network_id: int
    findable: bool
    invitable: bool
    cell_id: int | None


class Search:
    def __init__(self, embedder: Embedder, storage: Storage,
                 thresholds: Thresholds | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self._storage = storage
        self._cache = VectorCache(embedder, storage.embeddings)
        self._members = ItemIndex()
        self._lessons = ItemIndex()
        self._meta: dict[int, _MemberMeta] = {}
        self._lesson_network: dict[int, int] = {}
        self._seen_change = -1
        self._sync_lock = asyncio.Lock()
        self._meta_arrays: tuple[np.ndarray, ...] | None = None

    # -- keeping in step ----------------------------------------------------------------------
    async def sync(self, progress: Progress | None = None) -> int:
        """Apply what changed since the last sync (everything, the first time)."""
        async with self._sync_lock:
            if self._seen_change < 0:
                latest = await self._storage.changes.latest()
                member_ids = await self._storage.members.ids()
                lesson_ids = await self._storage.lessons.ids()
            else:
                changes = await self._storage.changes.since(self._seen_change)
                if not changes:
                    return 0
                latest = changes[-1][0]
                member_ids = sorted({eid for _, kind, eid in changes if kind == "member"})
                lesson_ids = sorted({eid for _, kind, eid in changes if kind == "lesson"})
            await self._load_members(member_ids, progress)
            await self._load_lessons(lesson_ids, progress)
            self._seen_change = latest
            return len(member_ids) + len(lesson_ids)

    async def _load_members(self, ids: list[int], progress: Progress | None) -> None:
        if not ids:
            return
        members = {m.id: m for m in await self._storage.members.get_many(ids)}
        for member_id in ids:
            member = members.get(member_id)
            if member is None or not member.active:
                members.pop(member_id, None)
                self._members.remove(member_id)
                self._meta.pop(member_id, None)
        # One list of labels per member, flattened in the same order for one embedding pass.
        labels = {
            m.id: [*m.skills, *([m.about] if m.about else [])] for m in members.values()
        }
        rows = await self._cache.rows_for(
            [text for texts in labels.values() for text in texts], progress=progress
        )
        at = 0
        for member_id, texts in labels.items():
            member = members[member_id]
            weights = [1.0] * len(member.skills) + ([ABOUT_WEIGHT] if member.about else [])
            self._members.put(member_id, rows[at : at + len(texts)], weights, texts)
            at += len(texts)
            self._meta[member_id] = _MemberMeta(
                member.network_id, member.findable, member.invitable, member.cell_id
            )
        self._meta_arrays = None

    async def _load_lessons(self, ids: list[int], progress: Progress | None) -> None:
        if not ids:
            return
        lessons = {x.id: x for x in await self._storage.lessons.get_many(ids)}
        rows = await self._cache.rows_for(
            [x.search_text for x in lessons.values()], progress=progress
        )
        for lesson, row in zip(lessons.values(), rows, strict=True):
            self._lessons.put(lesson.id, np.asarray([row]), [1.0], [lesson.title])
            self._lesson_network[lesson.id] = lesson.network_id
        for missing in set(ids) - set(lessons):
            self._lessons.remove(missing)
            self._lesson_network.pop(missing, None)

    # -- asking ---------------------------------------------------------------------------------
    async def ask(
        self, query: str, *, network_id: int, asker: Member | None = None, limit: int = 5,
        lessons: int = 2, min_score: float | None = None,
    ) -> Answer:
        """Findable members and lessons for the question, best first. Only matches scoring at
        least ``min_score`` (default: the model's threshold) are returned."""
        await self.sync()
        text_scores = await self._score_texts(query)
        members = await self._rank_members(
            text_scores, network_id=network_id, consent="findable", limit=limit,
            exclude={asker.id} if asker else set(), prefer_cell=asker.cell_id if asker else None,
            min_score=self.thresholds.member if min_score is None else min_score,
        )
        found_lessons = await self._rank_lessons(
            text_scores, network_id, lessons,
            self.thresholds.lesson if min_score is None else min_score,
        )
        return Answer(query, members, found_lessons)

    async def invitees(
        self, text: str, *, network_id: int, exclude: Iterable[int], limit: int,
        prefer_cell: int | None = None,
    ) -> list[MemberMatch]:
        """Members who fit a call for help and agreed to be invited, minus ``exclude``."""
        await self.sync()
        return await self._rank_members(
            await self._score_texts(text), network_id=network_id, consent="invitable",
            limit=limit, exclude=set(exclude), prefer_cell=prefer_cell,
            min_score=self.thresholds.member,
        )

    async def lessons(self, query: str, *, network_id: int, limit: int = 5) -> list[LessonMatch]:
        await self.sync()
        return await self._rank_lessons(
            await self._score_texts(query), network_id, limit, self.thresholds.lesson
        )

    async def _score_texts(self, query: str) -> np.ndarray:
        q = await asyncio.to_thread(self._cache.encode_query, query)
        return self._cache.matrix @ q

    def _arrays(self, owner_ids: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per-owner network, consent and cell arrays aligned with the index's owner ids."""
        if self._meta_arrays is None or len(self._meta_arrays[0]) != len(owner_ids):
            metas = [self._meta[int(i)] for i in owner_ids]
            self._meta_arrays = (
                np.fromiter((m.network_id for m in metas), np.int64, len(metas)),
                np.fromiter((m.findable for m in metas), bool, len(metas)),
                np.fromiter((m.invitable for m in metas), bool, len(metas)),
                np.fromiter((m.cell_id or -1 for m in metas), np.int64, len(metas)),
            )
        return self._meta_arrays

    async def _rank_members(
        self, text_scores: np.ndarray, *, network_id: int, consent: str, limit: int,
        exclude: set[int], prefer_cell: int | None, min_score: float,
    ) -> list[MemberMatch]:
        owner_ids, best, best_item = self._members.owner_scores(text_scores)
        if not len(owner_ids):
            return []
        networks, findable, invitable, cells = self._arrays(owner_ids)
        allowed = (networks == network_id) & (findable if consent == "findable" else invitable)
        if exclude:
            allowed &= ~np.isin(owner_ids, np.fromiter(exclude, np.int64, len(exclude)))
        ranked = np.where(allowed & (best >= min_score), best, -np.inf)
        if prefer_cell is not None:
            ranked = ranked + CELL_BONUS * (cells == prefer_cell)
        chosen = [i for i in top_k(ranked, limit) if np.isfinite(ranked[i])]
        if not chosen:
            return []
        found = {m.id: m for m in await self._storage.members.get_many(int(owner_ids[i]) for i in chosen)}
        return [
            MemberMatch(found[int(owner_ids[i])], float(best[i]),
                        self._members.label(int(owner_ids[i]), int(best_item[i])))
            for i in chosen
            if int(owner_ids[i]) in found
        ]

    async def _rank_lessons(
        self, text_scores: np.ndarray, network_id: int, limit: int, min_score: float
    ) -> list[LessonMatch]:
        if limit <= 0:
            return []
        lesson_ids, best, _ = self._lessons.owner_scores(text_scores)
        mask = np.fromiter(
            (self._lesson_network.get(int(i)) == network_id for i in lesson_ids), bool,
            len(lesson_ids),
        )
        ranked = np.where(mask & (best >= min_score), best, -np.inf)
        chosen = [i for i in top_k(ranked, limit) if np.isfinite(ranked[i])]
        found = {x.id: x for x in await self._storage.lessons.get_many(int(lesson_ids[i]) for i in chosen)}
        return [LessonMatch(found[int(lesson_ids[i])], float(best[i])) for i in chosen
                if int(lesson_ids[i]) in found]

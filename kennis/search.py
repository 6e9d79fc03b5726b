""" "Wie kan helpen met …?": members and lessons ranked by meaning (and a little by wording).

The search keeps its in-memory index in step with the database through the change feed: each
query first applies whatever changed since the last one (profiles, skills, consent, lessons),
in this process or another, so an answer never names someone who just withdrew consent. On
SQLite that check is a microsecond probe (``Database.data_version``) unless something was
written, and the member records needed for the answer are kept from the last sync, so an ask
costs about one query encode plus a millisecond of ranking.

Scoring, per unique text (kennis.index.VectorCache row), as measured on bench/devset_nl.json:
``(1 - w) * cosine + w * lexical`` with ``w = SearchConfig.lexical_weight`` (the lexical
signal, kennis.lexical, mostly rescues typos and rare words). A member's score is their best
text, an offer text counting ``ABOUT_WEIGHT`` times.

Two stages once the index is large: a coarse score (64-dim principal-component projection of
the vectors, plus the lexical score) over every text picks candidates (``SearchConfig``);
only those get the exact 512-dim cosine. If the filters (network, consent, exclusions) leave
fewer than ``limit`` members although the candidates' tail still scores near the threshold,
the query is answered again exactly over every text, so a small network inside a large
database is never short-changed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from kennis.embedding import Embedder
from kennis.index import COARSE_DIM, ItemIndex, Progress, VectorCache
from kennis.lexical import DEFAULT_LEXICAL_WEIGHT
from kennis.question import topic
from kennis.ranking import top_k
from storage import Storage
from storage.records import Member
from storage.repositories.kennis import Lesson

# A member's offer text describes them less precisely than a skill phrase does.
ABOUT_WEIGHT = 0.9
# A mild preference for people from the asker's own cell: it breaks near-ties, no more.
CELL_BONUS = 0.03
# A chat answer names members scoring at least this share of the best match's score.
CLOSE_TO_BEST = 0.75


@dataclass(frozen=True)
class Thresholds:
    """Scores below these are 'not good enough' to name; they depend on the model.

    They are on the model's cosine scale: with the lexical blend a match that shares no
    words with the question needs this cosine, shared words lower what it needs (a blended
    score passes when ``score >= (1 - lexical_weight) * threshold``).
    """

    member: float = 0.35
    lesson: float = 0.35


@dataclass(frozen=True)
class SearchConfig:
    """How :class:`Search` scores. The defaults are what the bot runs; see bench/search.py
    (latency, memory) and bench/eval_search.py (quality through this class)."""

    #: Share of the lexical score in the blend; 0 turns the lexical signal off.
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    #: Two-stage search (coarse pass, then exact on candidates) for large indexes.
    two_stage: bool = True
    #: Unique texts from which the two-stage search is used (below: exact over all texts).
    two_stage_min_texts: int = 4096
    #: Dimensions of the coarse representation.
    coarse_dim: int = COARSE_DIM
    #: Texts rescored exactly per query in the two-stage search: this many, or
    #: ``candidate_share`` of all texts if more (bench/search.py: 512 of 14k texts and 2.7k of
    #: 89k give the exact top 5 for the dev questions; 512 of 89k did for 96%).
    candidates: int = 512
    candidate_share: float = 0.03
    #: BLAS threads for the whole process (None: leave numpy's default). One, because on a
    #: small machine the model encodes in a worker thread while the event loop ranks: the
    #: ranking's matrix-vector products are small after the coarse pass, a BLAS thread pool
    #: only adds hand-off latency, and its spinning threads slow the encode down (measured
    #: with bench/search.py: asks at 1k members went from ~2.6 ms to 12-16 ms p50 in some
    #: processes with numpy's default of one thread per core).
    blas_threads: int | None = 1
    #: Answer exactly over every text when the filters leave fewer than ``limit`` members
    #: and the weakest candidate still scores within this margin of the threshold.
    fallback_margin: float = 0.05


@dataclass(frozen=True)
class MemberMatch:
    member: Member
    score: float
    why: str  # the skill or offer text that matched best


def close_to_best(matches: list[MemberMatch]) -> list[MemberMatch]:
    """Keep the matches within CLOSE_TO_BEST of the best score: after one clear fit, a tail of
    much weaker ones is noise to the asker (and needless invitations to those people)."""
    if not matches:
        return matches
    best = max(m.score for m in matches)
    return [m for m in matches if m.score >= CLOSE_TO_BEST * best]


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
class _Scored:
    """One query's scores: per matrix row (``-inf`` outside the candidates when
    ``truncated``), the query vector and the lexical scores of every row."""

    query: str
    vector: np.ndarray
    lexical: np.ndarray | None
    text: np.ndarray
    truncated: bool
    tail: float  # lowest score among the candidates (when truncated)


def limit_blas_threads(threads: int) -> bool:
    """Limit numpy's BLAS to ``threads`` for the rest of the process (needs threadpoolctl,
    which the model package uses too); False when threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        return False
    threadpool_limits(limits=threads, user_api="blas")
    return True


def _labels(member: Member) -> list[str]:
    return [*member.skills, *([member.about] if member.about else [])]


class Search:
    def __init__(
        self,
        embedder: Embedder,
        storage: Storage,
        thresholds: Thresholds | None = None,
        *,
        config: SearchConfig | None = None,
    ) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self.config = config or SearchConfig()
        if not 0.0 <= self.config.lexical_weight < 1.0:
            raise ValueError("lexical_weight must be in [0, 1)")
        if self.config.blas_threads is not None:
            limit_blas_threads(self.config.blas_threads)
        self._storage = storage
        self._cache = VectorCache(
            embedder,
            storage.embeddings,
            lexical=self.config.lexical_weight > 0,
            coarse_dim=self.config.coarse_dim,
            coarse_min_rows=self.config.two_stage_min_texts if self.config.two_stage else None,
        )
        self._members = ItemIndex()
        self._lessons = ItemIndex()
        # Records as of the last sync (the change feed covers every profile change), so an
        # answer needs no database round trip.
        self._member_records: dict[int, Member] = {}
        self._lesson_records: dict[int, Lesson] = {}
        self._seen_change = -1
        self._seen_version: int | None = None
        self._sync_lock = asyncio.Lock()
        self.stats = {"queries": 0, "exact_fallbacks": 0}
        #: Called with each ask's duration in seconds (the runtime records it as a metric;
        #: kennis itself knows nothing of monitoring).
        self.on_ask: Callable[[float], None] | None = None

    # -- keeping in step ----------------------------------------------------------------------
    async def sync(self, progress: Progress | None = None) -> int:
        """Apply what changed since the last sync (everything, the first time)."""
        async with self._sync_lock:
            # Nothing committed since the last look (any connection, any process): skip the
            # change-feed query. A commit after this probe changes it for the next call.
            version = self._data_version()
            if version is not None and version == self._seen_version and self._seen_change >= 0:
                return 0
            if self._seen_change < 0:
                latest = await self._storage.changes.latest()
                member_ids = await self._storage.members.ids()
                lesson_ids = await self._storage.lessons.ids()
            else:
                changes = await self._storage.changes.since(self._seen_change)
                if not changes:
                    self._seen_version = version
                    return 0
                latest = changes[-1][0]
                member_ids = sorted({eid for _, kind, eid in changes if kind == "member"})
                lesson_ids = sorted({eid for _, kind, eid in changes if kind == "lesson"})
            await self._load_members(member_ids, progress)
            await self._load_lessons(lesson_ids, progress)
            self._seen_change = latest
            self._seen_version = version
            return len(member_ids) + len(lesson_ids)

    def _data_version(self) -> int | None:
        db = getattr(self._storage, "db", None)
        probe = getattr(db, "data_version", None)
        return probe() if probe is not None else None

    async def _load_members(self, ids: list[int], progress: Progress | None) -> None:
        if not ids:
            return
        found = {m.id: m for m in await self._storage.members.get_many(ids)}
        keep = [found[i] for i in ids if i in found and found[i].active]
        labels = [_labels(m) for m in keep]
        rows = await self._cache.rows_for([t for texts in labels for t in texts], progress=progress)
        for member_id in ids:
            self._members.remove(member_id)
            self._member_records.pop(member_id, None)
        at = 0
        for member, texts in zip(keep, labels, strict=True):
            n = len(texts)
            if n:
                weights = [1.0] * len(member.skills) + [ABOUT_WEIGHT] * (n - len(member.skills))
                self._members.put(
                    member.id,
                    rows[at : at + n],
                    weights,
                    network_id=member.network_id,
                    findable=member.findable,
                    invitable=member.invitable,
                    cell_id=member.cell_id,
                )
                self._member_records[member.id] = member
            at += n

    async def _load_lessons(self, ids: list[int], progress: Progress | None) -> None:
        if not ids:
            return
        found = [x for x in await self._storage.lessons.get_many(ids)]
        rows = await self._cache.rows_for([x.search_text for x in found], progress=progress)
        for lesson_id in ids:
            self._lessons.remove(lesson_id)
            self._lesson_records.pop(lesson_id, None)
        for lesson, row in zip(found, rows, strict=True):
            self._lessons.put(lesson.id, np.asarray([row]), [1.0], network_id=lesson.network_id)
            self._lesson_records[lesson.id] = lesson

    # -- asking ---------------------------------------------------------------------------------
    async def ask(
        self,
        query: str,
        *,
        network_id: int,
        asker: Member | None = None,
        limit: int = 5,
        lessons: int = 2,
        min_score: float | None = None,
    ) -> Answer:
        """Findable members and lessons for the question, best first. Only matches good
        enough for ``min_score`` are returned. By default that is the model's threshold (on the
        cosine scale, see :class:`Thresholds`) and, as a chat answer should, only members
        close to the best match; an explicit ``min_score`` returns the whole ranking above it
        (for evaluation and operators)."""
        started = time.perf_counter()
        scored = await self._score(query)
        members = self._rank_members(
            scored,
            network_id=network_id,
            consent="findable",
            limit=limit,
            exclude={asker.id} if asker else set(),
            prefer_cell=asker.cell_id if asker else None,
            min_score=self.thresholds.member if min_score is None else min_score,
        )
        if min_score is None:
            members = close_to_best(members)
        found_lessons = self._rank_lessons(
            scored, network_id, lessons, self.thresholds.lesson if min_score is None else min_score
        )
        if self.on_ask is not None:
            self.on_ask(time.perf_counter() - started)
        return Answer(query, members, found_lessons)

    async def invitees(
        self,
        text: str,
        *,
        network_id: int,
        exclude: Iterable[int],
        limit: int,
        prefer_cell: int | None = None,
    ) -> list[MemberMatch]:
        """Members who fit a call for help and agreed to be invited, minus ``exclude``: only
        those close to the best fit, so a weak match is not bothered."""
        return close_to_best(
            self._rank_members(
                await self._score(text),
                network_id=network_id,
                consent="invitable",
                limit=limit,
                exclude=set(exclude),
                prefer_cell=prefer_cell,
                min_score=self.thresholds.member,
            )
        )

    async def similarity(self, query: str, texts: list[str]) -> list[float]:
        """How close each text is to the query in meaning (e.g. open calls to a profile)."""
        rows = await self._cache.rows_for(texts)
        q = await asyncio.to_thread(self._cache.encode_query, query)
        return [float(x) for x in self._cache.matrix[rows] @ q]

    async def lessons(self, query: str, *, network_id: int, limit: int = 5) -> list[LessonMatch]:
        return self._rank_lessons(
            await self._score(query), network_id, limit, self.thresholds.lesson
        )

    # -- scoring --------------------------------------------------------------------------------
    async def _score(self, query: str) -> _Scored:
        """Sync, embed the query, score the texts.

        The query is embedded on the event loop, not in a worker thread: one short text takes
        ~2 ms, mostly holding the GIL, and measured at 10k members (bench/search.py) the
        thread hand-off cost more (~0.4 ms per ask) than overlapping it with the sync check
        and the lexical scoring saved. Indexing (long batches) does use a worker thread.
        After ``sync()`` no passage encode of this search holds the model's lock.
        """
        await self.sync()
        query = topic(query)  # "wie kan helpen met X?" is about X
        vector = self._cache.encode_query(query)
        self.stats["queries"] += 1
        return self._score_texts(query, vector)

    def _lexical_scores(self, query: str) -> np.ndarray | None:
        lexical = self._cache.lexical
        return lexical.scores(query) if lexical is not None and len(self._cache) else None

    def _blend(self, cosine: np.ndarray, lexical: np.ndarray | None) -> np.ndarray:
        w = self.config.lexical_weight
        if lexical is None:
            return cosine
        out = cosine * np.float32(1.0 - w)
        out += np.float32(w) * lexical
        return out

    def _score_texts(
        self,
        query: str,
        vector: np.ndarray,
        *,
        exact: bool = False,
        lexical: np.ndarray | None = None,
    ) -> _Scored:
        cache = self._cache
        if cache.lexical is not None and (lexical is None or len(lexical) != len(cache)):
            lexical = self._lexical_scores(query)  # not given, or the index grew meanwhile
        n = len(cache)
        c = max(self.config.candidates, int(self.config.candidate_share * n))
        if exact or n <= 2 * c or not cache.two_stage_ready:
            text = self._blend(cache.matrix @ vector, lexical)
            return _Scored(query, vector, lexical, text, False, -np.inf)
        assert cache.coarse is not None
        approx = self._blend(cache.coarse.scores(vector), lexical)
        candidates = np.sort(np.argpartition(approx, n - c)[n - c :])
        exact_scores = self._blend(
            cache.matrix[candidates] @ vector,
            None if lexical is None else lexical[candidates],
        )
        text = np.full(n, -np.inf, dtype=np.float32)
        text[candidates] = exact_scores
        return _Scored(query, vector, lexical, text, True, float(exact_scores.min()))

    def _threshold(self, min_score: float) -> float:
        """A cosine-scale threshold on the blended scale."""
        return (1.0 - self.config.lexical_weight) * min_score

    def _rank_members(
        self,
        scored: _Scored,
        *,
        network_id: int,
        consent: str,
        limit: int,
        exclude: set[int],
        prefer_cell: int | None,
        min_score: float,
    ) -> list[MemberMatch]:
        index = self._members
        if limit <= 0 or not len(index):
            return []
        threshold = self._threshold(min_score)
        best = index.segment_scores(scored.text)
        allowed = index.allowed(network_id=network_id, consent=consent)
        if exclude:
            allowed[index.segments(list(exclude))] = False
        allowed &= best >= threshold
        candidates = np.flatnonzero(allowed)
        if (
            scored.truncated
            and len(candidates) < limit
            and (scored.tail >= threshold - self.config.fallback_margin)
        ):
            # The filters left too few: answer exactly over every text.
            self.stats["exact_fallbacks"] += 1
            exact = self._score_texts(
                scored.query, scored.vector, exact=True, lexical=scored.lexical
            )
            return self._rank_members(
                exact,
                network_id=network_id,
                consent=consent,
                limit=limit,
                exclude=exclude,
                prefer_cell=prefer_cell,
                min_score=min_score,
            )
        ranked = best[candidates]
        if prefer_cell is not None:
            ranked = ranked + CELL_BONUS * (index.cells()[candidates] == prefer_cell)
        out = []
        for seg in candidates[top_k(ranked, limit)]:
            member = self._member_records[int(index.owners[seg])]
            why = _labels(member)[index.best_item(int(seg), scored.text)]
            out.append(MemberMatch(member, float(best[seg]), why))
        return out

    def _rank_lessons(
        self, scored: _Scored, network_id: int, limit: int, min_score: float
    ) -> list[LessonMatch]:
        index = self._lessons
        if limit <= 0 or not len(index):
            return []
        # Lessons are few: always scored exactly (they need not be among the candidates).
        rows = index.item_rows
        cosine = self._cache.matrix[rows] @ scored.vector
        item_scores = self._blend(cosine, None if scored.lexical is None else scored.lexical[rows])
        best = index.segment_scores_from_items(item_scores)
        allowed = index.allowed(network_id=network_id) & (best >= self._threshold(min_score))
        candidates = np.flatnonzero(allowed)
        chosen = candidates[top_k(best[candidates], limit)]
        return [
            LessonMatch(self._lesson_records[int(index.owners[seg])], float(best[seg]))
            for seg in chosen
        ]

""" "Wie kan helpen met …?": members and lessons ranked by meaning; what a message is; and the
honest answer when nobody fits.

The search keeps its in-memory index in step with the database through the change feed: each
query first applies whatever changed since the last one (profiles, skills, consent, lessons),
in this process or another, so an answer never names someone who just withdrew consent. On
SQLite that check is a microsecond probe (``Database.data_version``) unless something was
written, and the member records needed for the answer are kept from the last sync, so an ask
costs about one query encode plus a millisecond of ranking.

One message, one encode: :meth:`Search.read` embeds the need once and decides the intent
(kennis.understanding); :meth:`Search.ask` takes that reading and reuses its vector;
:meth:`Search.respond` does both and applies the chat's rules (answer, ask back, or stay
silent).

Scoring (bench/understanding.py measures every choice on the dev sets):

* **Scale.** Scores are read on the query's own scale (kennis.reference.QueryScale): a member
  text's cosine in standard deviations above the query's mean cosine to the knowledge names.
  Thresholds, offsets and the lexical weight are on that scale, so they mean the same for any
  model (e5's cosines spread about 4x less than USE's) and any query.
* **Items.** A member's score is the best of their items: each skill, the about text (a
  little less, ``about_offset``), and evidence: the situations of the kinds of help a skill
  is linked to (kennis.knowledge, ``knowledge_offset``). A later source of evidence (needs
  that led to an accepted contact with a member's skill) plugs in the same way, as items on
  the same scale (:meth:`Search._member_items`).
* **Lexical rescue.** ``lexical_weight`` units are added for the share of (IDF-weighted) query
  words a text contains, typos allowed: it lifts a text the model misses for a typo or a rare
  word, and is small next to the spread of meaning, so it never outvotes it.
* **Nobody fits.** Only members at least ``Thresholds.member`` above the query's typical
  similarity are named (``Thresholds.group`` in an unaddressed group line), and only those
  within ``Thresholds.close`` of the best: never padded with weak matches.

Two stages once the index is large: a coarse score (64-dim principal-component projection of
the vectors, plus the lexical score) over every text picks candidates (``SearchConfig``);
only those get the exact cosine. If the filters (network, consent, exclusions) leave fewer
than ``limit`` members although the candidates' tail still scores near the threshold, the
query is answered again exactly over every text, so a small network inside a large database
is never short-changed.
"""

from __future__ import annotations

import asyncio
import ctypes
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, cast

import numpy as np

from kennis.embedding import Embedder
from kennis.exact import (
    SUBJECTS,
    asked_for,
    asked_in,
    conflicting,
    exact_terms,
    mismatched,
    with_own_languages,
)
from kennis.index import COARSE_DIM, ItemIndex, Progress, VectorCache, joined
from kennis.knowledge import link_kinds, without_asides
from kennis.lessons import seed_questions
from kennis.need import need, topic
from kennis.ranking import top_k
from kennis.reference import QueryScale, Reference
from kennis.understanding import (
    Action,
    Intent,
    Reading,
    UnderstandingConfig,
    decide,
    load_intent_examples,
)
from storage import Storage
from storage.records import Member
from storage.repositories.kennis import Lesson

# A mild preference for people from the asker's own cell: it breaks near-ties, no more.
CELL_BONUS = 0.2

#: Closeness (standard deviations above the skill's mean cosine to the knowledge names) from
#: which a skill counts as plainly its linked kind of help (SearchConfig.knowledge_closeness).
LINK_FULL = 8.0

Source = Literal["skill", "about", "knowledge", "learned"]

#: Spoken to and read as a lesson question, a message that is at least this likely a request
#: is answered as one when a member fits clearly and no lesson note does.
SECOND_LOOK = 0.3


def _settled(reading: Reading, answer: Answer) -> Action:
    """What the chat does with a reading once the search has looked (Search.respond):
    an unaddressed group line that nobody fits is left alone; spoken to, the words may read
    as a lesson question while they ask for a person ("we willen uitzoeken waarom
    vrijwilligers afhaken", "the funder asked for a theory of change by next week"). A
    clear member match makes it a request, answered with the fitting lesson notes too
    (until 2026-12-01 only when no note fitted: the blind expertise set's named .762 ->
    .812, nothing else moved); so does any member match when no note fits ("my toddler
    needs a babysitter thursday evening, any tips?" got "I found no lesson about …").
    Offers never reach here: "ik wil best de koffieochtend draaien" is a pledge and gets no
    names."""
    if reading.action == "answer" and not reading.spoken_to and not answer.named:
        return "silent"
    if (
        reading.action == "lesson"
        and answer.named
        and (reading.help_probability >= SECOND_LOOK or not answer.lessons)
    ):
        return "answer"
    if reading.action == "ask_back" and reading.intent == "help" and answer.named:
        return "answer"
    return reading.action


@dataclass(frozen=True)
class Thresholds:
    """When a match is good enough to name, on the query's scale (standard deviations above
    its typical similarity; see kennis.reference). Tuned on the dev sets' requests against
    their ``unanswerable`` lists (bench/understanding.py)."""

    #: Named in an answer to someone who spoke to the bot (plus ``relative``, below).
    member: float = 0.0
    #: Named in an unaddressed group line (the bot speaks up unasked: be surer).
    group: float = 0.25
    #: ... when the line is less likely a request than UnderstandingConfig.group (but at
    #: least UnderstandingConfig.group_maybe): as for ``second_look``.
    group_unsure: float = 0.75
    #: Spoken to, but only likely a request (the chat would ask back "Bedoel je …?"): named
    #: when a member fits this clearly.
    second_look: float = 0.75
    #: A lesson note is offered.
    lesson: float = 2.0
    #: Named only when within this of the best match.
    close: float = 1.0
    #: The thresholds rise by this share of how well the question matches the nearest kind
    #: of help of the knowledge file (a name or a situation, on the same scale): a question
    #: that plainly asks for a kind of help ("wie kan mijn piano stemmen?") needs a member
    #: who matches nearly that well too (a member linked to that kind does), not one who
    #: merely shares a word ("pianoles"). Measured: separates the unanswerable requests from
    #: the answerable ones better than the member's score alone, and as a share it carries
    #: over between models (USE's scores reach higher than e5's). 0.8 until the lexical weight
    #: fell to 1.0 (SearchConfig); with it, 0.75 names more answerable requests (dev named nl
    #: .908 -> .960, en .906 -> .943; blind neighbourhood set nl .846 -> .942) at the same
    #: share of unanswerable ones named nobody (.946).
    relative: float = 0.75
    #: ... but a question that lands on a kind of help no member is linked to, and within
    #: this of a kind a member *is* linked to, asks for that kind about as much (the nearest
    #: kind of "de muren zijn vergeeld, ik krijg mijn arm niet boven mijn hoofd" is masonry,
    #: painting a close second): the threshold rises by the covered kind's score instead.
    #: Off (0). At 0.5 the dev sets gained (named nl .874 -> .914, first nl .695 -> .713,
    #: unanswerable named nobody .865 unchanged), but the test half lost what matters more:
    #: unanswerable requests named nobody .816 -> .763 (named nl .919 -> .944).
    covered_margin: float = 0.0


@dataclass(frozen=True)
class SearchConfig:
    """How :class:`Search` scores. The defaults are what the bot runs; see bench/search.py
    (latency, memory) and bench/understanding.py (quality through this class)."""

    #: Units on the query scale for a full lexical match (0 turns the lexical signal off).
    #: At 1.5 one shared word ("wandelschoenen" in "wandelen") could lift an unrelated
    #: member over the naming threshold: lowered to 1.0, the dev sets' unanswerable
    #: requests named nobody .919 -> .946 (at ``Thresholds.relative`` .75), rankings within
    #: .01; below 1.0 typos and rare words lose (R@1 falls).
    lexical_weight: float = 1.0
    #: An about text counts this much less than a skill.
    about_offset: float = 0.5
    #: ... and this much less again in the order, not in whether a member is named: an
    #: about text is a whole sentence, and a sentence-long question is near it by its style
    #: ("Two printers in my living room, send me your broken plastic bits" came first for a
    #: dripping tap, before the plumber). Dev: R@1 campus .820 -> .870, harbour .863 ->
    #: .887, expertise .590 -> .620, village .840 -> .850, first named nl neighbourhood
    #: .827 -> .846; named and "nobody" the same on all ten sets, the rest within .004. The
    #: same 1.0 on both (about_offset 1.5) named fewer: neighbourhood .938 -> .912.
    about_order_offset: float = 1.0
    #: Hubs: a member text counts this much less per standard deviation of hubness (how near
    #: it is to many typical questions, kennis.reference.Reference.hubness), so a broad skill
    #: ("klussen in huis") does not win every question it is vaguely near.
    hub_offset: float = 0.25
    #: Everyday-help knowledge as extra evidence (kennis/data/everyday_help.toml).
    knowledge: bool = True
    #: A situation (or another name) of a linked kind of help counts this much less than the
    #: member's own words.
    knowledge_offset: float = 0.5
    #: A need the member was seen to meet (a contact accepted, a pledge done: learned from
    #: outcomes) counts this much less than the member's own words.
    learned_offset: float = 0.5
    #: Whether a member linked to a kind of help is also linked to the kinds its helpers
    #: usually do too (``done_by`` in the knowledge file: a plumber, the blocked drain).
    done_by: bool = True
    #: ... counting this much less than a kind the member's skill is linked to itself.
    done_by_offset: float = 0.25
    #: Whether the names of a linked kind count as evidence too, besides its situations.
    knowledge_names: bool = True
    #: A kind's score for a query: the mean of its best name and its best situation (True;
    #: both must fit) or the better of the two (False).
    kind_mean: bool = False
    #: ... or with the better of the two, a name counting this much less than a situation: a
    #: short name matches a long message on one shared word ("my car won't start, the battery
    #: is fine" is near "home battery" by name, near car repair by situation). Off (0): at
    #: 0.5 the dev sets gained (named .914/.906 -> .931/.925, professional R@1 .585 -> .623,
    #: nobody .865 -> .838), but on the test half unanswerable requests named nobody fell
    #: from .763 to .605: the name is what makes a plainly asked specialist kind ("piano
    #: stemmen") strong enough to keep a neighbour who shares a word out.
    name_offset: float = 0.0
    #: A skill links to a kind of help whose nearest name is at least this many standard
    #: deviations above the skill's mean cosine to all names ...
    link_min: float = 5.0
    #: ... and within this many of the skill's nearest kind; at most ``link_top`` kinds.
    link_margin: float = 0.5
    #: One: a second kind within the margin was more often a wrong guess ("telefoon
    #: instellen" also linked to phone repair, and was named for a cracked screen) than a
    #: second trade; what a helper of one kind also does is said by ``done_by`` in the file.
    #: Dev: unanswerable named nobody .865 -> .919 (everyday), named nl .903 -> .899.
    link_top: int = 1
    #: A skill whose words fit two kinds about equally ("netwerk bouwen": printers and wifi,
    #: or networking) links to the one the member's other words fit too, by this share of
    #: their closeness, among the kinds within ``link_context_margin`` of the nearest that
    #: the skill could link to on its own (kennis.knowledge.link_kinds; 0: the nearest,
    #: whatever the rest says). Measured against 0, the rest as it is: dev (17 sets) R@1
    #: .820 -> .822, first named en .777 -> .783, unanswerable named nobody .864 -> .872,
    #: named .924 -> .923, unaddressed right first .689 -> .687; check sets R@1 .906 -> .917,
    #: first named en .895 -> .904, named and nobody unchanged, unaddressed right first .751
    #: -> .729. The professional dev set loses R@1 .849 -> .840. Any kind within the margin
    #: (not only those the skill could link to alone) lost links instead of choosing one:
    #: "groene daken en gevelbeplanting" went to the green-roof kind, below the bar, and
    #: linked to nothing (professional .830). At 0.3 the demo's initiator still linked to
    #: printers; at 0.6 check named fell to .899.
    link_context: float = 0.5
    link_context_margin: float = 1.0
    #: A skill that names a school subject also links to the nearest kind naming it when it
    #: is this close (a language or instrument: ``link_min``). A bare "natuurkunde" is 5.0
    #: from the physics tutoring kind, "biologie" 4.8, "physics" 3.9; a language named in a
    #: skill may be a cuisine: "Spaans koken" is 4.7 from the Spanish interpreters.
    subject_link_min: float = 3.5
    #: A linked kind counts this much less per standard deviation its skill is further from
    #: the kind's names than ``LINK_FULL`` (a skill that is plainly that kind of help is
    #: better evidence than one that merely leans towards it; it also orders members who
    #: share a kind).
    knowledge_closeness: float = 0.0
    #: How much of a linked kind's lead over the member's own words counts in the order
    #: (1: the best of the two, as if the kind were the member's own words; whether a member
    #: is named goes by the best of the two either way, see Search._member_scores). At 0.9
    #: members who share a kind keep the order of their own words: dev R@1 everyday .784 ->
    #: .796, professional .802 -> .830, neighbourhood .810 -> .860, first named nl .707 ->
    #: .724, the share named unchanged.
    knowledge_share: float = 0.9
    #: ... and at least this many standard deviations of unrelated names' cosines (the
    #: reference's spread) closer to the kind's name than that name's nearest names of other
    #: kinds are (kennis.knowledge.link_kinds; -inf: not checked).
    link_lead: float = float("-inf")
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
    fallback_margin: float = 0.5
    #: A lesson's items ("note": the whole note; "split": also title, text and tags on their
    #: own) and how they pool ("max" or "mean").
    lesson_views: str = "note"
    #: A seed lesson's questions (kennis/lessons/seed_*.toml) count as its items too, but only
    #: for a message read as a lesson question (and for ``/les``): any question lands near
    #: them, so counted for every message, "wie kan mijn piano stemmen?" got "Bouw op talenten"
    #: under its nobody-fits answer (tests/handlers/test_understanding_chat.py).
    lesson_questions: bool = True
    #: ... read as one: at least this likely a lesson question (kennis.understanding). Measured
    #: on the dev sets (e5-sym): right lesson first .65 (never) -> .71 (when the intent is
    #: "lesson") -> .74 (at .1), members unchanged.
    lesson_question_likely: float = 0.1
    #: A lesson scores the mean of its best this many items (its note and its questions),
    #: not its single best: one stray question close to any message made a lesson win far
    #: from its subject. Measured on the dev sets' lesson questions (e5-sym), right lesson
    #: first, everyday .742 -> .839, allotment .467 -> .533 (1: .742 / .467, 2: .839 / .500,
    #: 3: .839 / .533); with 12 questions per lesson instead of 4, 3 gave .839 / .567 and
    #: 4 and 5 no better.
    lesson_top: int = 3
    #: Intent decisions (kennis.understanding).
    understanding: UnderstandingConfig = field(default_factory=UnderstandingConfig)
    #: Where the vectors of the bundled knowledge and intent examples are kept between runs
    #: (kennis.vector_files); None: only in this process and in the database.
    vector_dir: Path | None = None


@dataclass(frozen=True)
class MemberMatch:
    member: Member
    score: float
    why: str  # the member's skill (or offer text) that matched best
    source: Source = "skill"
    via: str | None = None  # the kind of help, when the match came through the knowledge file


@dataclass(frozen=True)
class LessonMatch:
    lesson: Lesson
    score: float


@dataclass(frozen=True)
class Answer:
    query: str
    members: list[MemberMatch]
    lessons: list[LessonMatch]
    #: The members the chat names, best first; empty: "nobody fits yet".
    named: list[MemberMatch] = field(default_factory=list)
    reading: Reading | None = None

    @property
    def intent(self) -> Intent | None:
        return self.reading.intent if self.reading is not None else None


@dataclass(frozen=True)
class Response:
    """What the chat does with a message (:meth:`Search.respond`).

    ``action``: ``answer`` (name ``answer.named``, or say kindly that nobody fits yet and
    offer to post a call for ``reading.topic``), ``ask_back`` ("Bedoel je: wie kan helpen met
    '{reading.topic}'?"), ``lesson`` (``answer.lessons``), ``pledge``, ``thanks``,
    ``greeting``, ``other`` (spoken to, not a request: no names), or ``silent``.
    """

    action: Action
    reading: Reading
    answer: Answer | None


#: A sync of at least this many members hands the heap it freed back to the system.
RELEASE_AFTER = 1000


def release_freed_memory() -> bool:
    """Return freed heap pages to the system (glibc's ``malloc_trim``): building the index
    for thousands of members frees many small temporaries that would otherwise stay in the
    process's resident size (measured at 10k members: see bench/search.py). False where
    there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.malloc_trim(0))


def close_to_best(matches: list[MemberMatch], margin: float | None = None) -> list[MemberMatch]:
    """Keep the matches within ``margin`` (default ``Thresholds.close``) of the best score:
    after one clear fit, a tail of much weaker ones is noise to the asker (and needless
    invitations to those people)."""
    if not matches:
        return matches
    margin = Thresholds.close if margin is None else margin
    best = max(m.score for m in matches)
    return [m for m in matches if m.score >= best - margin]


@dataclass(frozen=True)
class _Scored:
    """One query's scores: per matrix row (``-inf`` outside the candidates when
    ``truncated``) on the query's scale, the kinds of help, the query vector and the lexical
    scores of every row."""

    query: str
    vector: np.ndarray
    scale: QueryScale
    kinds: np.ndarray
    known: np.ndarray
    lexical: np.ndarray | None
    text: np.ndarray
    truncated: bool
    tail: float  # lowest score among the candidates (when truncated)

    @cached_property
    def asked(self) -> int:
        """What the query asks for that is exact (kennis.exact.asked_in): read once, for the
        naming bar and the ranking alike (a handful of regex passes)."""
        return asked_in(self.query)


@dataclass(frozen=True)
class _Item:
    """What an item of a member is, for the "why" line."""

    source: Source
    why: str
    via: str | None = None


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
        if self.config.lexical_weight < 0:
            raise ValueError("lexical_weight must be >= 0")
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
        # The knowledge file and the intent examples: a small matrix of their own, scored in
        # full for every query (the scale, the kinds of help, the intent).
        self._reference = Reference(
            VectorCache(embedder, storage.embeddings, lexical=False, coarse_min_rows=None),
            vector_dir=self.config.vector_dir,
        )
        self._reference.with_names = self.config.knowledge_names
        self._reference.pool = "mean" if self.config.kind_mean else "max"
        self._reference.name_offset = self.config.name_offset
        self._members = ItemIndex()
        self._lessons = ItemIndex()
        self._kind_exact: np.ndarray | None = None
        # Records as of the last sync (the change feed covers every profile change), so an
        # answer needs no database round trip; what each member's items are, for "why".
        self._hub = np.zeros(0, dtype=np.float32)  # per member-cache row
        self._last_reference: (
            tuple[np.ndarray, tuple[QueryScale, np.ndarray, np.ndarray]] | None
        ) = None
        self._member_records: dict[int, Member] = {}
        self._member_items: dict[int, list[_Item]] = {}
        self._lesson_records: dict[int, Lesson] = {}
        #: Cache rows of seed lessons' questions (they count only for lesson questions).
        self._question_rows: set[int] = set()
        #: The lessons' item vectors (a copy of their matrix rows) and which items are seed
        #: questions, as of a version of the lesson index: gathered once, not per ask.
        self._lesson_view: tuple[int, np.ndarray, np.ndarray] | None = None
        self._seen_change = -1
        self._seen_version: int | None = None
        self._sync_lock = asyncio.Lock()
        self.stats = {"queries": 0, "exact_fallbacks": 0, "encodes": 0}
        #: Called with each ask's duration in seconds (the runtime records it as a metric;
        #: kennis itself knows nothing of monitoring).
        self.on_ask: Callable[[float], None] | None = None

    # -- keeping in step ----------------------------------------------------------------------
    async def sync(
        self, progress: Progress | None = None, *, storage: Storage | None = None
    ) -> int:
        """Apply what changed since the last sync (everything, the first time).

        ``storage``: read through this one, e.g. bound to the unit of work of the event being
        answered, so keeping in step costs that event no transaction of its own."""
        async with self._sync_lock:
            # Nothing committed since the last look (any connection, any process): skip the
            # change-feed query. A commit after this probe changes it for the next call.
            version = self._data_version()
            if version is not None and version == self._seen_version and self._seen_change >= 0:
                return 0
            await self._reference.load()
            store = storage or self._storage
            if self._seen_change < 0:
                latest = await store.changes.latest()
                member_ids = await store.members.ids()
                lesson_ids = await store.lessons.ids()
            else:
                changes = await store.changes.since(self._seen_change)
                if not changes:
                    self._seen_version = version
                    return 0
                latest = changes[-1][0]
                member_ids = sorted({eid for _, kind, eid in changes if kind == "member"})
                lesson_ids = sorted({eid for _, kind, eid in changes if kind == "lesson"})
            await self._load_members(member_ids, progress, store)
            await self._load_lessons(lesson_ids, progress, store)
            self._seen_change = latest
            self._seen_version = version
            if len(member_ids) >= RELEASE_AFTER:
                release_freed_memory()
            return len(member_ids) + len(lesson_ids)

    def _data_version(self) -> int | None:
        db = getattr(self._storage, "db", None)
        probe = getattr(db, "data_version", None)
        return probe() if probe is not None else None

    async def _load_members(
        self, ids: list[int], progress: Progress | None, store: Storage | None = None
    ) -> None:
        if not ids:
            return
        store = store or self._storage
        # (cast: storage annotates with ``list`` inside a class that has a ``list`` method)
        records = cast("list[Member]", await store.members.get_many(ids))
        found = {m.id: m for m in records}
        keep = [found[i] for i in ids if i in found and found[i].active]
        learned = await store.learned.for_members(m.id for m in keep)
        labels = [_labels(m) + [need for need, _ in learned.get(m.id, ())] for m in keep]
        rows = await self._cache.rows_for([t for texts in labels for t in texts], progress=progress)
        for member_id in ids:
            self._members.remove(member_id)
            self._member_records.pop(member_id, None)
            self._member_items.pop(member_id, None)
        skill_rows = np.concatenate(
            [rows[at : at + len(m.skills)] for at, m in zip(_starts(labels), keep, strict=True)]
            or [np.zeros(0, dtype=np.intp)]
        )
        # A skill is linked by its words without an aside in brackets: see without_asides.
        skills = [skill for m in keep for skill in m.skills]
        plain = {i: without_asides(skill) for i, skill in enumerate(skills)}
        plain = {i: text for i, text in plain.items() if text != skills[i]}
        if plain:
            skill_rows = skill_rows.copy()
            skill_rows[list(plain)] = await self._cache.rows_for(list(plain.values()))
        links = (
            self._links(skill_rows, self._link_context(keep, rows, _starts(labels)))
            if len(skill_rows)
            else []
        )
        self._update_hubness()
        at = link_at = 0
        for member, texts in zip(keep, labels, strict=True):
            n = len(texts)
            member_rows, offsets, items = self._member_items_for(
                member,
                rows[at : at + n],
                links[link_at : link_at + len(member.skills)],
                learned.get(member.id, ()),
            )
            # An item's exact terms are those of the member's words it stands for.
            masks = with_own_languages(
                {
                    text: self._cache.exact_mask(int(row))
                    for text, row in zip(texts, rows[at : at + n], strict=True)
                }
            )
            if member_rows:
                self._members.put(
                    member.id,
                    np.asarray(member_rows, dtype=np.intp),
                    offsets,
                    network_id=member.network_id,
                    findable=member.findable,
                    invitable=member.invitable,
                    cell_id=member.cell_id,
                    exact=[masks.get(item.why, 0) for item in items],
                    order_offsets=[
                        -self.config.about_order_offset if item.source == "about" else 0.0
                        for item in items
                    ],
                )
                self._member_records[member.id] = member
                self._member_items[member.id] = items
            at += n
            link_at += len(member.skills)

    def _update_hubness(self) -> None:
        """Hubness of the cache rows added since the last call (rows are only appended)."""
        n, have = len(self._cache), len(self._hub)
        if n > have and self.config.hub_offset:
            fresh = self._reference.hubness(self._cache.matrix[have:n])
            self._hub = np.concatenate([self._hub, fresh.astype(np.float32)])

    def _hub_offset(self, row: int) -> float:
        if not self.config.hub_offset or row >= len(self._hub):
            return 0.0
        return -self.config.hub_offset * float(self._hub[row])

    def _link_context(
        self, members: list[Member], rows: np.ndarray, starts: list[int]
    ) -> np.ndarray | None:
        """Per skill of ``members`` (in order), the sum of the vectors of the member's other
        skills and about text (zeros for a member who said nothing else): what tells which
        kind of help an ambiguous skill means (SearchConfig.link_context). ``rows``: the cache
        rows of every member's texts, each member's from ``starts`` on (learned needs after a
        member's own words are left out: they are outcomes, not what the member said)."""
        if not self.config.link_context or not self.config.knowledge:
            return None
        matrix = self._cache.matrix
        labels = [_labels(m) for m in members]
        out = np.zeros((sum(len(m.skills) for m in members), matrix.shape[1]), dtype=np.float32)
        at = 0
        for start, member, own in zip(starts, members, labels, strict=True):
            texts = matrix[rows[start : start + len(own)]]
            if len(own) > 1:
                out[at : at + len(member.skills)] = texts.sum(axis=0) - texts[: len(member.skills)]
            at += len(member.skills)
        return out

    def _links(
        self, skill_rows: np.ndarray, context: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """Per skill (its cache row), the kinds of help it is linked to
        (kennis.knowledge.link_kinds); ``context``: see :meth:`_link_context`."""
        if not self.config.knowledge:
            return [[] for _ in range(len(skill_rows))]
        ref = self._reference
        kind_terms = self._kind_terms()
        sharing: list[tuple[np.ndarray, float] | None] = []
        for row in skill_rows.tolist():
            # Dutch or English alone ("Nederlandse teksten nakijken") is no exact subject.
            terms = asked_for(self._cache.exact_mask(int(row)))
            if not terms:
                sharing.append(None)
                continue
            bar = self.config.subject_link_min if terms & SUBJECTS else self.config.link_min
            sharing.append((((kind_terms & terms) != 0).astype(bool), bar))
        found = link_kinds(
            self._cache.matrix[skill_rows],
            ref.name_vectors,
            ref.name_kind,
            ref.n_kinds,
            top=self.config.link_top,
            min_closeness=self.config.link_min,
            margin=self.config.link_margin,
            name_radius=ref.name_radius if self.config.link_lead > -np.inf else None,
            min_lead=self.config.link_lead * ref.std,
            sharing=sharing,
            context=context,
            context_weight=self.config.link_context,
            context_margin=self.config.link_context_margin,
        )
        return [
            [(int(k), float(c)) for k, c in zip(f.kinds, f.closeness, strict=True)] for f in found
        ]

    def _member_items_for(
        self,
        member: Member,
        rows: np.ndarray,
        links: list[list[tuple[int, float]]],
        learned: Sequence[tuple[str, str]] = (),
    ) -> tuple[list[int], list[float], list[_Item]]:
        """A member's items: (score row, offset, what it is). Rows ``>= 0`` are texts, ``-(j +
        1)`` the ``j``-th kind of help. Learned evidence (needs the member was seen to meet,
        storage.repositories.learned) adds text rows after the skills and the about text, on
        the same query scale, with the skill it was met with as "why"."""
        out_rows: list[int] = []
        offsets: list[float] = []
        items: list[_Item] = []
        n_skills = len(member.skills)
        for i, skill in enumerate(member.skills):
            out_rows.append(int(rows[i]))
            offsets.append(self._hub_offset(int(rows[i])))
            items.append(_Item("skill", skill))
        if member.about:
            out_rows.append(int(rows[n_skills]))
            offsets.append(-self.config.about_offset + self._hub_offset(int(rows[n_skills])))
            items.append(_Item("about", member.about))
        # Per linked kind, the skill that is closest to it.
        closest: dict[int, tuple[float, str]] = {}
        kind_terms = self._kind_terms()
        for i, (skill, skill_links) in enumerate(zip(member.skills, links, strict=True)):
            terms = self._cache.exact_mask(int(rows[i]))
            for kind, closeness in skill_links:
                if terms and conflicting(terms, int(kind_terms[kind])):
                    continue
                if kind not in closest or closeness > closest[kind][0]:
                    closest[kind] = (closeness, skill)
        # A kind the helpers of a linked kind do too counts as linked, as closely as the kind
        # that does it, a little less (a plumber's skill finds "the drain is blocked", after
        # a member whose own skill is unblocking drains).
        inherited: dict[int, tuple[float, str]] = {}
        if self.config.done_by:
            for kind, found in closest.items():
                for narrower in self._reference.narrower[kind]:
                    if narrower not in closest and (
                        narrower not in inherited or found[0] > inherited[narrower][0]
                    ):
                        inherited[narrower] = found
        kinds = self._reference.kinds
        weight = self.config.knowledge_closeness
        n_kinds = len(kinds)
        for links_of, extra, at in (
            (closest, 0.0, 0),
            (inherited, self.config.done_by_offset, n_kinds),  # see _extra_scores
        ):
            for kind, (closeness, skill) in links_of.items():
                out_rows.append(-(at + kind + 1))
                offsets.append(
                    -self.config.knowledge_offset
                    - extra
                    + weight * (min(closeness, LINK_FULL) - LINK_FULL)
                )
                items.append(_Item("knowledge", skill, kinds[kind].name(member.language)))
        first_learned = n_skills + (1 if member.about else 0)
        for j, (_need, skill) in enumerate(learned):
            out_rows.append(int(rows[first_learned + j]))
            offsets.append(-self.config.learned_offset)
            items.append(_Item("learned", skill))
        return out_rows, offsets, items

    async def _load_lessons(
        self, ids: list[int], progress: Progress | None, store: Storage | None = None
    ) -> None:
        if not ids:
            return
        found = [x for x in await (store or self._storage).lessons.get_many(ids)]
        views = [_lesson_texts(x, self.config.lesson_views) for x in found]
        asked = [
            list(seed_questions().get(x.title, ())) if self.config.lesson_questions else []
            for x in found
        ]
        texts = [v + q for v, q in zip(views, asked, strict=True)]
        rows = await self._cache.rows_for([t for ts in texts for t in ts], progress=progress)
        for lesson_id in ids:
            self._lessons.remove(lesson_id)
            self._lesson_records.pop(lesson_id, None)
        at = 0
        for lesson, ts, q in zip(found, texts, asked, strict=True):
            self._lessons.put(
                lesson.id, rows[at : at + len(ts)], [0.0] * len(ts), network_id=lesson.network_id
            )
            self._lesson_records[lesson.id] = lesson
            self._question_rows.update(int(r) for r in rows[at + len(ts) - len(q) : at + len(ts)])
            at += len(ts)

    # -- understanding ------------------------------------------------------------------------
    @property
    def understands(self) -> bool:
        """Whether the intent classifier is trained (:meth:`prepare`)."""
        return self._reference.classifier is not None

    async def prepare(self) -> None:
        """Train the intent classifier, once per process (a few seconds of CPU on the event
        loop: the examples and the knowledge file's situations). ``vonk run`` calls it at
        start, so that the first message after a restart is not the one that waits, with
        every message queued behind it."""
        ref = self._reference
        if ref.classifier is not None:
            return
        await ref.load()
        examples = load_intent_examples()
        await ref.load_intents(
            [need(t) for t in examples.texts],
            l2=self.config.understanding.l2,
            situations=self.config.understanding.situations,
            length_cues=self.config.understanding.length_cues,
            classifier=self.config.understanding.classifier,
        )

    async def read(
        self, text: str, *, direct: bool, addressed: bool = False, storage: Storage | None = None
    ) -> Reading:
        """What ``text`` is and what to do with it; embeds its need once (the vector travels
        with the reading to :meth:`ask`). ``storage``: see :meth:`sync`."""
        await self.sync(storage=storage)
        ref = self._reference
        await self.prepare()
        assert ref.classifier is not None
        wanted = need(text)
        vector = self._encode(wanted)
        probabilities = ref.classifier.probabilities(
            vector, wanted, self._read_reference(vector)[2]
        )
        return decide(
            text,
            vector,
            probabilities,
            direct=direct,
            addressed=addressed,
            config=self.config.understanding,
            wanted=wanted,
        )

    async def respond(
        self,
        text: str,
        *,
        network_id: int,
        asker: Member | None = None,
        direct: bool,
        addressed: bool = False,
        limit: int = 5,
        storage: Storage | None = None,
    ) -> Response:
        """Read a message and, when it is a help request (or a lesson question), search: one
        encode. An unaddressed group line is answered only when someone fits clearly.
        ``storage``: see :meth:`sync`."""
        reading = await self.read(text, direct=direct, addressed=addressed, storage=storage)
        action = reading.action
        if action == "answer" and reading.framing_only:
            return Response(action, reading, None)  # "wie kan mij helpen?": asked what for
        if action in ("answer", "lesson") or (action == "ask_back" and reading.intent == "help"):
            # Kept in step a moment ago by read(), with nothing awaited since: no second probe.
            answer = await self.ask(
                reading, network_id=network_id, asker=asker, limit=limit, synced=True
            )
            return Response(_settled(reading, answer), reading, answer)
        return Response(action, reading, None)

    async def respond_to(
        self,
        response: Response,
        *,
        network_id: int,
        asker: Member | None,
        limit: int = 5,
        storage: Storage | None = None,
    ) -> Response:
        """The response to a message read before its sender was known (bot.reading: an
        unaddressed group line is read to decide whether it needs an answer at all), now
        for that sender: same vector, no encode. Asked by the one member who fits, the line
        needs no answer after all."""
        if response.answer is None:
            return response
        answer = await self.ask(
            response.reading, network_id=network_id, asker=asker, limit=limit, storage=storage
        )
        return Response(_settled(response.reading, answer), response.reading, answer)

    # -- asking ---------------------------------------------------------------------------------
    async def ask(
        self,
        query: str | Reading,
        *,
        network_id: int,
        asker: Member | None = None,
        limit: int = 5,
        lessons: int = 2,
        min_score: float | None = None,
        storage: Storage | None = None,
        synced: bool = False,
        exclude: Collection[int] = (),
        close_to: float | None = None,
    ) -> Answer:
        """Findable members and lessons for the question (a text, or a :class:`Reading`
        whose vector is reused), best first.

        ``named`` holds the members a chat answer names: above the threshold (the stricter
        group one for an unaddressed reading) and close to the best; empty means nobody fits.
        ``members`` is the same list by default; with an explicit ``min_score`` (on the query
        scale, see :class:`Thresholds`) it is the whole ranking above it (for evaluation and
        operators). ``synced``: the caller has just kept the index in step (see :meth:`sync`),
        with nothing awaited since. ``exclude`` and ``close_to``: the members already named
        for this question and the best score among them ("anyone else?"): the others are
        named only when they were as close to that best as the named ones had to be (without
        the best, the next in line is often a weak match the best had kept out)."""
        started = time.perf_counter()
        reading = query if isinstance(query, Reading) else None
        scored = await self._score(query, storage, synced=synced)
        threshold = self._named_threshold(
            scored, reading, network_id=network_id, consent="findable"
        )
        ranked = self._rank_members(
            scored,
            network_id=network_id,
            consent="findable",
            limit=limit,
            exclude={*exclude, *([asker.id] if asker else [])},
            prefer_cell=asker.cell_id if asker else None,
            min_score=threshold if min_score is None else min(min_score, threshold),
        )
        named = close_to_best([m for m in ranked if m.score >= threshold], self.thresholds.close)
        if close_to is not None:
            named = [m for m in named if m.score >= close_to - self.thresholds.close]
        members = named
        if min_score is not None:
            members = [m for m in ranked if m.score >= min_score]
        found_lessons = self._rank_lessons(
            scored,
            network_id,
            lessons,
            self.thresholds.lesson if min_score is None else min_score,
            questions=reading is not None
            and (
                reading.intent == "lesson"
                or reading.probabilities.get("lesson", 0.0) >= self.config.lesson_question_likely
            ),
        )
        if self.on_ask is not None:
            self.on_ask(time.perf_counter() - started)
        return Answer(scored.query, members, found_lessons, named, reading)

    def _named_threshold(
        self, scored: _Scored, reading: Reading | None, *, network_id: int, consent: str
    ) -> float:
        """The score a member needs to be named for this query (see :class:`Thresholds`)."""
        t = self.thresholds
        if reading is not None and reading.action == "ask_back":
            base = t.second_look
        else:
            base = t.member
            if reading is not None and not reading.spoken_to:
                sure = reading.help_probability >= self.config.understanding.group
                base = t.group if sure else t.group_unsure
        # How well the question matches the nearest kind of help (a name, or a situation).
        name = float(scored.known[0]) * 5.0 - self.config.name_offset
        nearest = max(name, float(np.max(scored.kinds, initial=0.0)))
        # A kind for another language or instrument still sets the bar: "wie kan Tamil
        # tolken?" asks for an interpreter as plainly as the Arabic interpreters' kind says
        # (measured: ruling such kinds out here too named a hospital driver for it). Unless
        # the file has a kind for what is asked: "komt uit Syrië en spreekt nog geen
        # Nederlands" is measured against the Arabic interpreters, not the Dutch practice.
        asked = scored.asked
        if asked and self.config.knowledge:
            terms = self._kind_terms()
            fitting = ~mismatched(asked, terms, strict=False)
            if ((terms & asked) != 0).astype(bool).any():
                nearest = float(np.max(scored.kinds[fitting], initial=0.0))
        if t.covered_margin > 0 and self.config.knowledge and len(self._members):
            covered = self._members.extras_covered(
                len(scored.kinds), network_id=network_id, consent=consent
            )
            best_covered = float(np.max(scored.kinds[covered], initial=-np.inf))
            if nearest - t.covered_margin <= best_covered < nearest:
                nearest = best_covered
        return base + t.relative * max(0.0, nearest)

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
        scored = await self._score(text)
        return close_to_best(
            self._rank_members(
                scored,
                network_id=network_id,
                consent="invitable",
                limit=limit,
                exclude=set(exclude),
                prefer_cell=prefer_cell,
                min_score=self._named_threshold(
                    scored, None, network_id=network_id, consent="invitable"
                ),
            ),
            self.thresholds.close,
        )

    async def similarity(self, query: str, texts: list[str]) -> list[float]:
        """How close each text is to the query in meaning (e.g. open calls to a profile)."""
        rows = await self._cache.rows_for(texts)
        q = await asyncio.to_thread(self._cache.encode_query, query)
        self.stats["encodes"] += 1
        return [float(x) for x in self._cache.matrix[rows] @ q]

    async def unrelated(self) -> tuple[float, float]:
        """The model's mean cosine between unrelated short texts and its spread
        (kennis.reference): the scale on which a closeness from :meth:`similarity` stands out
        from chance, whatever the model (e5's cosines spread about four times less than
        USE's)."""
        await self._reference.load()
        return self._reference.mean, self._reference.std

    async def lessons(self, query: str, *, network_id: int, limit: int = 5) -> list[LessonMatch]:
        return self._rank_lessons(
            await self._score(query), network_id, limit, self.thresholds.lesson, questions=True
        )

    # -- scoring --------------------------------------------------------------------------------
    def _encode(self, text: str) -> np.ndarray:
        self.stats["encodes"] += 1
        return self._cache.encode_query(text)

    async def _score(
        self, query: str | Reading, storage: Storage | None = None, *, synced: bool = False
    ) -> _Scored:
        """Sync, embed the query (unless a reading brings its vector), score the texts.

        The query is embedded on the event loop, not in a worker thread: one short text takes
        a few ms, mostly holding the GIL, and measured at 10k members (bench/search.py) the
        thread hand-off cost more (~0.4 ms per ask) than overlapping it with the sync check
        and the lexical scoring saved. Indexing (long batches) does use a worker thread.
        After ``sync()`` no passage encode of this search holds the model's lock.
        ``storage``: see :meth:`sync`; ``synced``: the caller has just synced.
        """
        if not synced:
            await self.sync(storage=storage)
        if isinstance(query, Reading):
            text, vector = query.need, query.vector
        else:
            text = need(query)
            vector = self._encode(text)
        self.stats["queries"] += 1
        scale, kinds, known = self._read_reference(vector)
        return self._score_texts(text, vector, scale, kinds, known)

    def _read_reference(self, vector: np.ndarray) -> tuple[QueryScale, np.ndarray, np.ndarray]:
        """The reference's reading of a query vector, kept for the vector last read (a
        message is read, then searched, with the same vector)."""
        last = self._last_reference
        if last is not None and last[0] is vector:
            return last[1]
        found = self._reference.read(vector)
        self._last_reference = (vector, found)
        return found

    def _lexical_scores(self, query: str) -> np.ndarray | None:
        lexical = self._cache.lexical
        return lexical.scores(topic(query)) if lexical is not None and len(self._cache) else None

    def _blend(
        self, cosine: np.ndarray, scale: QueryScale, lexical: np.ndarray | None
    ) -> np.ndarray:
        out = scale.labels(cosine)
        if lexical is not None:
            out += np.float32(self.config.lexical_weight) * lexical
        return out

    def _score_texts(
        self,
        query: str,
        vector: np.ndarray,
        scale: QueryScale,
        kinds: np.ndarray,
        known: np.ndarray,
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
            text = self._blend(cache.matrix @ vector, scale, lexical)
            return _Scored(query, vector, scale, kinds, known, lexical, text, False, -np.inf)
        assert cache.coarse is not None
        # The coarse score ranks like the cosine minus a per-query constant: same scale factor.
        approx = cache.coarse.scores(vector) * np.float32(1.0 / scale.label_std)
        if lexical is not None:
            approx += np.float32(self.config.lexical_weight) * lexical
        candidates = np.sort(np.argpartition(approx, n - c)[n - c :])
        exact_scores = self._blend(
            cache.matrix[candidates] @ vector,
            scale,
            None if lexical is None else lexical[candidates],
        )
        text = np.full(n, -np.inf, dtype=np.float32)
        text[candidates] = exact_scores
        return _Scored(
            query, vector, scale, kinds, known, lexical, text, True, float(exact_scores.min())
        )

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
        scores = joined(scored.text, self._extra_scores(scored, min_score))
        asked = scored.asked
        scores = self._mismatches_out(asked, scored, scores)
        drop = index.items_naming_other(asked)
        if asked and self.config.knowledge:
            # Item positions, each set to -inf: duplicates are harmless, and np.union1d's
            # hashing took ~3 ms here.
            drop = np.concatenate([drop, index.links_not_naming(asked, self._kind_terms())])
        best, gate = self._member_scores(scored, scores, drop)
        allowed = index.allowed(network_id=network_id, consent=consent)
        if exclude:
            allowed[index.segments(list(exclude))] = False
        allowed &= gate >= min_score
        candidates = np.flatnonzero(allowed)
        if (
            scored.truncated
            and len(candidates) < limit
            and (scored.tail >= min_score - self.config.fallback_margin)
        ):
            # The filters left too few: answer exactly over every text.
            self.stats["exact_fallbacks"] += 1
            exact = self._score_texts(
                scored.query,
                scored.vector,
                scored.scale,
                scored.kinds,
                scored.known,
                exact=True,
                lexical=scored.lexical,
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
            owner = int(index.owners[seg])
            member = self._member_records[owner]
            item = self._member_items[owner][index.best_item(int(seg), scores, drop)]
            out.append(MemberMatch(member, float(gate[seg]), item.why, item.source, item.via))
        return out

    def _mismatches_out(self, asked: int, scored: _Scored, scores: np.ndarray) -> np.ndarray:
        """A request that names a language or an instrument ("wie kan Tamil tolken?", "harp
        lessons") is not met by texts or kinds of help that name only other ones ("Arabisch
        tolken", "pianoles"): they score -inf for it, whatever the vectors say (kennis.exact).
        Languages, measured on the blind harbour dev set: unanswerable requests named nobody
        .800 -> .850; neighbourhood set first named en .821 -> .857; nothing else moved.
        An activity asked to be taught ("chess tutor") and a language asked to be translated
        ("een tolk Pools") are stricter: texts and kinds that do not name it score -inf too
        (kennis.exact.mismatched). A member's link to a kind counts only as far as the skill
        it came from: see
        ItemIndex.items_naming_other, applied in :meth:`_rank_members`."""
        if not asked:
            return scores
        rows, masks = self._cache.exact_terms()
        other_rows = rows[mismatched(asked, masks)]
        kinds = self._kind_terms()
        other_kinds = np.flatnonzero(mismatched(asked, kinds))
        if not len(other_rows) and not len(other_kinds):
            return scores
        out = scores.copy() if scores is scored.text else scores
        n_text = len(scored.text)
        out[other_rows[other_rows < n_text]] = -np.inf
        # Kind rows follow the texts in reverse (kennis.index.joined): kind j at -(j + 1),
        # once per block of extra scores (the kinds, then the kinds reached by done_by).
        n_kinds = len(kinds)
        for block in range(0, len(out) - n_text, n_kinds or 1):
            out[len(out) - 1 - (block + other_kinds)] = -np.inf
        return out

    def _kind_terms(self) -> np.ndarray:
        """Per kind of help, the languages, instruments and school subjects its names name
        (kennis.exact)."""
        kinds = self._reference.kinds
        if self._kind_exact is None or len(self._kind_exact) != len(kinds):
            self._kind_exact = np.array(
                [exact_terms(" / ".join(kind.all_names)) for kind in kinds], dtype=object
            )
        return self._kind_exact

    def _extra_scores(self, scored: _Scored, min_score: float = -np.inf) -> np.ndarray | None:
        """What the items that point at a kind of help score: per kind, how well the question
        matches it; then, for the kinds a member is linked to only by ``done_by``, the same
        for the kind the question lands on nearest and -inf for the rest. A done-by link is
        there for the question that plainly asks for that kind (the banking app, for the
        smartphone helper); counted for every loose match, it would make a broad helper
        (computers, odd jobs) the near-tie winner of any question.

        A kind below ``min_score`` is -inf too: its items (whose offsets are never positive)
        cannot bring a member up to it, and every member linked to it would otherwise be
        scored (at 10k members most of the per-member maximum's work)."""
        if not self.config.knowledge:
            return None
        kinds = scored.kinds
        if self.config.done_by:
            asked = np.where(kinds >= kinds.max(initial=-np.inf), kinds, -np.inf)
            kinds = np.concatenate([kinds, asked.astype(np.float32, copy=False)])
        c = self.config
        never_positive = min(c.knowledge_offset, c.done_by_offset, c.knowledge_closeness) >= 0
        if min_score > -np.inf and never_positive:
            kinds = np.where(kinds >= min_score, kinds, -np.inf).astype(np.float32, copy=False)
        return kinds

    def _member_scores(
        self, scored: _Scored, scores: np.ndarray, drop: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each member's order and score. The score, which decides whether a member is good
        enough to name, is their best item. The order is their best own words ("direct":
        skills, about text), lifted by ``knowledge_share`` of how much better a linked kind
        of help matches: members who share a kind keep the order of their own words (the
        smartphone helper before the laptop helper for a banking app on a phone), and a kind
        that matches a question only loosely does not outrank a member whose skill matches
        it well."""
        index = self._members
        share = self.config.knowledge_share
        if not self.config.knowledge or share >= 1.0 or len(scores) == len(scored.text):
            best = index.segment_scores(scores, drop)
            return best, best
        direct, via, ordered = index.segment_scores_split(scores, drop)
        gate = np.maximum(direct, via)
        direct = ordered  # the about text's further offset: the order only
        if scored.truncated:
            # Own words outside the candidates score below the weakest candidate.
            # (np.where, not a masked assignment: most members are unknown, and the mask
            # gather and scatter cost ~50 us at 10k members.)
            direct = np.where(np.isneginf(direct), np.minimum(np.float32(scored.tail), via), direct)
        # Own words that do not count for this request (_mismatches_out): the kind orders.
        kind_only = np.isneginf(direct) & np.isfinite(via)
        direct[kind_only] = via[kind_only]
        # Only where the kind leads (-inf minus -inf would be NaN, for members with neither).
        lead = np.subtract(via, direct, out=np.zeros_like(via), where=via > direct)
        return direct + np.float32(share) * lead, gate

    def _lesson_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The lesson items' vectors and whether each is a seed question, kept until a lesson
        changes (cache rows never change once added): gathering 700 rows of the text matrix
        per ask cost ~0.2 ms."""
        index = self._lessons
        view = self._lesson_view
        if view is None or view[0] != index.version:
            rows = index.item_rows
            is_question = np.isin(rows, np.fromiter(self._question_rows, dtype=np.intp))
            view = self._lesson_view = (index.version, self._cache.matrix[rows], is_question)
        return view[1], view[2]

    def _rank_lessons(
        self, scored: _Scored, network_id: int, limit: int, min_score: float, *, questions: bool
    ) -> list[LessonMatch]:
        """Lessons above ``min_score``, best first; ``questions``: whether the seed lessons'
        questions count (the message reads as a lesson question, see SearchConfig)."""
        index = self._lessons
        if limit <= 0 or not len(index):
            return []
        # Lessons are few: always scored exactly (they need not be among the candidates).
        # They are sentences: read on the sentence scale.
        vectors, is_question = self._lesson_vectors()
        item_scores = scored.scale.sentences(vectors @ scored.vector)
        if not questions and self._question_rows:
            item_scores[is_question] = -np.inf
        best = index.segment_top_means(item_scores, self.config.lesson_top)
        allowed = index.allowed(network_id=network_id) & (best >= min_score)
        candidates = np.flatnonzero(allowed)
        chosen = candidates[top_k(best[candidates], limit)]
        return [
            LessonMatch(self._lesson_records[int(index.owners[seg])], float(best[seg]))
            for seg in chosen
        ]


def _lesson_texts(lesson: Lesson, views: str = "note") -> list[str]:
    """A lesson's own items: the whole note ("note"), or also its title, its text and its tags
    each on their own ("split")."""
    if views == "note":
        out = [lesson.search_text]
    else:
        out = [lesson.search_text, lesson.title, lesson.text]
        if lesson.tags:
            out.append(", ".join(lesson.tags))
    return [t for t in out if t.strip()]


def _starts(labels: list[list[str]]) -> list[int]:
    """Offset of each member's first text in the flattened label list."""
    out, at = [], 0
    for texts in labels:
        out.append(at)
        at += len(texts)
    return out

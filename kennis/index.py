"""Vectors kept in step with the database, and the in-memory structures searched per query.

One matrix holds every *unique* text (skill phrases repeat a lot across members; lessons and
offers are texts too). Items (a member's skill, a member's offer, a lesson) point at rows of
that matrix. Vectors are stored in the database by model and text hash: a restart embeds
nothing it embedded before, and a new model starts from an empty cache.

Next to the matrix, kept in step row by row:

* a :class:`~kennis.lexical.LexicalIndex` over the same texts (the lexical signal blended
  with the cosine), appended to as new texts arrive;
* a :class:`CoarseProjection`: every row projected on the top principal components of the
  matrix (64 of 512 dimensions, small enough to stay in the CPU cache), for the first stage
  of a two-stage search. It is fitted once the matrix is big enough to need it, refitted when
  the matrix has doubled since, and otherwise extended with the new rows only.

The :class:`ItemIndex` is append-only with tombstones: changing a member appends their items
as a new segment and marks the old one dead, so a change costs O(that member's items) and
never a rebuild; the dead items are compacted away once they outnumber the live ones.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from kennis.embedding import Embedder, Kind
from kennis.exact import exact_terms, mismatched
from kennis.lexical import LexicalIndex
from storage.repositories.kennis import EmbeddingStore

Progress = Callable[[int, int], None]  # (done, total)

#: Texts per encode call while indexing. Encoding batch i+1 (worker thread) overlaps with
#: storing batch i (event loop), so indexing runs at the model's batch rate.
ENCODE_BATCH = 256
#: Dimensions of the coarse (first-stage) representation.
COARSE_DIM = 64
#: Rows sampled to fit the projection (enough for a stable 64-dim principal subspace).
FIT_SAMPLE = 16_384


def text_hash(text: str, kind: Kind = "passage") -> str:
    """Key of a text's vector; a text embedded as a query has a key of its own (asymmetric
    models embed the two differently)."""
    key = " ".join(text.split())
    if kind == "query":
        key = "\x00query\x00" + key
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def _grow(array: np.ndarray, needed: int) -> np.ndarray:
    """``array`` with room for at least ``needed`` rows (capacity doubles)."""
    if needed <= array.shape[0]:
        return array
    capacity = max(needed, 2 * array.shape[0], 1024)
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown


class CoarseProjection:
    """Rows projected on the top principal components: a cheap first-stage score.

    ``scores(q)[i] == (P.T @ q) . (P.T @ (x_i - mean))``, which ranks rows like the cosine
    ``q . x_i`` up to the part of ``x_i - mean`` outside the subspace (the constant
    ``q . mean`` does not change the order).
    """

    def __init__(self, dimension: int = COARSE_DIM) -> None:
        self.dimension = dimension
        self.basis: np.ndarray | None = None  # (d_model, dimension)
        self.mean: np.ndarray | None = None
        self.fitted_rows = 0
        self._z = np.zeros((0, dimension), dtype=np.float32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def ready(self) -> bool:
        return self.basis is not None

    def fit(self, matrix: np.ndarray) -> None:
        """Fit the subspace on (a spread sample of) ``matrix`` and project every row."""
        n, d = matrix.shape
        k = min(self.dimension, d)
        sample = matrix[:: max(1, n // FIT_SAMPLE)]
        mean = sample.mean(axis=0, dtype=np.float64)
        centred = (sample - mean).astype(np.float32)
        _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
        self.basis = np.ascontiguousarray(vectors[:, ::-1][:, :k], dtype=np.float32)
        self.mean = mean.astype(np.float32)
        self.fitted_rows = n
        self._size = 0
        self._z = np.zeros((0, k), dtype=np.float32)
        self.extend(matrix)

    def extend(self, matrix: np.ndarray) -> None:
        """Project the rows of ``matrix`` not projected yet (rows are only ever appended)."""
        assert self.basis is not None and self.mean is not None
        n = matrix.shape[0]
        if n <= self._size:
            return
        self._z = _grow(self._z, n)
        for start in range(self._size, n, 65_536):  # bounded temporaries
            stop = min(n, start + 65_536)
            np.matmul(matrix[start:stop] - self.mean, self.basis, out=self._z[start:stop])
        self._size = n

    def scores(self, q: np.ndarray) -> np.ndarray:
        assert self.basis is not None
        return self._z[: self._size] @ (q @ self.basis)


class VectorCache:
    """Unique texts -> rows of one growing float32 matrix, backed by the embeddings table.

    With ``lexical=True`` a :class:`LexicalIndex` over the same rows is kept in step; with
    ``coarse_min_rows`` set, a :class:`CoarseProjection` is maintained once the matrix has at
    least that many rows.
    """

    def __init__(
        self,
        embedder: Embedder,
        store: EmbeddingStore,
        *,
        lexical: bool = True,
        coarse_dim: int = COARSE_DIM,
        coarse_min_rows: int | None = 4096,
    ) -> None:
        self.embedder = embedder
        self._store = store
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((1024, embedder.dimension), dtype=np.float32)
        self._size = 0
        self._lock = asyncio.Lock()
        self.lexical: LexicalIndex | None = LexicalIndex() if lexical else None
        self.coarse: CoarseProjection | None = (
            CoarseProjection(coarse_dim) if coarse_min_rows is not None else None
        )
        self._coarse_min_rows = coarse_min_rows or 0
        # Rows whose text names a language, an instrument or a subject (kennis.exact): few,
        # kept as they are added.
        self._exact_rows: list[int] = []
        self._exact_masks: list[int] = []
        self._mask_of_row: dict[int, int] = {}
        self._exact: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def matrix(self) -> np.ndarray:
        return self._matrix[: self._size]

    def __len__(self) -> int:
        return self._size

    async def rows_for(
        self, texts: Sequence[str], *, progress: Progress | None = None, kind: Kind = "passage"
    ) -> np.ndarray:
        """Matrix rows for these texts, embedding (in a worker thread) only what is new."""
        hashes = [text_hash(t, kind) for t in texts]
        async with self._lock:
            missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in self._rows}
            if missing:
                await self._load(missing, progress, kind)
                self._update_coarse()
            return np.fromiter((self._rows[h] for h in hashes), dtype=np.intp, count=len(hashes))

    async def _load(
        self, missing: dict[str, str], progress: Progress | None, kind: Kind = "passage"
    ) -> None:
        model, dim = self.embedder.name, self.embedder.dimension
        stored = await self._store.get_many(model, list(missing))
        known = [
            (h, missing[h], np.frombuffer(blob, dtype=np.float32))
            for h, blob in stored.items()
            if len(blob) == 4 * dim
        ]
        if known:
            self._append(
                [h for h, _, _ in known],
                [t for _, t, _ in known],
                np.stack([v for _, _, v in known]),
            )
        todo = [(h, t) for h, t in missing.items() if h not in self._rows]
        done = 0

        async def keep(batch: list[tuple[str, str]], vectors: np.ndarray) -> None:
            nonlocal done
            await self._store.put_many(
                model, dim, {h: v.tobytes() for (h, _), v in zip(batch, vectors, strict=True)}
            )
            self._append([h for h, _ in batch], [t for _, t in batch], vectors)
            done += len(batch)
            if progress:
                progress(done, len(todo))

        # Pipeline: the worker thread encodes batch i+1 while the event loop stores batch i
        # (SQLite writes, lexical tokenising), so the model never waits for the database.
        previous: tuple[list[tuple[str, str]], np.ndarray] | None = None
        for start in range(0, len(todo), ENCODE_BATCH):
            batch = todo[start : start + ENCODE_BATCH]
            texts = [t for _, t in batch]
            encoding = asyncio.create_task(self._encode(texts, kind))
            try:
                if previous is not None:
                    await keep(*previous)
            finally:
                vectors = await encoding
            previous = (batch, vectors)
        if previous is not None:
            await keep(*previous)

    async def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        vectors = await asyncio.to_thread(self.embedder.encode, texts, kind=kind)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.embedder.dimension)

    def _append(self, hashes: Sequence[str], texts: Sequence[str], vectors: np.ndarray) -> None:
        fresh = [i for i, h in enumerate(hashes) if h not in self._rows]
        if len(fresh) < len(hashes):
            hashes = [hashes[i] for i in fresh]
            texts = [texts[i] for i in fresh]
            vectors = vectors[fresh]
        if not hashes:
            return
        n = len(hashes)
        self._matrix = _grow(self._matrix, self._size + n)
        self._matrix[self._size : self._size + n] = vectors
        for i, h in enumerate(hashes):
            self._rows[h] = self._size + i
        for i, text in enumerate(texts):
            if mask := exact_terms(text):
                self._exact_rows.append(self._size + i)
                self._exact_masks.append(mask)
                self._mask_of_row[self._size + i] = mask
                self._exact = None
        self._size += n
        if self.lexical is not None:
            self.lexical.add(texts)

    def exact_mask(self, row: int) -> int:
        """The kennis.exact terms of one row's text (0: none), read when it was added (the
        regex costs ~0.1 ms a text: not again per item)."""
        return self._mask_of_row.get(row, 0)

    def exact_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows whose text names a language, an instrument or a school subject, and which
        (kennis.exact masks)."""
        if self._exact is None:
            self._exact = (
                np.array(self._exact_rows, dtype=np.intp),
                np.array(self._exact_masks, dtype=object),  # wider than 64 bits
            )
        return self._exact

    def _update_coarse(self) -> None:
        coarse = self.coarse
        if coarse is None or self._size < self._coarse_min_rows:
            return
        if not coarse.ready or self._size >= 2 * coarse.fitted_rows:
            coarse.fit(self.matrix)
        else:
            coarse.extend(self.matrix)

    @property
    def two_stage_ready(self) -> bool:
        """Whether the coarse projection covers every row (else search brute force)."""
        return self.coarse is not None and self.coarse.ready and len(self.coarse) == self._size

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.encode([text], kind="query")[0], dtype=np.float32)


class ItemIndex:
    """Owners (members or lessons) with scored items pointing at cache rows.

    An item is a row of the score vector a query produces (one score per unique text) plus an
    additive ``offset`` on that scale (an offer text counts a little less than a skill, a
    situation from the knowledge file less than the member's own words). A negative row
    ``-(j + 1)`` points at the ``j``-th *extra* score instead (the kinds of help of the
    knowledge file): :func:`joined` puts them behind the text scores, so one gather serves
    both.

    Storage is append-only: :meth:`put` appends the owner's items as a new *segment* (and
    marks the owner's previous segment dead), :meth:`remove` marks it dead. Per segment the
    index keeps the owner's network, consent flags and cell, so filtering is vectorised too.
    A query gathers the score of every item, adds its offset and takes the best per segment
    with one ``np.maximum.reduceat``; dead segments score ``-inf``.
    """

    def __init__(self) -> None:
        self._item_rows = np.zeros(0, dtype=np.intp)
        self._item_offsets = np.zeros(0, dtype=np.float32)
        # Per item, a further offset that counts in the order only, not in whether the owner
        # is good enough (see segment_scores_split).
        self._item_order = np.zeros(0, dtype=np.float32)
        self._item_segment = np.zeros(0, dtype=np.intp)
        # Per item, what exact terms its own words name (kennis.exact), as an index into
        # ``_terms`` (0: none, most items): an item that reaches a kind of help through a
        # skill keeps the skill's terms. Few distinct masks, so 4 bytes an item.
        self._item_term = np.zeros(0, dtype=np.int32)
        self._terms: list[int] = [0]
        self._term_of: dict[int, int] = {0: 0}
        self._n_items = 0
        self._starts = np.zeros(0, dtype=np.intp)
        self._owner = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._network = np.zeros(0, dtype=np.int64)
        self._findable = np.zeros(0, dtype=bool)
        self._invitable = np.zeros(0, dtype=bool)
        self._cell = np.zeros(0, dtype=np.int64)
        self._n_segments = 0
        self._segment_of: dict[int, int] = {}
        self._dead_items = 0
        self._version = 0  # bumped on every change: invalidates _allowed_cache
        self._allowed_cache: dict[tuple[int | None, str | None], tuple[int, np.ndarray]] = {}
        self._extras_cache: dict[tuple[str, int, int | None, str | None], tuple[int, np.ndarray]]
        self._extras_cache = {}
        self._grid: tuple[tuple[int, int], np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._segment_of)

    def __contains__(self, owner_id: int) -> bool:
        return owner_id in self._segment_of

    def put(
        self,
        owner_id: int,
        rows: np.ndarray,
        offsets: Sequence[float] | np.ndarray,
        *,
        network_id: int = 0,
        findable: bool = True,
        invitable: bool = True,
        cell_id: int | None = None,
        exact: Sequence[int] | None = None,
        order_offsets: Sequence[float] | None = None,
    ) -> None:
        """``exact``: per item, the kennis.exact terms of the owner's words it stands for;
        ``order_offsets``: per item, a further offset for the order alone."""
        self.remove(owner_id)
        n = len(rows)
        if n == 0:
            return
        self._maybe_compact()
        at, seg = self._n_items, self._n_segments
        self._item_rows = _grow(self._item_rows, at + n)
        self._item_offsets = _grow(self._item_offsets, at + n)
        self._item_order = _grow(self._item_order, at + n)
        self._item_order[at : at + n] = order_offsets if order_offsets is not None else 0.0
        self._item_segment = _grow(self._item_segment, at + n)
        self._item_term = _grow(self._item_term, at + n)
        self._item_term[at : at + n] = [self._term(m) for m in exact] if exact else 0
        self._item_rows[at : at + n] = rows
        self._item_offsets[at : at + n] = offsets
        self._item_segment[at : at + n] = seg
        self._n_items = at + n
        for name in ("_starts", "_owner", "_alive", "_network", "_findable", "_invitable", "_cell"):
            setattr(self, name, _grow(getattr(self, name), seg + 1))
        self._starts[seg] = at
        self._owner[seg] = owner_id
        self._alive[seg] = True
        self._network[seg] = network_id
        self._findable[seg] = findable
        self._invitable[seg] = invitable
        self._cell[seg] = -1 if cell_id is None else cell_id
        self._n_segments = seg + 1
        self._segment_of[owner_id] = seg
        self._version += 1

    def remove(self, owner_id: int) -> None:
        seg = self._segment_of.pop(owner_id, None)
        if seg is not None:
            self._alive[seg] = False
            self._dead_items += len(self._segment_items(seg))
            self._version += 1

    def _segment_items(self, seg: int) -> range:
        stop = self._starts[seg + 1] if seg + 1 < self._n_segments else self._n_items
        return range(int(self._starts[seg]), int(stop))

    def _maybe_compact(self) -> None:
        """Drop dead segments once they hold more items than the live ones (amortised O(1))."""
        if self._dead_items < max(4096, self._n_items - self._dead_items):
            return
        ns, ni = self._n_segments, self._n_items
        sizes = np.diff(np.append(self._starts[:ns], ni))
        alive = self._alive[:ns]
        keep_items = np.repeat(alive, sizes)
        self._item_rows = self._item_rows[:ni][keep_items].copy()
        self._item_offsets = self._item_offsets[:ni][keep_items].copy()
        self._item_order = self._item_order[:ni][keep_items].copy()
        self._item_term = self._item_term[:ni][keep_items].copy()
        self._n_items = len(self._item_rows)
        live_sizes = sizes[alive]
        self._starts = np.concatenate(([0], np.cumsum(live_sizes)[:-1])).astype(np.intp)
        for name in ("_owner", "_network", "_findable", "_invitable", "_cell"):
            setattr(self, name, getattr(self, name)[:ns][alive].copy())
        self._n_segments = len(self._starts)
        self._item_segment = np.repeat(np.arange(self._n_segments), live_sizes).astype(np.intp)
        self._alive = np.ones(self._n_segments, dtype=bool)
        self._segment_of = {int(o): i for i, o in enumerate(self._owner)}
        self._dead_items = 0

    # -- querying -------------------------------------------------------------------------
    @property
    def owners(self) -> np.ndarray:
        """Owner id per segment (dead segments included; see :meth:`allowed`)."""
        return self._owner[: self._n_segments]

    @property
    def item_rows(self) -> np.ndarray:
        return self._item_rows[: self._n_items]

    @property
    def version(self) -> int:
        """Changes whenever an owner is put or removed (for views derived from the items)."""
        return self._version

    def allowed(self, *, network_id: int | None = None, consent: str | None = None) -> np.ndarray:
        """Boolean mask over segments: alive, in ``network_id``, with ``consent``
        ("findable" or "invitable") when given. A fresh array (callers may modify it)."""
        key = (network_id, consent)
        hit = self._allowed_cache.get(key)
        if hit is None or hit[0] != self._version:
            ns = self._n_segments
            mask = self._alive[:ns].copy()
            if network_id is not None:
                mask &= self._network[:ns] == network_id
            if consent == "findable":
                mask &= self._findable[:ns]
            elif consent == "invitable":
                mask &= self._invitable[:ns]
            elif consent is not None:
                raise ValueError(f"unknown consent {consent!r}")
            if len(self._allowed_cache) > 16:
                self._allowed_cache.clear()
            hit = self._allowed_cache[key] = (self._version, mask)
        return hit[1].copy()

    def extras_covered(
        self, n_extra: int, *, network_id: int | None = None, consent: str | None = None
    ) -> np.ndarray:
        """Boolean mask over the extra scores (the kinds of help): whether an allowed owner
        has an item pointing at it (a member linked to that kind)."""
        key = ("extras", n_extra, network_id, consent)
        hit = self._extras_cache.get(key)
        if hit is None or hit[0] != self._version:
            allowed = self.allowed(network_id=network_id, consent=consent)
            rows = self._item_rows[: self._n_items]
            live = (rows < 0) & allowed[self._item_segment[: self._n_items]]
            mask = np.zeros(n_extra, dtype=bool)
            extra = -rows[live] - 1
            mask[extra[extra < n_extra]] = True
            if len(self._extras_cache) > 16:
                self._extras_cache.clear()
            hit = self._extras_cache[key] = (self._version, mask)
        return hit[1]

    def cells(self) -> np.ndarray:
        return self._cell[: self._n_segments]

    def segments(self, owner_ids: Sequence[int]) -> np.ndarray:
        """Segments of these owners (unknown ids are skipped)."""
        segs = [self._segment_of[i] for i in owner_ids if i in self._segment_of]
        return np.asarray(segs, dtype=np.intp)

    def items_naming_other(self, asked: int) -> np.ndarray:
        """Items whose own words name only other languages, instruments or subjects than a
        request asks for (kennis.exact.mismatched), as item positions."""
        if not asked or len(self._terms) == 1:
            return np.zeros(0, dtype=np.intp)
        other = mismatched(asked, np.array(self._terms, dtype=object))
        return np.flatnonzero(other[self._item_term[: self._n_items]])

    def links_not_naming(self, asked: int, kind_terms: np.ndarray) -> np.ndarray:
        """Items that link a skill to a kind of help naming what a request asks for (a
        language, an instrument, a subject) while the skill's own words do not: "music
        theory for kids", linked to the drum lessons' kind, is no drum teacher. As item
        positions; ``kind_terms`` holds each kind's exact terms (kennis.exact)."""
        n_kinds = len(kind_terms)
        if not asked or not n_kinds:
            return np.zeros(0, dtype=np.intp)
        rows = self._item_rows[: self._n_items]
        links = np.flatnonzero(rows < 0)
        if not len(links):
            return links
        kind_names = np.array([(int(m) & asked) != 0 for m in kind_terms], dtype=bool)
        own_names = np.array([(m & asked) != 0 for m in self._terms], dtype=bool)
        kinds = (-rows[links] - 1) % n_kinds
        own = own_names[self._item_term[: self._n_items][links]]
        return links[kind_names[kinds] & ~own]

    def _term(self, mask: int) -> int:
        found = self._term_of.get(mask)
        if found is None:
            found = self._term_of[mask] = len(self._terms)
            self._terms.append(mask)
        return found

    def _item_scores(self, scores: np.ndarray, drop: np.ndarray | None) -> np.ndarray:
        out = scores[self._item_rows[: self._n_items]]
        if drop is not None and len(drop):
            out[drop] = -np.inf
        return out

    def segment_scores(self, text_scores: np.ndarray, drop: np.ndarray | None = None) -> np.ndarray:
        """Best item score (with its offset) per segment, from a score per matrix row
        (:func:`joined` with the extra scores when items point at them), leaving out the
        items ``drop`` (:meth:`items_naming_other`).

        Rows scoring ``-inf`` (outside a two-stage search's candidates) are skipped, so the
        per-segment maximum costs O(items of candidate texts), not O(all items).
        """
        ni = self._n_items
        item_scores = self._item_scores(text_scores, drop)
        live = np.flatnonzero(item_scores > -np.inf)
        best = np.full(self._n_segments, -np.inf, dtype=np.float32)
        if len(live) == ni:
            return self.segment_scores_from_items(item_scores)
        np.maximum.at(best, self._item_segment[live], item_scores[live] + self._item_offsets[live])
        return best

    def segment_scores_split(
        self, scores: np.ndarray, drop: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like :meth:`segment_scores`, but per segment: the best item that points at a text
        row, the best that points at an extra score (``-inf`` where none), and the best text
        row with the order offsets added too."""
        ni = self._n_items
        rows = self._item_rows[:ni]
        item_scores = self._item_scores(scores, drop)
        live = np.flatnonzero(item_scores > -np.inf)
        values = item_scores[live] + self._item_offsets[live]
        segments = self._item_segment[live]
        extra = rows[live] < 0
        direct = np.full(self._n_segments, -np.inf, dtype=np.float32)
        via = np.full(self._n_segments, -np.inf, dtype=np.float32)
        np.maximum.at(direct, segments[~extra], values[~extra])
        np.maximum.at(via, segments[extra], values[extra])
        ordered = direct
        order = self._item_order[live]
        if order.any():
            ordered = np.full(self._n_segments, -np.inf, dtype=np.float32)
            np.maximum.at(ordered, segments[~extra], (values + order)[~extra])
        return direct, via, ordered

    def segment_scores_from_items(self, item_scores: np.ndarray) -> np.ndarray:
        """Best item score (with its offset) per segment, from a raw score per item.

        ``np.maximum.at`` rather than ``reduceat`` over the segment starts: the same maxima,
        measured 4x faster (numpy 2's ``ufunc.at``; ``reduceat`` pays per segment)."""
        ni = self._n_items
        best = np.full(self._n_segments, -np.inf, dtype=np.float32)
        if ni:
            scored = item_scores + self._item_offsets[:ni]
            np.maximum.at(best, self._item_segment[:ni], scored)
        return best

    def segment_top_means(self, item_scores: np.ndarray, k: int) -> np.ndarray:
        """Mean of the ``k`` best item scores (with their offsets) per segment, from a raw
        score per item; a segment with fewer finite items averages those it has, one with
        none stays -inf. ``k`` = 1 is :meth:`segment_scores_from_items`."""
        if k <= 1:
            return self.segment_scores_from_items(item_scores)
        ni, ns = self._n_items, self._n_segments
        best = np.full(ns, -np.inf, dtype=np.float32)
        if not ni:
            return best
        scored = (item_scores + self._item_offsets[:ni]).astype(np.float64)
        # Per segment its items' scores in a row (-inf padded), best first; the k best
        # finite ones summed best first, as one pass over the items by segment would.
        grid = np.append(scored, -np.inf)[self._segment_grid()]
        grid = -np.sort(-grid, axis=1)[:, :k]
        sums = np.zeros(ns, dtype=np.float64)
        counts = np.zeros(ns, dtype=np.intp)
        for column in grid.T:
            finite = np.isfinite(column)
            sums[finite] += column[finite]
            counts += finite
        has = counts > 0
        best[has] = sums[has] / counts[has]
        return best

    def _segment_grid(self) -> np.ndarray:
        """(segments, most items of one segment): each segment's item positions, padded with
        ``n_items`` (kept until the index changes; lessons are scored this way per ask, and a
        sort of every item by segment and score cost ~0.1 ms)."""
        key = (self._version, self._n_items)
        if self._grid is None or self._grid[0] != key:
            ni, ns = self._n_items, self._n_segments
            segments = self._item_segment[:ni]
            sizes = np.bincount(segments, minlength=ns)
            rank = np.arange(ni) - self._starts[segments]  # items are stored by segment
            grid = np.full((ns, int(sizes.max(initial=0))), ni, dtype=np.intp)
            grid[segments, rank] = np.arange(ni)
            self._grid = (key, grid)
        return self._grid[1]

    def best_item(self, seg: int, text_scores: np.ndarray, drop: np.ndarray | None = None) -> int:
        """Index, within the owner's items, of the item that gave segment ``seg`` its score."""
        items = self._segment_items(seg)
        s = text_scores[self._item_rows[items.start : items.stop]]
        if drop is not None and len(drop):
            s = s.copy()
            s[drop[(drop >= items.start) & (drop < items.stop)] - items.start] = -np.inf
        return int(np.argmax(s + self._item_offsets[items.start : items.stop]))


def joined(text_scores: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """Text scores followed by the extra scores in reverse, so that row ``-(j + 1)`` of the
    result is ``extra[j]`` (see :class:`ItemIndex`)."""
    if extra is None or len(extra) == 0:
        return text_scores
    return np.concatenate([text_scores, extra[::-1].astype(np.float32, copy=False)])

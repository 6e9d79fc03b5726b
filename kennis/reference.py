"""The fixed texts every query is compared with: the knowledge file and the intent examples.

They serve three purposes, all from one matrix-vector product per query:

* **the score scale.** Cosines mean different things per model (e5's spread about 4x less
  than USE's) and per query (a vague question is close to everything). Every score is read
  relative to how close *this* query is to the kinds of help in general: a member text's
  cosine as standard deviations above the query's mean cosine to the knowledge names (short
  labels, like skills), a situation's as standard deviations above its mean cosine to the
  situations (sentences). Thresholds, offsets and the lexical weight are all on that scale,
  so they carry over between models.
* **the kinds of help**: per kind, how well the query matches its situations (kennis.knowledge).
* **the intent examples** (kennis.understanding), trained into a classifier once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kennis import vector_files
from kennis.index import VectorCache
from kennis.knowledge import HelpKind, done_by_index, load_everyday_help
from kennis.understanding import (
    IntentClassifier,
    NeighbourIntentClassifier,
    load_intent_examples,
)

__all__ = ["QueryScale", "Reference"]

# The reference is the same for every Search on one model in a process (tests and benchmarks
# open many): embedded once, by model name and content. The database keeps the vectors across
# restarts (kennis.index.VectorCache).
_SHARED: dict[tuple[str, str, str], np.ndarray] = {}
_SHARED_CLASSIFIERS: dict[tuple[str, str, str], IntentClassifier | NeighbourIntentClassifier] = {}


#: Situations sampled as typical questions for hubness, and how many nearest ones count.
HUB_PROBES = 1024
HUB_K = 10


def _digest(texts: list[str]) -> str:
    return hashlib.sha1("\x00".join(texts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class QueryScale:
    """One query's reading of cosines (see the module doc)."""

    label_mean: float
    label_std: float
    sentence_mean: float
    sentence_std: float

    def labels(self, cosine: np.ndarray) -> np.ndarray:
        out = np.asarray(cosine, dtype=np.float32) - np.float32(self.label_mean)
        out *= np.float32(1.0 / self.label_std)
        return out

    def sentences(self, cosine: np.ndarray) -> np.ndarray:
        out = np.asarray(cosine, dtype=np.float32) - np.float32(self.sentence_mean)
        out *= np.float32(1.0 / self.sentence_std)
        return out

    def label_cosine(self, z: float) -> float:
        """The cosine that reads as ``z`` on the label scale."""
        return self.label_mean + z * self.label_std


class Reference:
    """Knowledge names and situations plus intent examples, embedded once (and stored)."""

    def __init__(
        self,
        cache: VectorCache,
        kinds: tuple[HelpKind, ...] | None = None,
        *,
        vector_dir: Path | None = None,
    ) -> None:
        self.cache = cache
        self.vector_dir = vector_dir  # kennis.vector_files: kept between runs
        self.kinds = load_everyday_help() if kinds is None else kinds
        #: Per kind, the kinds its helpers do too (kennis.knowledge.done_by_index).
        self.narrower = done_by_index(self.kinds)
        names, name_kind, sits, sit_kind, examples = [], [], [], [], []
        for j, kind in enumerate(self.kinds):
            names += kind.all_names
            name_kind += [j] * len(kind.all_names)
            sits += kind.all_situations
            sit_kind += [j] * len(kind.all_situations)
            examples += [kind.help_example] * len(kind.all_situations)
        #: Per situation (file order): whether it is a help example for the intent classifier.
        self._situation_is_example = np.asarray(examples, dtype=bool)
        self.names = names
        self.name_kind = np.asarray(name_kind, dtype=np.intp)
        self.situations = sits
        self.situation_kind = np.asarray(sit_kind, dtype=np.intp)
        self._matrix = np.zeros((0, cache.embedder.dimension), dtype=np.float32)
        self._n_names = 0
        self.classifier: IntentClassifier | NeighbourIntentClassifier | None = None
        #: Mean and spread of the model's cosine between unrelated short texts (random pairs
        #: of knowledge names): the scale of link thresholds.
        self.mean = 0.0
        self.std = 1.0
        self.loaded = False
        self.name_radius = np.zeros(0, dtype=np.float32)
        #: Whether a kind's names count as evidence too (not only its situations).
        self.with_names = True
        #: How a kind's best name and best situation combine into its score: "max" (either
        #: fits) or "mean" (both count).
        self.pool = "max"
        #: With "max": how much less a kind's best name counts than its best situation.
        self.name_offset = 0.0

    @property
    def n_kinds(self) -> int:
        return len(self.kinds)

    async def load(self) -> None:
        """Embed (or fetch) the knowledge texts; compute the model's cosine statistics."""
        if self.loaded:
            return
        key = (self.cache.embedder.name, "knowledge", _digest(self.names + self.situations))
        matrix = _SHARED.get(key)
        if matrix is None:
            texts = len(self.names) + len(self.situations)
            matrix = vector_files.load(self.vector_dir, *key, rows=texts)
        if matrix is None:
            names = await self.cache.rows_for(self.names)
            sits = await self.cache.rows_for(self.situations)
            m = self.cache.matrix
            matrix = np.ascontiguousarray(np.concatenate([m[names], m[sits]]))
            vector_files.save(self.vector_dir, *key, matrix)
        _SHARED[key] = matrix
        n = len(self.names)
        # Situations sorted by kind, for one reduceat per query.
        order = np.argsort(self.situation_kind, kind="stable")
        self.situation_kind = self.situation_kind[order]
        self._kind_starts = np.flatnonzero(
            np.r_[True, self.situation_kind[1:] != self.situation_kind[:-1]]
        )
        self._kinds_present = self.situation_kind[self._kind_starts]
        self._matrix = np.ascontiguousarray(np.concatenate([matrix[:n], matrix[n:][order]]))
        self._n_names = n
        names = self.name_vectors
        rng = np.random.default_rng(0)
        i = rng.integers(0, len(names), 4000)
        j = rng.integers(0, len(names), 4000)
        other = self.name_kind[i] != self.name_kind[j]
        cos = np.einsum("ij,ij->i", names[i[other]], names[j[other]])
        self.mean, self.std = float(cos.mean()), float(max(cos.std(), 1e-6))
        self.name_radius = self._radius(names)
        # Hubness: the situations that serve as typical questions (a spread sample), and the
        # raw hub values of the knowledge names, whose mean and spread set the hub scale.
        sits = self._matrix[n:]
        self._probe = np.ascontiguousarray(sits[:: max(1, len(sits) // HUB_PROBES)])
        raw = self._hub_raw(names)
        self._hub_mean, self._hub_std = float(raw.mean()), float(max(raw.std(), 1e-6))
        self.loaded = True

    async def load_intents(
        self,
        texts: list[str],
        *,
        l2: float = 1e-3,
        situations: float = 0.0,
        length_cues: bool = True,
        classifier: str = "linear",
    ) -> None:
        """Embed the intent examples (as queries) and fit the classifier, once.

        ``situations`` > 0 adds every situation of the knowledge file as a help example (a
        problem people describe when they need someone), together weighing that share of
        the hand-written help examples; each is read without itself ("leave one out"), so
        its match to the knowledge is that of a new message, not a perfect self-match."""
        if self.classifier is not None:
            return
        example = self._situation_is_example
        # The situations are read against all of them, and taught by those marked.
        left_out = ",".join(map(str, np.flatnonzero(~example)))
        key = (
            self.cache.embedder.name,
            f"intents l2={l2} situations={situations} lengths={length_cues} {classifier}",
            _digest(texts + self.names + self.situations + [left_out]),
        )
        shared = _SHARED_CLASSIFIERS.get(key)
        if shared is None:
            examples = load_intent_examples()
            vectors = vector_files.load(self.vector_dir, *key, rows=len(texts))
            if vectors is None:
                rows = await self.cache.rows_for(texts, kind="query")
                vectors = self.cache.matrix[rows]
                vector_files.save(self.vector_dir, *key, vectors)
            known = self.known_many(vectors)
            labels = list(examples.labels)
            weights = np.ones(len(texts), dtype=np.float32)
            all_texts = list(texts)
            if situations > 0 and example.any():
                sv = await self._situations_as_queries()
                sk = self.known_many(sv, leave_out=True)
                sv, sk = sv[example], sk[example]  # read against them all, taught by some
                n_help = max(1, sum(1 for x in labels if x == "help"))
                vectors = np.concatenate([vectors, sv])
                known = np.concatenate([known, sk])
                all_texts += [s for s, e in zip(self.situations, example, strict=True) if e]
                labels += ["help"] * len(sv)
                weights = np.concatenate(
                    [
                        weights,
                        np.full(len(sv), situations * n_help / len(sv), dtype=np.float32),
                    ]
                )
            if classifier == "neighbours":
                extra = np.zeros(len(labels), dtype=bool)
                extra[len(texts) :] = True
                shared = _SHARED_CLASSIFIERS[key] = NeighbourIntentClassifier.fit(
                    vectors,
                    all_texts,
                    labels,
                    known,
                    extra_group=extra if extra.any() else None,
                    l2=l2,
                    weights=weights,
                    lengths=length_cues,
                )
            else:
                shared = _SHARED_CLASSIFIERS[key] = IntentClassifier.fit(
                    vectors, all_texts, labels, known, l2=l2, weights=weights, lengths=length_cues
                )
        self.classifier = shared

    async def _situations_as_queries(self) -> np.ndarray:
        """The situations embedded as a member's message would be: the classifier's extra help
        examples. Kept in a vector file like the knowledge itself, or every fresh start
        would embed these few thousand sentences again (half a minute on 2 cores)."""
        key = (self.cache.embedder.name, "situation queries", _digest(self.situations))
        vectors = vector_files.load(self.vector_dir, *key, rows=len(self.situations))
        if vectors is None:
            rows = await self.cache.rows_for(self.situations, kind="query")
            vectors = self.cache.matrix[rows]
            vector_files.save(self.vector_dir, *key, vectors)
        return vectors  # not kept: needed once, to fit the classifier (kept per process)

    def _radius(self, names: np.ndarray, k: int = 10) -> np.ndarray:
        """Per name, its mean cosine to its ``k`` nearest names of other kinds: how close
        unrelated help comes to it (a hub name such as "meubelmontage" has a wide radius)."""
        out = np.empty(len(names), dtype=np.float32)
        for start in range(0, len(names), 1024):  # bounded temporaries
            sims = names[start : start + 1024] @ names.T
            same = self.name_kind[start : start + 1024, None] == self.name_kind[None, :]
            sims[same] = -1.0
            kk = min(k, sims.shape[1])
            out[start : start + 1024] = np.partition(sims, -kk, axis=1)[:, -kk:].mean(axis=1)
        return out

    @property
    def name_vectors(self) -> np.ndarray:
        return self._matrix[: self._n_names]

    def _hub_raw(self, vectors: np.ndarray) -> np.ndarray:
        out = np.empty(len(vectors), dtype=np.float32)
        for start in range(0, len(vectors), 4096):  # bounded temporaries
            sims = vectors[start : start + 4096] @ self._probe.T
            k = min(HUB_K, sims.shape[1])
            out[start : start + 4096] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
        return out

    def hubness(self, vectors: np.ndarray) -> np.ndarray:
        """How much of a hub each text is: its mean cosine to its nearest typical questions,
        in standard deviations above the knowledge names' (a broad skill such as "klussen in
        huis" is near many questions, a precise one near few)."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        return (self._hub_raw(vectors) - self._hub_mean) / self._hub_std

    def known_many(self, vectors: np.ndarray, *, leave_out: bool = False) -> np.ndarray:
        """``read(v)[2]`` for many vectors at once (one matrix product per block instead of
        a pass over the reference per vector: training the intent classifier at start-up
        reads ~3,500 texts). ``leave_out``: row ``i`` is the ``i``-th situation, read as
        ``read(v, skip=i)``."""
        out = np.empty((len(vectors), 2), dtype=np.float32)
        n = self._n_names
        for start in range(0, len(vectors), 512):  # bounded temporaries
            both = vectors[start : start + 512] @ self._matrix.T
            label, sentence = both[:, :n], both[:, n:]
            if leave_out and sentence.shape[1] > 1:
                rows = np.arange(len(sentence))
                cols = rows + start
                own = sentence[rows, cols]
                sentence[rows, cols] = (sentence.sum(axis=1) - own) / (sentence.shape[1] - 1)
            lm, ls = label.mean(axis=1), np.maximum(label.std(axis=1), 1e-6)
            sm, ss = sentence.mean(axis=1), np.maximum(sentence.std(axis=1), 1e-6)
            best_label = np.maximum(label.max(axis=1, initial=0.0), 0.0)
            best_sentence = np.maximum((sentence.max(axis=1, initial=-np.inf) - sm) / ss, 0.0)
            out[start : start + 512, 0] = (best_label - lm) / ls / 5.0
            out[start : start + 512, 1] = best_sentence / 5.0
        return out

    def read(
        self, vector: np.ndarray, *, skip: int | None = None
    ) -> tuple[QueryScale, np.ndarray, np.ndarray]:
        """The query's scale, its score per kind of help (best situation, on the sentence
        scale) and how clearly it lands on known help (best name and best situation, on their
        scales, divided by 5: features of the intent classifier), from one product with the
        reference matrix."""
        both = self._matrix @ vector
        label, sentence = both[: self._n_names], both[self._n_names :]
        if skip is not None:  # read a situation as if it were not in the file
            sentence[skip] = np.delete(sentence, skip).mean()
        scale = QueryScale(
            float(label.mean()),
            float(max(label.std(), 1e-6)),
            float(sentence.mean()),
            float(max(sentence.std(), 1e-6)),
        )
        kinds = np.full(self.n_kinds, -np.inf, dtype=np.float32)
        if len(sentence):
            kinds[self._kinds_present] = np.maximum.reduceat(
                scale.sentences(sentence), self._kind_starts
            )
        known = np.array(
            [
                (float(label.max(initial=0.0)) - scale.label_mean) / scale.label_std / 5.0,
                float(kinds.max(initial=0.0)) / 5.0,
            ],
            dtype=np.float32,
        )
        if self.with_names and len(label):
            # A kind's names are other words for the same help: on the label scale.
            by_name = np.full(self.n_kinds, -np.inf, dtype=np.float32)
            np.maximum.at(by_name, self.name_kind, scale.labels(label))
            if self.pool == "mean":
                # Both kinds of evidence: a kind whose names *and* situations fit.
                kinds = np.where(
                    np.isfinite(kinds) & np.isfinite(by_name),
                    0.5 * (kinds + by_name),
                    np.maximum(kinds, by_name),
                ).astype(np.float32)
            else:
                np.maximum(kinds, by_name - np.float32(self.name_offset), out=kinds)
        return scale, kinds, known

"""A small lexical signal for search fusion: fuzzy, IDF-weighted token overlap.

Dutch-first normalisation: lowercase, strip accents, drop stop words, crude suffix
stripping ("fietsen" -> "fiets", "formulieren" -> "formulier"). A query term matches a
text term when they are equal, fuzzily close (typos, via rapidfuzz) or one is a long prefix
or part of the other (Dutch compounds: "belastingaangifte" ~ "aangifte").

The score of a text is the IDF-weighted share of query terms it matches, in [0, 1]. IDF
comes from the texts being scored (the candidate list), so rare, specific words count more.

``lexical_scores(query, texts)`` is the pure function; :class:`LexicalIndex` keeps the
tokenised texts and an inverted index so repeated queries over the same texts are cheap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "DEFAULT_LEXICAL_WEIGHT",
    "LexicalIndex",
    "lexical_scores",
    "normalize_text",
    "tokenize",
]

#: Query terms whose vocabulary matches are remembered (until the vocabulary grows).
MATCH_CACHE = 20_000

#: Share of the lexical score when blended with the embedding cosine at item level
#: (kennis.ranking.blend_scores). On bench/devset_nl.json USE + lexical gains ~0.03-0.04
#: MRR@10 over USE alone, flat for weights 0.2-0.4 (typos gain most); 0.3 is the middle.
DEFAULT_LEXICAL_WEIGHT = 0.3

# Function words and chat filler (Dutch plus a little English), already accent-folded.
STOPWORDS = frozenset(
    """
    de het een en of maar dan dat die dit deze den der des van voor met zonder aan op in uit
    bij naar om over onder tot door te ter als ook nog al wel niet geen wat wie waar wanneer
    hoe welke waarom ik jij je u hij zij ze wij we jullie mij me mijn jouw uw zijn haar hun
    ons onze mijne is ben bent was waren wordt worden word heb hebt heeft hebben had kan kun
    kunt kunnen kon zou zouden wil wilt willen moet moeten mag mogen ga gaat gaan doe doet
    doen er hier daar iemand iets niemand niets alles graag even eens toch nou hoi hallo hey
    dag dank bedankt alsjeblieft aub svp vraag vragen weet weten zoek zoeken help helpen hulp
    heel erg zo zeer veel meer mee beetje soms vaak altijd nu straks morgen vandaag
    a an the and or of to for with in on at by from is are be can could would will who what
    where how my me i you your someone anyone somebody anybody need needs help please
    """.split()
)

_ACCENTS = dict.fromkeys(range(0x300, 0x370))
_WORD = re.compile(r"[a-z0-9]+")


def normalize_text(text: str) -> str:
    """Lowercase and strip accents: "Één café" -> "een cafe"."""
    return unicodedata.normalize("NFKD", text.lower()).translate(_ACCENTS)


# Longest first; one suffix is stripped, and only when a stem of >= 4 letters remains.
_SUFFIXES = ("ingen", "tjes", "ing", "jes", "tje", "je", "en", "e")


def _stem(word: str) -> str:
    """Crude Dutch stemmer: "fietsen"/"fiets", "bakken"/"bak", "verhuizing"/"verhuiz"."""
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            word = word[: -len(suf)]
            break
    else:
        # Plural -s after a vowel or sonorant ("computers", "tablets" is left alone).
        if len(word) >= 5 and word[-1] == "s" and word[-2] in "aeiourlnm":
            word = word[:-1]
    # Undo a doubled final consonant ("bakk" from "bakken" -> "bak").
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Normalised, stemmed content words of ``text`` (stop words and 1-letter words dropped)."""
    return [
        _stem(w) for w in _WORD.findall(normalize_text(text)) if len(w) > 1 and w not in STOPWORDS
    ]


#: A longer term that starts with a shorter one and has at most this many letters more is
#: another form of the same word; with more, it is a compound of which the short term is
#: the first part.
_INFLECTION = 3
#: A Dutch compound is a kind of its last part ("belastingaangifte" is an "aangifte"), while
#: its first part only says what about ("wijkverpleging" is nursing, not a neighbourhood):
#: a query word that is only a first (or middle) part is weak evidence. At 0.8, like a head,
#: "hoeveel mensen we per wijk bereiken" named the district nurse first.
_MODIFIER = 0.4


def _term_similarity(a: str, b: str, fuzz_ratio) -> float:
    """Similarity of two stemmed terms in [0, 1]; 0 when they are not a plausible match."""
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.startswith(short):
        if len(long_) - len(short) <= _INFLECTION:  # "compute" ~ "computer"
            return 0.8
        return _MODIFIER  # "wijk" ~ "wijkverpleging": a compound's first part
    if len(short) >= 5 and long_.endswith(short):  # "aangifte" in "belastingaangifte"
        return 0.8
    if len(short) >= 5 and short in long_:  # a middle part
        return _MODIFIER
    if len(short) >= 4:
        r = fuzz_ratio(a, b) / 100.0  # typos: "fiest" ~ "fiets"
        if r >= 0.8:
            return 0.9 * r
    return 0.0


class LexicalIndex:
    """Tokenised texts with an inverted index, for repeated :meth:`scores` calls.

    Texts can be appended (:meth:`add`) as the set of searched texts grows; row ``i`` is the
    ``i``-th text added. Scores equal those of a fresh index over the same texts.

    Per query, candidate vocabulary terms are found without scanning the vocabulary with a
    slow scorer: exact terms by dict lookup, terms containing the query term by one substring
    search over the joined vocabulary, terms contained in it by looking up its substrings,
    and typo neighbours with rapidfuzz's ``ratio`` only against terms of compatible length
    (``ratio >= 80`` is impossible otherwise). Then :func:`_term_similarity` decides.
    """

    def __init__(self, texts: Sequence[str] = ()) -> None:
        from rapidfuzz import fuzz, process

        self._ratio = fuzz.ratio
        self._cdist = process.cdist
        self.n = 0
        self.vocab: list[str] = []
        self._term_id: dict[str, int] = {}
        self._postings: list[array] = []  # term id -> rows (int32, ascending)
        # Views of the vocabulary rebuilt lazily after it grew: "\n"-joined (substring search)
        # and sorted by length (typo candidates of one length range are one slice).
        self._views_for = -1
        self._joined = ""
        self._offsets = np.zeros(0, dtype=np.int64)
        self._by_length: list[str] = []
        self._by_length_ids = np.zeros(0, dtype=np.intp)
        self._length_start = np.zeros(1, dtype=np.intp)
        # Query term -> its matching vocabulary terms [(similarity, id)], ascending; valid
        # while the vocabulary is unchanged (words repeat a lot in questions).
        self._matches: dict[str, list[tuple[float, int]]] = {}
        self.add(texts)

    def __len__(self) -> int:
        return self.n

    def add(self, texts: Iterable[str]) -> None:
        """Append texts as the next rows."""
        for text in texts:
            row = self.n
            self.n += 1
            for term in dict.fromkeys(tokenize(text)):
                tid = self._term_id.get(term)
                if tid is None:
                    tid = self._term_id[term] = len(self.vocab)
                    self.vocab.append(term)
                    self._postings.append(array("i"))
                self._postings[tid].append(row)

    def _idf(self, tid: int | None) -> float:
        df = len(self._postings[tid]) if tid is not None else 0
        return math.log(1.0 + (self.n + 1) / (df + 0.5))

    def _views(self) -> None:
        if self._views_for == len(self.vocab):
            return
        vocab = self.vocab
        self._joined = "\n".join(vocab)
        lengths = np.fromiter(map(len, vocab), np.intp, len(vocab))
        self._offsets = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        order = np.argsort(lengths, kind="stable")
        self._by_length = [vocab[i] for i in order]
        self._by_length_ids = order
        self._length_start = np.searchsorted(lengths[order], np.arange(lengths.max(initial=0) + 2))
        self._views_for = len(vocab)
        self._matches.clear()

    def _length_slice(self, shortest: int, longest: int) -> tuple[int, int]:
        """Range of ``_by_length`` holding the terms of these lengths."""
        top = len(self._length_start) - 1
        return (
            int(self._length_start[min(shortest, top)]),
            int(self._length_start[min(longest + 1, top)]),
        )

    def _containing(self, term: str) -> set[int]:
        """Ids of vocabulary terms that contain ``term`` (itself included)."""
        joined, found = self._joined, []
        at = joined.find(term)
        while at >= 0:
            found.append(at)
            at = joined.find(term, at + 1)
        if not found:
            return set()
        return set((np.searchsorted(self._offsets, found, side="right") - 1).tolist())

    def _candidates(self, terms: list[str]) -> list[set[int]]:
        """Per query term, vocabulary ids that may match it (a superset of what
        :func:`_term_similarity` keeps)."""
        self._views()
        out: list[set[int]] = []
        for term in terms:
            found: set[int] = set()
            n = len(term)
            if n >= 4:  # terms containing it (prefix and compound rules need >= 4 letters)
                found |= self._containing(term)
            elif (tid := self._term_id.get(term)) is not None:
                found.add(tid)
            for length in range(4, n):  # terms it contains: its substrings of >= 4 letters
                for start in range(n - length + 1):
                    tid = self._term_id.get(term[start : start + length])
                    if tid is not None:
                        found.add(tid)
            out.append(found)
        # Typos: ratio >= 80 needs |len(a) - len(b)| <= (len(a) + len(b)) / 5, i.e. the
        # other term is 2/3 to 3/2 as long; one rapidfuzz call over that length slice.
        fuzzy = [(i, t) for i, t in enumerate(terms) if len(t) >= 4]
        if fuzzy and self.vocab:
            lo, hi = self._length_slice(
                max(4, min(math.ceil(len(t) * 2 / 3) for _, t in fuzzy)),
                max(math.floor(len(t) * 1.5) for _, t in fuzzy),
            )
            if hi > lo:
                hits = self._cdist(
                    [t for _, t in fuzzy],
                    self._by_length[lo:hi],
                    scorer=self._ratio,
                    score_cutoff=80,
                )
                ids = self._by_length_ids[lo:hi]
                for (i, _), row in zip(fuzzy, hits, strict=True):
                    out[i].update(ids[np.flatnonzero(row)].tolist())
        return out

    def scores(self, query: str) -> np.ndarray:
        """Score every text against ``query``: float32 ``(n,)`` in [0, 1]."""
        out = np.zeros(self.n, dtype=np.float32)
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms or self.n == 0:
            return out
        total = 0.0
        self._views()
        cold = [q for q in terms if q not in self._matches]
        if len(self._matches) + len(cold) > MATCH_CACHE:
            self._matches.clear()
            cold = terms
        for q, candidates in zip(cold, self._candidates(cold), strict=True):
            self._matches[q] = sorted(
                (s, tid)
                for tid in candidates
                if (s := _term_similarity(q, self.vocab[tid], self._ratio))
            )
        for q in terms:
            matches = self._matches[q]
            # A query term nobody uses weighs as a rare term: it lowers every text's score.
            weight = max((self._idf(tid) for _, tid in matches), default=self._idf(None))
            total += weight
            if len(matches) == 1:
                s, tid = matches[0]
                rows = np.frombuffer(self._postings[tid], dtype=np.int32)
                out[rows] += np.float32(weight * s)
            elif matches:
                best = np.zeros(self.n, dtype=np.float32)
                for s, tid in matches:  # ascending: a row keeps its best match
                    best[np.frombuffer(self._postings[tid], dtype=np.int32)] = s
                best *= np.float32(weight)
                out += best
        out /= np.float32(total)
        # Never below 0 (weights and similarities are positive): capped at 1 alone, which is
        # np.clip's result at a quarter of its cost.
        return np.minimum(out, np.float32(1.0), out=out)


def lexical_scores(query: str, texts: Sequence[str]) -> np.ndarray:
    """Lexical match of ``query`` against each of ``texts``: float32 ``(len(texts),)`` in [0, 1].

    1.0 means every (IDF-weighted) query term is found in the text; 0.0 means none is.
    """
    return LexicalIndex(texts).scores(query)

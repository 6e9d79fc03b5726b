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
from collections.abc import Sequence

import numpy as np

__all__ = [
    "DEFAULT_LEXICAL_WEIGHT",
    "LexicalIndex",
    "lexical_scores",
    "normalize_text",
    "tokenize",
]

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


def _term_similarity(a: str, b: str, fuzz_ratio) -> float:
    """Similarity of two stemmed terms in [0, 1]; 0 when they are not a plausible match."""
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 5 and short in long_:  # compound part: "aangifte" in "belastingaangifte"
        return 0.8
    if len(short) >= 4 and long_.startswith(short):  # "compute" ~ "computer"
        return 0.8
    if len(short) >= 4:
        r = fuzz_ratio(a, b) / 100.0  # typos: "fiest" ~ "fiets"
        if r >= 0.8:
            return 0.9 * r
    return 0.0


class LexicalIndex:
    """Tokenised texts with an inverted index, for repeated :meth:`scores` calls."""

    def __init__(self, texts: Sequence[str]) -> None:
        from rapidfuzz import fuzz, process

        self._ratio = fuzz.ratio
        self._partial_ratio = fuzz.partial_ratio
        self._cdist = process.cdist
        self.n = len(texts)
        postings: dict[str, set[int]] = {}
        for i, text in enumerate(texts):
            for term in set(tokenize(text)):
                postings.setdefault(term, set()).add(i)
        self.vocab = list(postings)
        self._postings = {t: np.fromiter(sorted(d), dtype=np.intp) for t, d in postings.items()}
        self._idf = {t: math.log(1.0 + (self.n + 1) / (len(d) + 0.5)) for t, d in postings.items()}
        self._default_idf = math.log(1.0 + (self.n + 1) / 0.5)

    def scores(self, query: str) -> np.ndarray:
        """Score every text against ``query``: float32 ``(n,)`` in [0, 1]."""
        out = np.zeros(self.n, dtype=np.float32)
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms or self.n == 0:
            return out
        # Candidate vocabulary terms per query term, found in C by rapidfuzz: fuzzy-close
        # (ratio >= 80) or containing/contained (partial_ratio == 100). _term_similarity then
        # decides on those few candidates only.
        fuzzy = self._cdist(terms, self.vocab, scorer=self._ratio, score_cutoff=80)
        contained = self._cdist(terms, self.vocab, scorer=self._partial_ratio, score_cutoff=100)
        total = 0.0
        for qi, q in enumerate(terms):
            cand = np.flatnonzero((fuzzy[qi] > 0) | (contained[qi] > 0))
            matches = [
                (t, s)
                for t in (self.vocab[j] for j in cand)
                if (s := _term_similarity(q, t, self._ratio))
            ]
            # A query term nobody uses weighs as a rare term: it lowers every text's score.
            weight = max((self._idf[t] for t, _ in matches), default=self._default_idf)
            total += weight
            best = np.zeros(self.n, dtype=np.float32)
            for t, s in matches:
                rows = self._postings[t]
                np.maximum.at(best, rows, s)
            out += weight * best
        out /= total
        return np.clip(out, 0.0, 1.0, out=out)


def lexical_scores(query: str, texts: Sequence[str]) -> np.ndarray:
    """Lexical match of ``query`` against each of ``texts``: float32 ``(len(texts),)`` in [0, 1].

    1.0 means every (IDF-weighted) query term is found in the text; 0.0 means none is.
    """
    return LexicalIndex(texts).scores(query)

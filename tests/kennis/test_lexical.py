"""Lexical signal: Dutch normalisation and fuzzy, IDF-weighted overlap."""

from __future__ import annotations

import numpy as np

from kennis.lexical import LexicalIndex, lexical_scores, normalize_text, tokenize

TEXTS = [
    "fietsen repareren",
    "koken voor grote groepen",
    "belastingaangifte doen",
    "computerhulp voor ouderen",
    "Nederlandse les geven",
    "",
]


def test_normalisation_and_stemming() -> None:
    assert normalize_text("Één Café") == "een cafe"
    assert tokenize("Wie kan mij helpen met de fietsen?") == ["fiets"]
    assert tokenize("fiets") == tokenize("fietsen")
    assert tokenize("bakken") == ["bak"]
    assert tokenize("formulieren") == tokenize("formulier")


def test_scores_are_float32_in_unit_range() -> None:
    s = lexical_scores("wie kan mijn fiets maken", TEXTS)
    assert s.dtype == np.float32 and s.shape == (len(TEXTS),)
    assert np.all((s >= 0) & (s <= 1))
    assert int(np.argmax(s)) == 0


def test_exact_match_is_one_and_unrelated_is_zero() -> None:
    s = lexical_scores("fietsen repareren", TEXTS)
    assert s[0] == 1.0
    assert s[1] == 0.0 and s[5] == 0.0


def test_typo_and_compound_match() -> None:
    assert int(np.argmax(lexical_scores("wie kan mijn fiest repareren", TEXTS))) == 0
    s = lexical_scores("hulp bij de aangifte", TEXTS)
    assert int(np.argmax(s)) == 2 and s[2] > 0.5
    s = lexical_scores("computer problemen", TEXTS)
    assert int(np.argmax(s)) == 3


def test_empty_query_and_empty_texts() -> None:
    assert not lexical_scores("", TEXTS).any()
    assert not lexical_scores("de het een", TEXTS).any()  # stop words only
    assert lexical_scores("fiets", []).shape == (0,)


def test_index_reuse_matches_function() -> None:
    idx = LexicalIndex(TEXTS)
    for q in ["koken voor 80 mensen", "Nederlands leren", "tablet van oma"]:
        np.testing.assert_array_equal(idx.scores(q), lexical_scores(q, TEXTS))


def _reference_scores(query: str, texts: list[str]) -> np.ndarray:
    """The original LexicalIndex: candidate terms by rapidfuzz over the whole vocabulary."""
    import math

    from rapidfuzz import fuzz, process

    from kennis.lexical import _term_similarity

    postings: dict[str, set[int]] = {}
    for i, text in enumerate(texts):
        for term in set(tokenize(text)):
            postings.setdefault(term, set()).add(i)
    vocab, n = list(postings), len(texts)
    idf = {t: math.log(1.0 + (n + 1) / (len(d) + 0.5)) for t, d in postings.items()}
    out = np.zeros(n, dtype=np.float32)
    terms = list(dict.fromkeys(tokenize(query)))
    if not terms or not vocab:
        return out
    fuzzy = process.cdist(terms, vocab, scorer=fuzz.ratio, score_cutoff=80)
    contained = process.cdist(terms, vocab, scorer=fuzz.partial_ratio, score_cutoff=100)
    total = 0.0
    for qi, q in enumerate(terms):
        cand = np.flatnonzero((fuzzy[qi] > 0) | (contained[qi] > 0))
        matches = [(vocab[j], s) for j in cand if (s := _term_similarity(q, vocab[j], fuzz.ratio))]
        weight = max((idf[t] for t, _ in matches), default=math.log(1.0 + (n + 1) / 0.5))
        total += weight
        best = np.zeros(n, dtype=np.float32)
        for t, s in matches:
            np.maximum.at(best, np.fromiter(postings[t], np.intp), s)
        out += weight * best
    return np.clip(out / total, 0.0, 1.0)


def test_candidate_search_matches_the_full_vocabulary_scan() -> None:
    import json
    from pathlib import Path

    data = json.loads(
        (Path(__file__).resolve().parents[2] / "bench" / "devset_nl.json").read_text("utf-8")
    )
    texts = [s for m in data["members"] for s in m["skills"]] + [
        m["about"] for m in data["members"] if m.get("about")
    ]
    idx = LexicalIndex(texts)
    for q in data["questions"]:
        np.testing.assert_allclose(
            idx.scores(q["text"]), _reference_scores(q["text"], texts), rtol=1e-5, atol=1e-6
        )


def test_incremental_index_equals_a_fresh_one() -> None:
    more = ["fietsenmaker in de buurt", "computers en printers", "aangifte inkomstenbelasting"]
    idx = LexicalIndex(TEXTS[:2])
    idx.scores("fiets")  # views built, then the vocabulary grows
    idx.add(TEXTS[2:])
    idx.scores("computer")
    idx.add(more)
    fresh = LexicalIndex([*TEXTS, *more])
    assert len(idx) == len(fresh) == len(TEXTS) + len(more)
    for q in ["fiets maken", "kompjoeter", "belasting aangfte", "printer", "zzz"]:
        np.testing.assert_array_equal(idx.scores(q), fresh.scores(q))


def test_remembered_matches_follow_a_growing_vocabulary() -> None:
    idx = LexicalIndex(TEXTS)
    before = idx.scores("fietsenmaker gezocht")
    assert before.max() > 0  # "fiets" part of the compound
    idx.add(["fietsenmaker aan huis"])  # a new vocabulary term: remembered matches are stale
    after = idx.scores("fietsenmaker gezocht")
    np.testing.assert_array_equal(
        after, LexicalIndex([*TEXTS, "fietsenmaker aan huis"]).scores("fietsenmaker gezocht")
    )
    assert after[-1] == after.max()


def test_a_compounds_first_part_is_weaker_evidence_than_its_last() -> None:
    """ "wijkverpleging" is nursing: "wijk" alone matches it less than "aangifte" matches
    "belastingaangifte", and another form of a word ("computers") still matches fully."""
    from rapidfuzz import fuzz

    from kennis.lexical import _term_similarity

    head = _term_similarity("aangift", "belastingaangift", fuzz.ratio)
    first = _term_similarity("wijk", "wijkverpleg", fuzz.ratio)
    assert head == 0.8 and 0 < first < head
    assert _term_similarity("compute", "computer", fuzz.ratio) == 0.8
    s = lexical_scores("hoeveel mensen bereiken we per wijk", ["wijkverpleging", "wijkfeest"])
    assert s.max() < 0.5

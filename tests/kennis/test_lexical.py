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

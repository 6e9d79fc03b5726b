"""Member-level ranking over item rows."""

from __future__ import annotations

import numpy as np
import pytest

from kennis.ranking import (
    best_items,
    best_per_owner,
    blend_scores,
    group_owners,
    item_scores,
    top_k,
    top_k_owners,
    top_k_owners_from_scores,
)


def unit(rows) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


# items: owner 7 has rows 0 and 3, owner 2 has rows 1 and 4, owner 5 has row 2
M = unit([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.9, 0.1, 0], [0.5, 0.5, 0]])
OWNERS = np.array([7, 2, 5, 7, 2])


def test_item_scores_is_a_matvec() -> None:
    q = unit([[1, 0, 0]])[0]
    s = item_scores(q, M)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s, M @ q)
    with pytest.raises(ValueError):
        item_scores(np.ones(4), M)


def test_best_per_owner_unsorted_owners() -> None:
    s = np.array([0.1, 0.9, 0.3, 0.4, 0.2], dtype=np.float32)
    ids, best = best_per_owner(s, OWNERS)
    assert ids.tolist() == [2, 5, 7]
    np.testing.assert_allclose(best, [0.9, 0.3, 0.4])


def test_top_k_owners_takes_each_owners_best_item() -> None:
    q = unit([[1, 0.2, 0]])[0]
    ids, scores = top_k_owners(q, M, OWNERS, k=2)
    assert ids.tolist() == [7, 2]
    expected = [max(M[0] @ q, M[3] @ q), max(M[1] @ q, M[4] @ q)]
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    # k larger than the number of owners returns everyone, best first
    ids_all, scores_all = top_k_owners(q, M, OWNERS, k=50)
    assert ids_all.tolist() == [7, 2, 5]
    assert np.all(np.diff(scores_all) <= 0)


def test_min_score_and_k_zero() -> None:
    q = unit([[1, 0, 0]])[0]
    ids, scores = top_k_owners(q, M, OWNERS, k=3, min_score=0.5)
    assert ids.tolist() == [7, 2]
    assert np.all(scores >= 0.5)
    assert top_k_owners(q, M, OWNERS, k=0)[0].size == 0


def test_best_items_explains_the_winning_row() -> None:
    q = unit([[0, 1, 0]])[0]
    s = item_scores(q, M)
    groups = group_owners(OWNERS)
    ids, _ = top_k_owners_from_scores(s, groups, k=3)
    rows = best_items(s, groups, ids)
    assert dict(zip(ids.tolist(), rows.tolist(), strict=True)) == {2: 1, 7: 3, 5: 2}
    # every owner, ascending ids; unknown owner -> -1
    assert best_items(s, groups).tolist() == [1, 2, 3]
    assert best_items(s, groups, np.array([5, 99])).tolist() == [2, -1]


def test_sorted_fast_path_matches_unsorted() -> None:
    rng = np.random.default_rng(0)
    owners = rng.integers(0, 50, size=400)
    mat = unit(rng.standard_normal((400, 16)))
    q = unit(rng.standard_normal((1, 16)))[0]
    order = np.argsort(owners, kind="stable")
    g_unsorted, g_sorted = group_owners(owners), group_owners(owners[order])
    assert g_unsorted.order is not None and g_sorted.order is None
    a_ids, a_sc = top_k_owners(q, mat, g_unsorted, k=10)
    b_ids, b_sc = top_k_owners(q, mat[order], g_sorted, k=10)
    assert a_ids.tolist() == b_ids.tolist()
    np.testing.assert_allclose(a_sc, b_sc)
    # brute force
    s = mat @ q
    brute = {o: s[owners == o].max() for o in np.unique(owners)}
    want = sorted(brute, key=lambda o: -brute[o])[:10]
    assert a_ids.tolist() == want
    rows = best_items(s, g_unsorted, a_ids)
    np.testing.assert_allclose(s[rows], a_sc)
    assert np.all(owners[rows] == a_ids)


def test_ties_are_deterministic() -> None:
    assert top_k(np.array([0.5, 0.9, 0.5, 0.9]), 3).tolist() == [1, 3, 0]
    s = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    ids, _ = top_k_owners_from_scores(s, np.array([3, 1, 2]), k=3)
    assert ids.tolist() == [1, 2, 3]


def test_empty_index() -> None:
    groups = group_owners(np.zeros(0, dtype=np.int64))
    ids, scores = top_k_owners(np.ones(3), np.zeros((0, 3), np.float32), groups, k=5)
    assert ids.size == 0 and scores.size == 0
    assert best_items(np.zeros(0, np.float32), groups, np.array([1])).tolist() == [-1]


def test_owners_must_be_integers() -> None:
    with pytest.raises(TypeError):
        group_owners(np.array([0.5, 1.5]))
    with pytest.raises(ValueError):
        best_per_owner(np.zeros(3, np.float32), np.array([0, 1]))


def test_blend_scores() -> None:
    sem = np.array([0.8, 0.2, 0.5], dtype=np.float32)
    lex = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    np.testing.assert_allclose(blend_scores(sem), sem)
    out = blend_scores(sem, lex, lexical_weight=0.25, item_weights=np.array([1, 1, 0.9]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.6, 0.4, 0.45], rtol=1e-6)
    with pytest.raises(ValueError):
        blend_scores(sem, lex[:2], lexical_weight=0.5)


@pytest.mark.slow
def test_ten_thousand_members_rank_fast_enough() -> None:
    """Loose guard (the real figures come from bench/eval_search.py): 35k rows x 512."""
    import time

    rng = np.random.default_rng(1)
    mat = rng.standard_normal((35_000, 512), dtype=np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    groups = group_owners(np.sort(rng.integers(0, 10_000, size=35_000)))
    q = mat[123]
    times = []
    for _ in range(20):
        t = time.perf_counter()
        s = item_scores(q, mat)
        ids, _ = top_k_owners_from_scores(s, groups, k=5)
        best_items(s, groups, ids)
        times.append(time.perf_counter() - t)
    assert groups.owner_ids[np.searchsorted(groups.owner_ids, ids[0])] == ids[0]
    assert np.median(times) < 0.06

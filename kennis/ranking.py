"""Member-level ranking over item vectors: pure numpy, no Python loops over items.

An index holds one row per *item* (a skill text, an offer/about text, a lesson note) in a
float32 matrix ``M`` of shape ``(n, d)`` with unit rows, and an ``owners`` array ``(n,)``
mapping each row to a member id. A member's score is the best score over their items.

The per-query cost is one matvec (``M @ q``), one ``np.maximum.reduceat`` over owner-sorted
rows and one ``np.argpartition``. Keep ``M`` sorted by owner (see :func:`group_owners`) so
no gather is needed; then at 10k members / 40k rows / 512 dims a query is a few ms on 2
cores, dominated by streaming ``M`` from memory.

Typical use::

    groups = group_owners(owners)              # once, when the index is (re)built
    scores = item_scores(q, M)                 # per query (optionally blend lexical here)
    ids, best = top_k_owners_from_scores(scores, groups, k=5)
    why = best_items(scores, groups, ids)      # row of M that gave each owner's score
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "OwnerGroups",
    "best_items",
    "best_per_owner",
    "blend_scores",
    "group_owners",
    "item_scores",
    "top_k",
    "top_k_owners",
    "top_k_owners_from_scores",
]


@dataclass(frozen=True)
class OwnerGroups:
    """Rows grouped by owner, precomputed once per index build.

    ``order`` is the permutation that sorts rows by owner (``None`` when ``owners`` is
    already sorted, the fast path); segment ``j`` covers sorted positions
    ``starts[j]:ends[j]`` and belongs to owner ``owner_ids[j]`` (ascending, unique).
    """

    order: np.ndarray | None
    starts: np.ndarray
    ends: np.ndarray
    owner_ids: np.ndarray
    n_items: int

    @property
    def n_owners(self) -> int:
        return int(self.owner_ids.shape[0])

    @property
    def sizes(self) -> np.ndarray:
        return self.ends - self.starts


def group_owners(owners: np.ndarray) -> OwnerGroups:
    """Group item rows by owner id (any integer ids, any order)."""
    owners = np.asarray(owners)
    if owners.ndim != 1:
        raise ValueError("owners must be a 1-D array")
    if owners.size and not np.issubdtype(owners.dtype, np.integer):
        raise TypeError(f"owners must hold integer ids, got {owners.dtype}")
    n = int(owners.shape[0])
    if n == 0:
        empty = np.zeros(0, dtype=np.intp)
        return OwnerGroups(None, empty, empty, np.zeros(0, dtype=np.int64), 0)
    if np.all(owners[1:] >= owners[:-1]):
        order = None
        sorted_owners = owners
    else:
        order = np.argsort(owners, kind="stable")
        sorted_owners = owners[order]
    boundary = np.flatnonzero(sorted_owners[1:] != sorted_owners[:-1]) + 1
    starts = np.concatenate(([0], boundary)).astype(np.intp)
    ends = np.concatenate((boundary, [n])).astype(np.intp)
    owner_ids = sorted_owners[starts].astype(np.int64)
    return OwnerGroups(order, starts, ends, owner_ids, n)


def item_scores(q: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Cosine score of every item row: ``M @ q`` as float32 ``(n,)``."""
    q = np.asarray(q, dtype=np.float32).reshape(-1)
    if M.dtype != np.float32:
        M = M.astype(np.float32)
    if M.ndim != 2 or M.shape[1] != q.shape[0]:
        raise ValueError(f"shape mismatch: M {M.shape} vs q {q.shape}")
    return M @ q


def blend_scores(
    semantic: np.ndarray,
    lexical: np.ndarray | None = None,
    *,
    lexical_weight: float = 0.0,
    item_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Item-level score fusion, as measured by bench/eval_search.py.

    ``(1 - lexical_weight) * semantic + lexical_weight * lexical``, then multiplied by
    ``item_weights`` (e.g. 0.95 for about/offer rows, 1.0 for skill rows). Returns float32.
    """
    out = np.asarray(semantic, dtype=np.float32)
    if lexical is not None and lexical_weight:
        if not 0.0 <= lexical_weight <= 1.0:
            raise ValueError("lexical_weight must be in [0, 1]")
        lex = np.asarray(lexical, dtype=np.float32)
        if lex.shape != out.shape:
            raise ValueError(f"shape mismatch: semantic {out.shape} vs lexical {lex.shape}")
        out = (1.0 - lexical_weight) * out + lexical_weight * lex
    if item_weights is not None:
        out = out * np.asarray(item_weights, dtype=np.float32)
    return out.astype(np.float32, copy=False)


def _as_groups(owners_or_groups: np.ndarray | OwnerGroups) -> OwnerGroups:
    if isinstance(owners_or_groups, OwnerGroups):
        return owners_or_groups
    return group_owners(owners_or_groups)


def _sorted_scores(scores: np.ndarray, groups: OwnerGroups) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if scores.shape[0] != groups.n_items:
        raise ValueError(f"{scores.shape[0]} scores for {groups.n_items} items")
    return scores if groups.order is None else scores[groups.order]


def best_per_owner(
    scores: np.ndarray, owners: np.ndarray | OwnerGroups
) -> tuple[np.ndarray, np.ndarray]:
    """Best item score per owner.

    Returns ``(owner_ids, best)``: unique owner ids ascending (int64) and their best scores
    (float32), aligned.
    """
    groups = _as_groups(owners)
    if groups.n_items == 0:
        return groups.owner_ids, np.zeros(0, dtype=np.float32)
    s = _sorted_scores(scores, groups)
    return groups.owner_ids, np.maximum.reduceat(s, groups.starts)


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values``, best first (ties: lower index first)."""
    values = np.asarray(values).reshape(-1)
    n = values.shape[0]
    k = min(int(k), n)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k < n:
        cand = np.argpartition(-values, k - 1)[:k]
    else:
        cand = np.arange(n)
    # Sort the k candidates by (-value, index) for a deterministic order.
    return cand[np.lexsort((cand, -values[cand]))]


def top_k_owners_from_scores(
    scores: np.ndarray,
    owners: np.ndarray | OwnerGroups,
    k: int = 10,
    *,
    min_score: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` owners by their best item score (already computed, e.g. blended).

    Returns ``(owner_ids, scores)`` best first; owners scoring below ``min_score`` are
    dropped.
    """
    ids, best = best_per_owner(scores, owners)
    sel = top_k(best, k)
    out_ids, out_scores = ids[sel], best[sel]
    if min_score is not None:
        keep = out_scores >= min_score
        out_ids, out_scores = out_ids[keep], out_scores[keep]
    return out_ids, out_scores


def top_k_owners(
    q: np.ndarray,
    M: np.ndarray,
    owners: np.ndarray | OwnerGroups,
    k: int = 10,
    *,
    min_score: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` owners for query vector ``q`` over item matrix ``M``.

    ``owners`` is the ``(n,)`` owner-id array or, better, its precomputed
    :class:`OwnerGroups`. Returns ``(owner_ids, scores)`` best first.
    """
    return top_k_owners_from_scores(item_scores(q, M), owners, k, min_score=min_score)


def best_items(
    scores: np.ndarray,
    owners: np.ndarray | OwnerGroups,
    owner_ids: np.ndarray | None = None,
) -> np.ndarray:
    """Row index (into ``M``/``scores``) of the item that gave each owner its best score.

    For ``owner_ids`` (default: every owner, ascending); -1 for an id with no items. Ties go
    to the first such row in owner-sorted order.
    """
    groups = _as_groups(owners)
    s = _sorted_scores(scores, groups)
    if groups.n_items == 0:
        n_out = 0 if owner_ids is None else len(np.asarray(owner_ids).reshape(-1))
        return np.full(n_out, -1, dtype=np.intp)
    best = np.maximum.reduceat(s, groups.starts)
    is_best = s == np.repeat(best, groups.sizes)
    pos = np.where(is_best, np.arange(groups.n_items), groups.n_items)
    first = np.minimum.reduceat(pos, groups.starts)
    rows = first if groups.order is None else groups.order[first]
    rows = rows.astype(np.intp)
    if owner_ids is None:
        return rows
    owner_ids = np.asarray(owner_ids, dtype=np.int64).reshape(-1)
    seg = np.searchsorted(groups.owner_ids, owner_ids)
    seg_c = np.minimum(seg, groups.n_owners - 1)
    found = groups.owner_ids[seg_c] == owner_ids
    return np.where(found, rows[seg_c], -1).astype(np.intp)

"""Everyday-help knowledge: kinds of help, the names people use and the situations they describe.

Embeddings have no world knowledge: "de stoppen slaan steeds door" lies nowhere near
"elektra klussen". ``kennis/data/everyday_help.toml`` lists kinds of neighbourhood help, each
with names (what members type as a skill) and situations (what people type when they need
it), in Dutch and English. The search links each member skill to its nearest kinds by meaning
(:func:`link_kinds`) and lets the situations of a linked kind count as extra evidence for
that member (kennis.evidence); skills the file does not know keep working by meaning alone.

A kind may name the kinds whose helpers usually do it too (``done_by``: a plumber unblocks a
drain, a smartphone helper sorts out a banking app). A member linked to such a kind counts
for the narrower one as well (:func:`done_by_index`; kennis.search weighs it a little less
and only for a question that lands nearest on the narrower kind), while a kind that needs
another person (piano tuning is not piano lessons) still finds nobody.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np

__all__ = [
    "HelpKind",
    "KindLinks",
    "done_by_index",
    "link_kinds",
    "load_everyday_help",
    "without_asides",
]


@dataclass(frozen=True)
class HelpKind:
    """One kind of everyday help."""

    id: str
    category: str
    names: dict[str, tuple[str, ...]]  # language -> names
    situations: dict[str, tuple[str, ...]]  # language -> situations
    #: Ids of the kinds whose helpers can usually do this one too (not symmetric).
    done_by: tuple[str, ...] = ()
    #: Whether its situations teach the intent classifier what a help request looks like.
    help_example: bool = True

    def name(self, language: str = "nl") -> str:
        """The first name in ``language`` (or in any language)."""
        for lang in (language, "nl", "en"):
            if self.names.get(lang):
                return self.names[lang][0]
        return self.id

    @property
    def all_names(self) -> list[str]:
        return [n for names in self.names.values() for n in names]

    @property
    def all_situations(self) -> list[str]:
        return [s for sits in self.situations.values() for s in sits]


@cache
def load_everyday_help() -> tuple[HelpKind, ...]:
    """The kinds of help of ``kennis/data/everyday_help.toml``, in file order."""
    raw = (files("kennis") / "data" / "everyday_help.toml").read_text(encoding="utf-8")
    kinds = []
    for item in tomllib.loads(raw)["help"]:
        kinds.append(
            HelpKind(
                id=str(item["id"]),
                category=str(item.get("category", "")),
                names={
                    lang: tuple(str(x) for x in item.get(f"names_{lang}", ()))
                    for lang in ("nl", "en")
                },
                situations={
                    lang: tuple(str(x) for x in item.get(f"situations_{lang}", ()))
                    for lang in ("nl", "en")
                },
                done_by=tuple(str(x) for x in item.get("done_by", ())),
                help_example=bool(item.get("help_example", True)),
            )
        )
    ids = [k.id for k in kinds]
    if len(set(ids)) != len(ids):  # pragma: no cover - guards the data file
        raise ValueError("everyday_help.toml: duplicate ids")
    known = set(ids)
    for kind in kinds:
        if not set(kind.done_by) <= known - {kind.id}:  # pragma: no cover - guards the data file
            raise ValueError(f"everyday_help.toml: {kind.id}: done_by names an unknown kind")
    return tuple(kinds)


def done_by_index(kinds: tuple[HelpKind, ...]) -> tuple[tuple[int, ...], ...]:
    """Per kind (by position), the positions of the kinds its helpers do too: the kinds that
    name it in ``done_by``. One step only: "done by" is not passed along a chain."""
    at = {kind.id: j for j, kind in enumerate(kinds)}
    narrower: list[list[int]] = [[] for _ in kinds]
    for j, kind in enumerate(kinds):
        for broader in kind.done_by:
            narrower[at[broader]].append(j)
    return tuple(tuple(n) for n in narrower)


# An aside in brackets: "elektricien (gepensioneerd)", "electrician (certified in Ukraine)",
# "warmtepompen (lucht-water)", "homework help (groep 5-8)".
_ASIDE = re.compile(r"\s*\([^()]*\)")


def without_asides(skill: str) -> str:
    """The skill's words without asides in brackets, by which it is linked to kinds of help:
    an aside qualifies the skill, it does not say which help it is, and it pulls the skill
    away from its kind ("electrician (certified in Ukraine)" was linked to the Ukrainian
    interpreters, "homework help (groep 5-8)" to nothing). The member's own words, aside and
    all, still count as themselves."""
    plain = " ".join(_ASIDE.sub(" ", skill).split())
    return plain if plain else skill


@dataclass(frozen=True)
class KindLinks:
    """Which kinds of help a text is linked to, and how closely (cosine of the text to the
    kind's nearest name)."""

    kinds: np.ndarray  # (k,) kind indices
    closeness: np.ndarray  # (k,) float32


def link_kinds(
    vectors: np.ndarray,
    name_vectors: np.ndarray,
    name_kind: np.ndarray,
    n_kinds: int,
    *,
    top: int,
    min_closeness: float,
    margin: float,
    name_radius: np.ndarray | None = None,
    min_lead: float = -np.inf,
    sharing: Sequence[tuple[np.ndarray, float] | None] | None = None,
    context: np.ndarray | None = None,
    context_weight: float = 0.0,
    context_margin: float = 0.0,
) -> list[KindLinks]:
    """For each row of ``vectors`` (member skills), its nearest kinds of help by their names.

    Closeness is read on the skill's own scale: standard deviations above the skill's mean
    cosine to all names (as queries are read, kennis.reference), so the same numbers work for
    models whose cosines spread differently. A kind is linked when its nearest name is at
    least ``min_closeness`` close and within ``margin`` of the skill's nearest kind (at most
    ``top`` kinds): a skill that *is* a kind of everyday help stands out from the rest and
    links to it; an unusual or professional skill, about equally far from many kinds, links
    to none.

    ``name_radius`` (per name: its mean cosine to its nearest names of *other* kinds, see
    kennis.reference) guards against names that are close to everything: a name counts only
    when the skill is at least ``min_lead`` (cosine) closer to it than the name's unrelated
    neighbours are ("audiomontage" is near "meubelmontage", but no nearer than other kinds'
    names are, so it is no evidence; "lassen (MIG/TIG)" is far nearer to "lassen").

    ``sharing`` (per row None, or a boolean mask over the kinds and a closeness): the kinds
    that name the same language, instrument or school subject as the skill (kennis.exact).
    The closest of them is linked too when it is that close, whatever the margin: "physics
    homework help" is nearest to homework help, but a request for physics lessons asks for
    the physics tutoring kind, and across languages the model alone barely relates the two.

    ``context`` (per row, the sum of the member's other words' vectors; zeros when there are
    none): a skill's words can mean two kinds of help ("netwerk bouwen" is nearest to the
    printer-and-wifi kind, the networking kind a close second), and the member's other words
    say which they meant ("mensen verbinden", "ik breng mensen en organisaties samen"). Among
    the kinds within ``context_margin`` of the nearest that are ``min_closeness`` close, the
    order is the skill's closeness plus ``context_weight`` times the context's (on the same
    scale). A kind the skill alone is too far from is never chosen: the context picks between
    links, it does not make one (nor, by picking a kind below the bar, lose one).
    """
    if len(vectors) == 0:
        return []
    order = np.argsort(name_kind, kind="stable")
    sorted_kind = name_kind[order]
    starts = np.flatnonzero(np.r_[True, sorted_kind[1:] != sorted_kind[:-1]])
    kind_at = sorted_kind[starts]  # the kind whose names begin at each start
    names = np.ascontiguousarray(name_vectors[order])
    scale = _Scale(names)
    radius = None if name_radius is None else np.asarray(name_radius, dtype=np.float32)[order]
    bar = None if radius is None else radius + np.float32(min_lead)
    out: list[KindLinks] = []
    for at in range(0, len(vectors), 2048):  # bounded temporaries at 100k members
        chunk = vectors[at : at + 2048]
        sims = chunk @ names.T  # (n, names)
        if bar is not None:
            sims[sims < bar[None, :]] = -np.inf
        per_kind = scale.standardize(chunk, _per_kind(sims, kind_at, starts, n_kinds))
        order_by = per_kind
        if context is not None and context_weight > 0:
            # Kinds the skill is close enough to link to on its own, near its nearest.
            near = (per_kind >= per_kind.max(axis=1, keepdims=True) - context_margin) & (
                per_kind >= min_closeness
            )
            around = context[at : at + 2048]
            # Only where the words could mean more than one kind, and the member said more.
            torn = np.flatnonzero((near.sum(axis=1) > 1) & np.any(around != 0, axis=1))
            if len(torn):
                said = scale.standardize(
                    around[torn],
                    _per_kind(around[torn] @ names.T, kind_at, starts, n_kinds),
                )
                order_by = per_kind.copy()
                order_by[torn] = np.where(
                    near[torn], per_kind[torn] + np.float32(context_weight) * said, -np.inf
                )
        k = min(top, n_kinds)
        best = np.argpartition(-order_by, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(
            best, np.argsort(-np.take_along_axis(order_by, best, axis=1), axis=1), axis=1
        )
        close = np.take_along_axis(per_kind, best, axis=1)
        linked = (close >= min_closeness) & (close >= close[:, :1] - margin)
        for i, (row, chosen, ok) in enumerate(zip(per_kind, best, linked, strict=True)):
            keep = chosen[ok]
            shared = None if sharing is None else sharing[at + i]
            if shared is not None and shared[0].any():
                same = int(np.argmax(np.where(shared[0], row, -np.inf)))
                if row[same] >= shared[1] and same not in keep:
                    keep = np.append(keep, same)
            out.append(KindLinks(keep.astype(np.intp), row[keep].astype(np.float32)))
    return out


class _Scale:
    """The closeness scale of :func:`link_kinds`: a text's cosines to the names as standard
    deviations above their mean. Read off the names' mean and covariance (d × d) instead of
    over each (texts × names) matrix: per text two small products, not two passes over
    thousands of cosines (a 10k-member sync spent 0.3 s there). The names' maximum per kind
    is taken first: standardizing is increasing, so it commutes with the maximum."""

    def __init__(self, names: np.ndarray) -> None:
        self.mean = names.mean(axis=0)
        centred = names - self.mean
        self.cov = (centred.T @ centred) / max(len(names), 1)

    def standardize(self, texts: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        """``cosines`` (texts × anything, cosines to names) on the scale, in place."""
        mean = texts @ self.mean
        var = np.einsum("ij,ij->i", texts @ self.cov, texts)
        cosines -= mean[:, None]
        cosines /= np.sqrt(np.maximum(var, 1e-12))[:, None]
        return cosines


def _per_kind(sims: np.ndarray, kinds: np.ndarray, starts: np.ndarray, n_kinds: int) -> np.ndarray:
    """Per row and kind the closest of the kind's names (names sorted by kind, ``starts``
    where each kind's names begin); -inf for kinds without names."""
    out = np.full((len(sims), n_kinds), -np.inf, dtype=np.float32)
    out[:, kinds] = np.maximum.reduceat(sims, starts, axis=1)
    return out

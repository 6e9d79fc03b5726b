"""Seed lessons: the starter knowledge every new network gets before members add their own.

The notes live in TOML next to this module (``seed_nl.toml``, ``seed_en.toml``, same lessons in
the same order) so non-programmers can edit them; they are read through
:mod:`importlib.resources` so the loader also works from an installed wheel or zip.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files

__all__ = ["SEED_LANGUAGES", "SeedLesson", "load_seed_lessons"]

SEED_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class SeedLesson:
    """One short practical note; frozen so a loaded list can be shared safely."""

    title: str
    text: str
    tags: tuple[str, ...]


def load_seed_lessons(language: str = "nl") -> list[SeedLesson]:
    """Read the seed lessons for ``language`` ("nl" or "en"), in file order.

    Raises ``ValueError`` for an unknown language rather than silently falling back, so a
    misconfigured network is noticed instead of getting lessons in the wrong language.
    """
    if language not in SEED_LANGUAGES:
        raise ValueError(f"no seed lessons for language {language!r}; use one of {SEED_LANGUAGES}")
    raw = (files(__package__) / f"seed_{language}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return [
        SeedLesson(
            title=str(item["title"]).strip(),
            text=" ".join(str(item["text"]).split()),
            tags=tuple(str(tag).strip() for tag in item.get("tags", ())),
        )
        for item in data.get("lesson", [])
    ]

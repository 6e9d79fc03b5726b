"""Seed lessons: the starter knowledge every new network gets before members add their own.

The notes live in TOML next to this module (``seed_nl.toml``, ``seed_en.toml``, same lessons in
the same order) so non-programmers can edit them; they are read through
:mod:`importlib.resources` so the loader also works from an installed wheel or zip.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = [
    "SEED_LANGUAGES",
    "SeedLesson",
    "load_seed_lessons",
    "readable",
    "seed_in_language",
    "seed_questions",
]

SEED_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class SeedLesson:
    """One short practical note; frozen so a loaded list can be shared safely."""

    title: str
    text: str
    tags: tuple[str, ...]
    #: Questions and problems this note answers, as people would put them in a chat
    #: (written with the note; the search matches them, like the knowledge file's situations).
    questions: tuple[str, ...] = ()


@cache
def _seeds(language: str) -> tuple[SeedLesson, ...]:
    return tuple(load_seed_lessons(language))


def seed_in_language(title: str, text: str, language: str) -> SeedLesson | None:
    """The same seed lesson in ``language``, when (title, text) is a bundled seed lesson
    exactly as shipped in another language; None otherwise.

    A network stores its seed lessons once, in its own language; an English member of a
    Dutch network should still read them in English. Both files hold the same lessons in the
    same order, so the position is the link. A seed an initiator has edited is theirs now and
    is shown as written."""
    if language not in SEED_LANGUAGES:
        return None
    for other in SEED_LANGUAGES:
        for i, seed in enumerate(_seeds(other)):
            if seed.title == title and seed.text == " ".join(text.split()):
                if other == language:
                    return None
                counterparts = _seeds(language)
                return counterparts[i] if i < len(counterparts) else None
    return None


def readable(
    title: str, text: str, tags: tuple[str, ...], source: str, language: str
) -> tuple[str, str, tuple[str, ...]]:
    """Title, text and tags of a stored lesson as a member reading ``language`` should see
    them: a bundled seed lesson in their language, anything people wrote as they wrote it."""
    if source == "seed":
        seed = seed_in_language(title, text, language)
        if seed is not None:
            return seed.title, seed.text, seed.tags
    return title, text, tags


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
            questions=tuple(" ".join(str(q).split()) for q in item.get("questions", ())),
        )
        for item in data.get("lesson", [])
    ]


@cache
def seed_questions() -> dict[str, tuple[str, ...]]:
    """The questions of every seed lesson, by lesson title in either language: a stored
    lesson that still has its seed title gets them as search evidence (kennis.search). A
    lesson gets the questions of both languages: a network keeps its own language's notes,
    and a member asking in the other language finds them through those."""
    out: dict[str, tuple[str, ...]] = {}
    parallel = zip(*(load_seed_lessons(language) for language in SEED_LANGUAGES), strict=True)
    for same in parallel:
        questions = tuple(q for lesson in same for q in lesson.questions)
        for lesson in same:
            if questions:
                out[lesson.title] = questions
    return out

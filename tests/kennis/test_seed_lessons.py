"""The seed lessons every new network starts with: present, complete, and in both languages."""

from __future__ import annotations

import pytest

from kennis.lessons import SEED_LANGUAGES, SeedLesson, load_seed_lessons


@pytest.mark.parametrize("language", SEED_LANGUAGES)
def test_count_and_fields(language: str) -> None:
    lessons = load_seed_lessons(language)
    assert 24 <= len(lessons) <= 30
    for lesson in lessons:
        assert isinstance(lesson, SeedLesson)
        assert lesson.title.strip()
        assert lesson.text.strip()
        assert lesson.tags and all(tag.strip() for tag in lesson.tags)


@pytest.mark.parametrize("language", SEED_LANGUAGES)
def test_titles_are_unique(language: str) -> None:
    titles = [lesson.title.casefold() for lesson in load_seed_lessons(language)]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("language", SEED_LANGUAGES)
def test_texts_are_short_notes(language: str) -> None:
    """2-5 sentences: a lesson is a note to read in a chat, not an article."""
    for lesson in load_seed_lessons(language):
        sentences = [s for s in lesson.text.replace("!", ".").replace("?", ".").split(". ") if s]
        assert 2 <= len(sentences) <= 5, lesson.title


def test_dutch_and_english_are_parallel() -> None:
    nl, en = load_seed_lessons("nl"), load_seed_lessons("en")
    assert len(nl) == len(en)
    # Same order: the number of tags per lesson matches, a cheap check that nothing shifted.
    assert [len(a.tags) for a in nl] == [len(b.tags) for b in en]


def test_default_language_is_dutch() -> None:
    assert load_seed_lessons() == load_seed_lessons("nl")


def test_lessons_are_frozen() -> None:
    lesson = load_seed_lessons()[0]
    with pytest.raises(AttributeError):
        lesson.title = "x"  # type: ignore[misc]


def test_unknown_language() -> None:
    with pytest.raises(ValueError):
        load_seed_lessons("fr")

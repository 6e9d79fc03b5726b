"""Lesson notes read in the member's language: a Dutch network's bundled notes are shown in
English to a member who reads English; notes people wrote stay as they wrote them."""

from __future__ import annotations

import pytest

from kennis.lessons import load_seed_lessons, readable, seed_in_language
from tests.conftest import ScriptRunner

pytestmark = pytest.mark.both_databases


async def test_an_english_member_reads_the_bundled_notes_in_english(
    run_script: ScriptRunner,
) -> None:
    nl, en = load_seed_lessons("nl")[0], load_seed_lessons("en")[0]
    out = await run_script(
        """
        kees@dm: /start
        kees@dm: Kees
        kees@dm: [1]
        kees@dm: /les Koffie: elke vrijdag koffie in de buurtkamer #ontmoeten
        kees@dm: /taal en
        kees@dm: /lessons
        kees@dm: /les 1
        """
    )
    english = out[out.index("/taal en") :]
    assert en.title in english and nl.title not in english
    assert en.text[:60] in english and f"#{en.tags[0]}" in english
    assert "Koffie" in english  # a member's own note stays in the words it was written in


def test_only_untouched_bundled_notes_are_translated() -> None:
    nl, en = load_seed_lessons("nl")[3], load_seed_lessons("en")[3]
    assert seed_in_language(nl.title, nl.text, "en") == en
    assert seed_in_language(en.title, en.text, "nl") == nl
    assert readable(nl.title, nl.text, nl.tags, "seed", "en") == (en.title, en.text, en.tags)
    assert readable(nl.title, nl.text + " (aangepast)", (), "seed", "en")[0] == nl.title
    assert readable(nl.title, nl.text, (), "member", "en")[0] == nl.title
    assert readable(nl.title, nl.text, nl.tags, "seed", "nl") == (nl.title, nl.text, nl.tags)

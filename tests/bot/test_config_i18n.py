"""Settings precedence and validation; translation catalogs complete in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, describe_settings, load_settings
from bot.i18n import Translator, catalog, language_of, placeholders, plural_catalog


def test_defaults() -> None:
    s = load_settings(env={})
    assert (s.language, s.timezone) == ("nl", "Europe/Amsterdam")
    assert s.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert s.effective_database_url.endswith("vonk.db")


def test_environment_overrides_toml(tmp_path: Path) -> None:
    toml = tmp_path / "vonk.toml"
    toml.write_text('language = "en"\ntimezone = "Europe/Brussels"\nseed_lessons = false\n')
    s = load_settings(
        toml,
        env={"VONK_TIMEZONE": "Europe/London", "VONK_MATRIX_ALLOWED_INVITERS": "@a:x.org, :y.org"},
    )
    assert s.language == "en"
    assert s.timezone == "Europe/London"
    assert s.seed_lessons is False
    assert s.matrix_allowed_inviters == ["@a:x.org", ":y.org"]


def test_toml_may_use_a_vonk_section(tmp_path: Path) -> None:
    toml = tmp_path / "vonk.toml"
    toml.write_text('[vonk]\nlanguage = "en"\n')
    assert load_settings(toml, env={}).language == "en"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VONK_LANGUAGE": "de"}, "VONK_LANGUAGE"),
        ({"VONK_TIMEZONE": "Mars/Olympus"}, "VONK_TIMEZONE"),
        ({"VONK_TELEGRAM_WEBHOOK_PORT": "abc"}, "VONK_TELEGRAM_WEBHOOK_PORT"),
        ({"VONK_SEED_LESSONS": "misschien"}, "VONK_SEED_LESSONS"),
    ],
)
def test_bad_settings_are_explained(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_unknown_toml_key_and_bad_toml(tmp_path: Path) -> None:
    toml = tmp_path / "vonk.toml"
    toml.write_text("langauge = 'nl'\n")
    with pytest.raises(ConfigError, match="unknown setting 'langauge'"):
        load_settings(toml, env={})
    toml.write_text("language = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(toml, env={})


def test_secrets_are_not_printed() -> None:
    s = load_settings(env={"VONK_TELEGRAM_TOKEN": "123:secret"})
    rows = {name: value for name, value, _ in describe_settings(s)}
    assert rows["VONK_TELEGRAM_TOKEN"] == "(set)"
    assert all("secret" not in value for value in rows.values())
    assert all(help_text for _, _, help_text in describe_settings(s))


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    nl, en = catalog("nl"), catalog("en")
    assert set(nl) == set(en), set(nl) ^ set(en)
    for key in nl:
        assert placeholders(nl[key]) == placeholders(en[key]), key


def test_plural_forms_in_both_catalogs() -> None:
    nl, en = plural_catalog("nl"), plural_catalog("en")
    assert set(nl) == set(en), set(nl) ^ set(en)
    assert not set(nl) & set(catalog("nl")), "a key is either plural or not"
    for key in nl:
        assert len(nl[key]) == len(en[key]) == 2, key
        # A singular may say "one" in words instead of {count}; the rest must agree.
        shapes = {frozenset(placeholders(form) - {"count"}) for form in nl[key] + en[key]}
        assert len(shapes) == 1, key
    t = Translator("nl")
    assert t.n("web.members_count", 1) == "1 lid"
    assert t.n("web.members_count", 3) == "3 leden"
    assert Translator("en").n("web.members_count", 0) == "0 members"


def test_plural_forms_follow_the_count() -> None:
    nl, en = Translator("nl"), Translator("en")
    assert nl.n("calls.invited", 1) == "Ik heb 1 persoon die goed past persoonlijk uitgenodigd."
    assert "3 mensen die goed passen" in nl.n("calls.invited", 3)
    assert en.n("common.names_and_others", 1, names="Ann") == "Ann and 1 other"
    assert en.n("common.names_and_others", 26, names="Ann") == "Ann and 26 others"
    assert nl.n("calls.places", 1, taken=0) == "0 van 1 plek gevuld"
    assert Translator("fr").n("common.names_and_others", 2, names="A") == "A en 2 anderen"
    assert nl.n("no.such.key", 2) == "no.such.key"


def test_translator_formats_and_falls_back() -> None:
    assert Translator("en")("onboarding.name_saved", name="Ann") == "Great, Ann!"
    assert Translator("nl")("onboarding.name_saved", name="Ann") == "Fijn, Ann!"
    assert Translator("fr")("common.yes") == "Ja"  # unknown language: Dutch
    assert Translator("en")("no.such.key") == "no.such.key"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hi all, I'm Pete, just moved in on the Lindenlaan", "en"),
        ("can someone help me with my bike", "en"),
        ("kan iemand me helpen met mijn fiets", "nl"),
        ("hoi, ik ben Kees", "nl"),
        ("ok", "nl"),  # nothing telling: the network's language
        ("hello", "nl"),
        ("we need a drill", "en"),
        ("ik need a drill", "nl"),  # both: not plain
    ],
)
def test_the_language_a_first_line_is_plainly_in(text: str, language: str) -> None:
    assert language_of(text, "nl") == language

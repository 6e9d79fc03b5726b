"""Recurrence rules (bot/when.py): one test per way members say "every ..."; a repetition
without a day is asked back, never guessed. NOW is Tuesday 24 November 2026, 12:00."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.when import (
    InvalidWhen,
    Recurrence,
    VagueRecurrence,
    first_occurrence,
    parse_recurrence,
)

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)


def rule(text: str) -> Recurrence:
    found = parse_recurrence(text, now=NOW, tz=TZ)
    assert isinstance(found, Recurrence), found
    return found


def first(found: Recurrence) -> datetime:
    return first_occurrence(found, now=NOW, tz=TZ, hour=10)


def test_elke_zaterdag_is_every_saturday_with_its_time_and_the_title_left_over() -> None:
    found = rule("Koffie-ochtend elke zaterdag 10:00")
    assert (found.weekday, found.interval, found.nth) == (5, 1, None)
    assert (found.hour, found.minute, found.rest) == (10, 0, "Koffie-ochtend")
    assert first(found) == datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
    days = found.days(date(2026, 11, 28), date(2026, 11, 28), date(2026, 12, 19))
    assert days == [date(2026, 11, 28), date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19)]


def test_iedere_week_op_dinsdag() -> None:
    found = rule("Breien iedere week op dinsdag om 19:30")
    assert (found.weekday, found.interval, found.hour, found.minute) == (1, 1, 19, 30)
    assert found.rest == "Breien"
    assert first(found) == datetime(2026, 11, 24, 19, 30, tzinfo=TZ)  # today, still ahead


def test_a_weekday_that_already_passed_today_starts_next_week() -> None:
    assert first(rule("elke dinsdag 9:00")) == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def test_elke_eerste_maandag_van_de_maand() -> None:
    found = rule("Repair café elke eerste maandag van de maand")
    assert (found.weekday, found.nth, found.rest) == (0, 1, "Repair café")
    assert first(found) == datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
    days = found.days(date(2026, 12, 7), date(2026, 12, 1), date(2027, 2, 28))
    assert days == [date(2026, 12, 7), date(2027, 1, 4), date(2027, 2, 1)]


def test_elke_laatste_vrijdag_van_de_maand() -> None:
    found = rule("elke laatste vrijdag van de maand")
    assert (found.weekday, found.nth) == (4, -1)
    assert first(found) == datetime(2026, 11, 27, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    "text",
    ["Tuin om de week op woensdag", "Tuin elke twee weken op woensdag", "Tuin woensdag om de week"],
)
def test_om_de_week_and_elke_twee_weken_are_every_other_week(text: str) -> None:
    found = rule(text)
    assert (found.weekday, found.interval, found.rest) == (2, 2, "Tuin")
    days = found.days(date(2026, 11, 25), date(2026, 11, 25), date(2026, 12, 31))
    assert days == [date(2026, 11, 25), date(2026, 12, 9), date(2026, 12, 23)]


def test_every_tuesday() -> None:
    found = rule("Choir every Tuesday 7pm")
    assert (found.weekday, found.interval, found.hour, found.rest) == (1, 1, 19, "Choir")


def test_every_first_monday_of_the_month() -> None:
    found = rule("every first Monday of the month at 20:00")
    assert (found.weekday, found.nth, found.hour) == (0, 1, 20)


def test_every_other_friday() -> None:
    assert rule("every other Friday").interval == 2


def test_vanaf_sets_the_first_day() -> None:
    found = rule("Koffie elke zaterdag 10:00 vanaf 5 december")
    assert found.start == date(2026, 12, 5) and found.rest == "Koffie"
    assert first(found) == datetime(2026, 12, 5, 10, 0, tzinfo=TZ)


def test_an_impossible_start_is_said_to_be_impossible() -> None:
    found = parse_recurrence("elke zaterdag vanaf 32 december", now=NOW, tz=TZ)
    assert isinstance(found, InvalidWhen)


@pytest.mark.parametrize(
    "text",
    [
        "Koffie elke week",
        "elke maand iets",
        "wekelijks",
        "regelmatig opruimen",
        "every week",
        "monthly",
        "om de twee weken",
    ],
)
def test_a_repetition_without_a_day_is_vague(text: str) -> None:
    assert isinstance(parse_recurrence(text, now=NOW, tz=TZ), VagueRecurrence)


@pytest.mark.parametrize(
    "text", ["Opruimen zaterdag 10:00", "Bankjes verven 12 december", "ik doe mee", "elke"]
)
def test_a_single_date_is_no_recurrence(text: str) -> None:
    assert parse_recurrence(text, now=NOW, tz=TZ) is None


def test_the_rule_survives_storage() -> None:
    found = rule("om de week op woensdag")
    assert Recurrence.from_data(found.as_data()) == Recurrence(2, 2, None)

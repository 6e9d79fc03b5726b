"""Amounts and hours as people type or say them (bot/numbers.py): words, fractions, units,
and strict refusals of signs, exponents and numbers past the bound."""

from __future__ import annotations

import pytest

from bot.numbers import parse_amount, parse_hours


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3), ("1,5", 1.5), ("2.5", 2.5), ("drie", 3), ("Twaalf", 12), ("three", 3),
        ("anderhalf", 1.5), ("een half", 0.5), ("half", 0.5), ("twee en een half", 2.5),
        ("three and a half", 3.5), ("a quarter", 0.25), ("kwartier", 0.25),
        ("drie kwartier", 0.75), ("een", 1), ("één", 1),
    ],
)  # fmt: skip
def test_amounts_in_digits_and_words(text: str, value: float) -> None:
    assert parse_amount(text, high=24) == value


@pytest.mark.parametrize("text", ["-5", "+5", "1e9", "99999", "٣", "drie?", "flyers", "", "5-"])
def test_amounts_that_are_not_read(text: str) -> None:
    assert parse_amount(text, high=24) is None


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("3", 3), ("3 uur", 3), ("2u", 2), ("drie uur", 3), ("anderhalf uur", 1.5),
        ("een half uur", 0.5), ("kwartier", 0.25), ("90 minuten", 1.5), ("een uur", 1),
        ("an hour and a half", 1.5), ("half an hour", 0.5), ("twee en een half uur", 2.5),
        ("Drie uur.", 3), ("24 uur", 24), ("3 uurtjes", 3), ("een uurtje", 1),
    ],
)  # fmt: skip
def test_hours_as_people_say_them(text: str, hours: float) -> None:
    assert parse_hours(text, high=24) == hours


@pytest.mark.parametrize("text", ["-5 uur", "1e9 uur", "99999 uur", "25 uur", "0", "0 uur", "uur"])
def test_hours_out_of_bounds_or_unreadable(text: str) -> None:
    assert parse_hours(text, high=24) is None

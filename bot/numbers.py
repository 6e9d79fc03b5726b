"""Numbers from outside (typed by a person, carried by a button or a callback), read strictly.

``int()`` alone accepts too much: other scripts' digits ("٣"), signs, underscores ("1_000"),
surrounding spaces, and numbers of any size, which then fail in the database (see
:mod:`storage.ids`). These readers accept ASCII digits only, within a stated range, and answer
None for anything else, so the caller can say "I don't know that one" instead of failing.
"""

from __future__ import annotations

import re

from storage.ids import MAX_ID

_DIGITS = re.compile(r"[0-9]{1,10}")
_DECIMAL = re.compile(r"([0-9]{1,6})(?:[.,]([0-9]{1,3}))?")


def parse_int(text: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """A whole number written with ASCII digits only, ``low <= n <= high``; else None."""
    if _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: str) -> int | None:
    """A row id (``1 … 2³¹−1``), as a person or a button gives it: '12'; else None."""
    return parse_int(text, low=1, high=MAX_ID)


def parse_decimal(text: str, *, high: float) -> float | None:
    """'2', '1.5' or '1,5' (a decimal comma, as Dutch writes it), ``0 <= x <= high``."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return None
    whole, fraction = match.groups()
    value = float(f"{whole}.{fraction or 0}")
    return value if value <= high else None


# -- amounts as people say them ------------------------------------------------------------------
WORD_NUMBERS = {
    "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_HALF = r"(?:en\s+een\s+half|and\s+a\s+half|½)"
_AMOUNT = re.compile(
    rf"^(?P<whole>[0-9]{{1,6}}(?:[.,][0-9]{{1,3}})?|[^\W\d_]+)\s*(?P<half>{_HALF})?$",
    re.IGNORECASE,
)
# Fractions said on their own, written without spaces.
_FRACTIONS = {
    "half": 0.5, "eenhalf": 0.5, "½": 0.5, "ahalf": 0.5, "halfan": 0.5,
    "anderhalf": 1.5, "kwartier": 0.25, "eenkwartier": 0.25, "driekwartier": 0.75,
    "aquarter": 0.25, "aquarterofan": 0.25, "threequarters": 0.75, "threequartersofan": 0.75,
}  # fmt: skip


def parse_amount(text: str, *, high: float) -> float | None:
    """An amount as people type or say it: '3', '1,5', 'drie', 'anderhalf', 'een half',
    'twee en een half', 'a quarter', 'three and a half'; ``0 <= x <= high``, else None.
    Anything else (signs, exponents, other scripts' digits) is None too."""
    words = " ".join(text.casefold().split())
    value: float | None = _FRACTIONS.get(words.replace(" ", ""))
    if value is None and (match := _AMOUNT.match(words)):
        whole = match.group("whole")
        value = parse_decimal(whole, high=high) if whole[0].isdigit() else WORD_NUMBERS.get(whole)
        if value is not None and match.group("half"):
            value += 0.5
    return value if value is not None and 0 <= value <= high else None


_HOUR_UNIT = r"uurtjes|uurtje|uur|uren|u|h|hrs?|hours?"
_MINUTE_UNIT = r"minuten|minuut|min|minutes?|mins"
_WITH_UNIT = re.compile(
    rf"^(?P<amount>.*?)\s*(?:(?P<hours>{_HOUR_UNIT})|(?P<minutes>{_MINUTE_UNIT}))?$"
)
_HOUR_AND_HALF = re.compile(rf"^(?P<amount>\S+)\s+(?:{_HOUR_UNIT})\s+(?:en een half|and a half)$")


def parse_hours(text: str, *, high: float) -> float | None:
    """Hours as people type or say them: '3', '3 uur', '2u', 'drie uur', 'anderhalf uur',
    'een half uur', 'kwartier', '90 minuten', 'an hour and a half'; ``0 < h <= high``,
    else None."""
    words = " ".join(text.casefold().split()).rstrip(".!")
    if match := _HOUR_AND_HALF.match(words):
        words = f"{match.group('amount')} en een half"
    match = _WITH_UNIT.match(words)
    if match is None or not match.group("amount"):
        return None
    if match.group("minutes"):
        minutes = parse_amount(match.group("amount"), high=high * 60)
        value = minutes / 60 if minutes is not None else None
    else:
        value = parse_amount(match.group("amount"), high=high)
    return value if value is not None and 0 < value <= high else None

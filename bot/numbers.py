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

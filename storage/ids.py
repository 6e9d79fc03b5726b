"""The range of a row id, the same on both databases.

Ids are ``INTEGER`` columns: 64-bit on SQLite, 32-bit on PostgreSQL. A number outside the
smaller range never names a row, and passing it to a query fails differently on each (SQLite:
``OverflowError`` in the driver; PostgreSQL: "out of int32 range"), so a number from outside is
checked against this range before it reaches a query.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """Whether ``value`` could be the id of a row (ids start at 1)."""
    return 1 <= value <= MAX_ID

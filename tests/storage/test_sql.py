"""Which database errors a second try can get past (App retries an event's unit of work on
those, and only those)."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.sql import is_transient


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_busy_sqlite_serialization_and_deadlock_are_transient() -> None:
    locked = DBAPIError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
    assert is_transient(locked)
    assert is_transient(DBAPIError("UPDATE", {}, _PgError("40001")))
    assert is_transient(DBAPIError("UPDATE", {}, _PgError("40P01")))


def test_broken_rules_and_other_exceptions_are_not() -> None:
    dup = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not is_transient(dup)
    assert not is_transient(ValueError("database is locked"))

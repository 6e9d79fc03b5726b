"""Statements both databases understand but SQLAlchemy spells per dialect.

Get-or-create is ``INSERT … ON CONFLICT DO NOTHING`` followed by a read: two processes (or two
events) creating the same chat, member account or cell at once both end up with the one row,
and neither transaction is broken by a unique violation (which would poison a unit of work).
Free text is cut to its column as the ORM's own inserts do (``models.fitted``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, fitted


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE, DELETE or INSERT touched (``Session.execute`` types its result as the
    general ``Result``; for those statements it is a ``CursorResult``)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def dialect(s: AsyncSession) -> str:
    """The database the session talks to: ``"postgresql"`` or ``"sqlite"``."""
    bind = s.bind
    assert bind is not None, "a session of Storage is always bound"
    return bind.dialect.name


def _insert(s: AsyncSession, model: type[Base]) -> Any:
    return (postgresql if dialect(s) == "postgresql" else sqlite).insert(model)


def table(model: type[Base]) -> Table:
    """The Core table of a model. Statements on the table skip the ORM's per-execution work
    (and return plain rows): the hot path of an event uses them."""
    return cast(Table, model.__table__)


T = TypeVar("T")


class Prepared(Generic[T]):
    """A statement built once per database dialect, for the statements every event runs.

    Built once, a statement keeps its cache key (SQLAlchemy memoises it on the object) and
    finds its compiled form in the engine's cache: executing it costs only its parameters.
    Values go in as parameters (``bindparam``), never into the statement."""

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._built: dict[str, T] = {}

    def __call__(self, s: AsyncSession) -> T:
        name = dialect(s)
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = self._build(name)
        return built


def insert_for(dialect_name: str, model: type[Base]) -> Any:
    """``INSERT INTO`` the model's table in the dialect that knows ``ON CONFLICT``."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table(model))


def insert_ignoring(
    s: AsyncSession, model: type[Base], conflict: Sequence[str], values: Mapping[str, Any]
) -> Any:
    """``INSERT INTO model … ON CONFLICT (conflict) DO NOTHING``."""
    statement = _insert(s, model).values(**fitted(model, dict(values)))
    return statement.on_conflict_do_nothing(index_elements=list(conflict))


def insert_many_ignoring(
    s: AsyncSession, model: type[Base], conflict: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> tuple[Any, list[dict[str, Any]]]:
    """The statement and parameters for many rows at once (``await s.execute(*result)``)."""
    statement = _insert(s, model).on_conflict_do_nothing(index_elements=list(conflict))
    return statement, [fitted(model, dict(row)) for row in rows]


def upsert(
    s: AsyncSession, model: type[Base], conflict: Sequence[str], values: Mapping[str, Any]
) -> Any:
    """``INSERT … ON CONFLICT (conflict) DO UPDATE`` setting every other given column."""
    values = fitted(model, dict(values))
    statement = _insert(s, model).values(**values)
    changes = {k: statement.excluded[k] for k in values if k not in conflict}
    return statement.on_conflict_do_update(index_elements=list(conflict), set_=changes)


def is_transient(exc: BaseException) -> bool:
    """A database error that a second try can get past: SQLite busy, PostgreSQL
    serialization failure or deadlock, a connection that dropped."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in ("40001", "40P01") or "database is locked" in text or "deadlock" in text

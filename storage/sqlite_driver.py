"""SQLite through aiosqlite with one hand-off to its thread per statement, not four.

SQLAlchemy's aiosqlite adapter asks aiosqlite's thread for a cursor, then to execute, then for
the rows, then to close the cursor: four hand-offs (a queue put, a wake-up of the event loop,
a greenlet switch each) for every statement. Here the cursor is made, executed, read and
closed in one call on that thread, and what SQLAlchemy reads afterwards (description, row
count, last row id, the rows) comes back with it. Everything else (connections, transactions,
errors, server-side cursors) is SQLAlchemy's own adapter, unchanged.

``dbapi()`` is passed to ``create_async_engine(..., module=...)``; it returns None when the
installed aiosqlite or SQLAlchemy lacks what this relies on, and the engine then uses the
stock adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

try:  # what this builds on; absent or changed: the stock adapter is used
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
    from sqlalchemy.util import EMPTY_DICT
except ImportError:  # pragma: no cover
    aiosqlite = None  # type: ignore[assignment]


class _Done:
    """A statement executed on aiosqlite's thread: what SQLAlchemy asks a cursor afterwards."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.arraysize = cursor.arraysize
        self.rows = rows

    def close(self) -> None:  # closed on the thread already
        pass


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Done:
    """On aiosqlite's thread: cursor, execute, rows, close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters if parameters is not None else ())
        rows = cursor.fetchall() if cursor.description else []
        return _Done(cursor, rows)
    finally:
        cursor.close()


if aiosqlite is not None:

    class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
        __slots__ = ()
        _awaitable_cursor_close = False  # nothing left open on the thread

        def __init__(self, adapt_connection: Any) -> None:  # no cursor made on the thread yet
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._cursor = None  # type: ignore[assignment]
            self._soft_closed_memoized = EMPTY_DICT
            self._rows = collections.deque()

        @property
        def description(self) -> Any:
            return self._cursor.description if self._cursor is not None else None

        @property
        def rowcount(self) -> int:
            return self._cursor.rowcount if self._cursor is not None else -1

        @property
        def lastrowid(self) -> Any:
            return self._cursor.lastrowid if self._cursor is not None else None

        @property
        def arraysize(self) -> int:
            return self._cursor.arraysize if self._cursor is not None else 1

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            if self._cursor is not None:
                self._cursor.arraysize = value

        async def _run(self, operation: Any, parameters: Any, many: bool) -> Any:
            async with self._adapt_connection._execute_mutex:
                done: _Done = await self._connection._execute(
                    _execute, self._connection._conn, operation, parameters, many
                )
                self._cursor = done  # type: ignore[assignment]
                self._rows = collections.deque(done.rows)
            return self

        async def _execute_async(self, operation: Any, parameters: Any) -> Any:
            return await self._run(operation, parameters, False)

        async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
            return await self._run(operation, seq_of_parameters, True)

    class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()
        _cursor_cls = _OneHopCursor

    class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            stock = super().connect(*arg, **kw)
            stock.__class__ = _OneHopConnection  # same slots: only the cursor class differs
            return stock


def dbapi() -> Any:
    """The DBAPI module for ``create_async_engine(module=...)``, or None: use the stock one."""
    if aiosqlite is None:
        return None
    needed = (
        hasattr(aiosqlite.Connection, "_execute")
        and hasattr(aiosqlite.Connection, "_conn")
        and hasattr(AsyncAdapt_aiosqlite_cursor, "_execute_async")
        and hasattr(AsyncAdapt_aiosqlite_cursor, "_executemany_async")
    )
    return _OneHopDbapi(aiosqlite, sqlite3) if needed else None

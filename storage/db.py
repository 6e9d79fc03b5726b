"""Engine, sessions and migrations for SQLite (default) and PostgreSQL.

Migrations run through Alembic on the same connection the app uses, so ``vonk run`` and
``vonk db upgrade`` bring any database to the current schema in one way.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.locks import lock_key

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = lock_key("vonk:migrations")


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


class Database:
    """Owns the engine and the sessionmaker; repositories receive the sessionmaker."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._probe_path = (
            parsed.database
            if self.is_sqlite and parsed.database and parsed.database != ":memory:"
            else None
        )
        self._probe: sqlite3.Connection | None = None
        # SQLite has one writer at a time. Writers of this process queue here, in order, instead
        # of sleeping in SQLite's busy handler; other processes still wait there (busy_timeout).
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def write_lock(self) -> AsyncIterator[None]:
        """Held for every write transaction of this process on SQLite; free on PostgreSQL."""
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Several processes starting at once on PostgreSQL: one migrates, the others
                # wait here (the lock ends with the transaction) and then find nothing to do.
                # DDL is transactional there, so a half-run migration is never visible.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), revision))

    async def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )

    async def checkpoint(self) -> bool:
        """SQLite: copy the write-ahead log into the database file and truncate the log, so
        what was deleted (overwritten with zeros by ``secure_delete``) leaves no readable
        copy in the -wal file. Waits for this process's writers, and up to the busy timeout for
        readers. True when the log is empty now; always True on PostgreSQL (nothing to do)."""
        if not self.is_sqlite:
            return True
        async with self.write_lock(), self.engine.connect() as conn:
            # One row: (busy, frames in the log, frames checkpointed).
            row = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        return not row[0]

    async def ping(self) -> None:
        """One round trip (``SELECT 1``) for the health check; raises when the database does
        not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def data_version(self) -> int | None:
        """A number that changes whenever a connection (any process) committed a write.

        SQLite's ``PRAGMA data_version`` on a private connection that never writes: microseconds and
        no await, so a reader can skip its "anything new?" query when nothing was written.
        None when there is no such probe (PostgreSQL, in-memory SQLite): ask the database.
        """
        if self._probe_path is None:
            return None
        try:
            if self._probe is None:  # never writes; opened after the schema exists
                self._probe = sqlite3.connect(
                    Path(self._probe_path).expanduser(), check_same_thread=False
                )
            return int(self._probe.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """Foreign keys on (cascades work), WAL so readers don't block the writer, patient locks."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA secure_delete=ON")  # a forgotten member leaves no readable trace
    cursor.close()

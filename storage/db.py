"""Engine, sessions and migrations for SQLite (default) and PostgreSQL.

Migrations run through Alembic on the same connection the app uses, so ``vonk run`` and
``vonk db upgrade`` bring any database to the current schema in one way.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage import sqlite_driver
from storage.locks import lock_key

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Connections a process keeps open to a server database, and how many more it may open at
#: busy moments (closed again when returned).
POOL_SIZE = 16
POOL_OVERFLOW = 16
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
        # SQLite: one hand-off to aiosqlite's thread per statement (storage/sqlite_driver.py).
        module = sqlite_driver.dbapi() if self.is_sqlite else None
        options: dict[str, object] = {"module": module} if module is not None else {}
        if not self.is_sqlite:
            # Enough kept connections for everything that runs at once (8 events, replies
            # going out, intake, jobs, heartbeat): with SQLAlchemy's default of 5 kept, every
            # busy second opened and closed overflow connections, and each new PostgreSQL
            # connection is a new server process (bench/intake.py, 150/s: connects and
            # closes showed in the profile).
            options.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **options)
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
        self._write_lock = WriteLock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def write_lock(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Held for every write transaction of this process on SQLite; free on PostgreSQL.
        ``urgent`` writers (marking a message sent) go before waiting units of work."""
        if self._write_lock is None:
            yield
            return
        async with self._write_lock.hold(urgent=urgent):
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


class WriteLock:
    """A FIFO lock whose urgent waiters go first.

    The time between sending a message and recording that it was sent is the only moment a
    crash can make a message go out twice; so that write does not queue behind units of work.
    """

    def __init__(self) -> None:
        self._held = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._normal: collections.deque[asyncio.Future[None]] = collections.deque()

    @contextlib.asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._normal:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._normal
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed over just as we were cancelled: pass it on
            else:
                queue.remove(waiter)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # ownership passes on directly: still held
                    return
        self._held = False


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """Foreign keys on (cascades work), WAL so readers don't block the writer, patient locks."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL with synchronous=NORMAL: a commit survives a crash of the process (kill -9); only
    # a power cut can lose the last moments. docs/deploy.md says when to choose PostgreSQL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # a forgotten member leaves no readable trace
    cursor.close()

"""Named locks between Vonk processes that share one database.

Some work must run in exactly one process at a time although every process is alike: the
Matrix sync loop of one account (two syncers would each handle, and answer, every event).
On PostgreSQL a named lock is a session-level advisory lock (``pg_try_advisory_lock``) held
on a connection of its own for as long as the work runs. PostgreSQL releases it when that
connection ends, so when the holding process dies (even by SIGKILL) another one can take
over; no lease to tune, nothing to clean up.

SQLite is for a single process: there the lock only excludes holders inside this process.

    lock = await storage.locks.try_hold("matrix-sync:@vonk:example.org")
    if lock is None: ...            # another process holds it; try again later
    ...
    if not await lock.alive(): ...  # the connection (and with it the lock) is gone
    await lock.release()

    async with storage.locks.hold(name):  # waits until it is ours
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

ALIVE_TIMEOUT = 10.0  # seconds for the liveness round trip; longer means "lost"

# SQLite: (database url, lock name) of the locks held in this process.
_local: set[tuple[str, str]] = set()


def lock_key(name: str) -> int:
    """The advisory-lock key of a name: the first 8 bytes of its SHA-256, a signed bigint
    (a hash, so any name fits; 2^-64 chance of two names sharing a key)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class HeldLock:
    """A lock this process holds until :meth:`release` (or until its connection dies)."""

    def __init__(self, locks: Locks, name: str, conn: AsyncConnection | None) -> None:
        self._locks = locks
        self.name = name
        self.key = lock_key(name)
        self._conn = conn
        self._released = False

    async def alive(self) -> bool:
        """Still ours? One round trip on the lock's connection: a dropped connection (a
        database restart, a network cut) has taken the lock with it."""
        if self._released:
            return False
        if self._conn is None:
            return True
        try:
            # A session-level lock lives exactly as long as its connection, which only we
            # use: if the connection answers, the lock is still ours.
            await asyncio.wait_for(self._conn.scalar(text("SELECT 1")), ALIVE_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("lock %s: its connection failed (%s); the lock is lost", self.name, exc)
            return False
        return True

    async def release(self) -> None:
        """Give the lock up (idempotent). Closing the connection releases it in any case."""
        if self._released:
            return
        self._released = True
        if self._conn is None:
            _local.discard((self._locks.url, self.name))
            return
        conn, self._conn = self._conn, None
        try:
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        finally:
            with contextlib.suppress(Exception):
                await conn.close()  # NullPool: the connection really closes


class Locks:
    """The named locks of one database (``storage.locks``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = make_url(url).get_backend_name() == "postgresql"
        self._engine: AsyncEngine | None = None

    def _lock_engine(self) -> AsyncEngine:
        # Its own engine without a pool: a lock's connection is never shared or reused, and
        # closing it ends the database session (and so the lock) for certain.
        if self._engine is None:
            self._engine = create_async_engine(
                self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
        return self._engine

    async def try_hold(self, name: str) -> HeldLock | None:
        """The lock if it is free now, else None (never waits)."""
        if not self.is_postgres:
            if (self.url, name) in _local:
                return None
            _local.add((self.url, name))
            return HeldLock(self, name, None)
        conn = await self._lock_engine().connect()
        try:
            got = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}
            )
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return None
        return HeldLock(self, name, conn)

    @contextlib.asynccontextmanager
    async def hold(self, name: str, *, retry_every: float = 5.0) -> AsyncIterator[HeldLock]:
        """Wait until the lock is ours, hold it for the block, then release it."""
        while True:
            lock = await self.try_hold(name)
            if lock is not None:
                break
            await asyncio.sleep(retry_every)  # another process: nothing here can wake us
        try:
            yield lock
        finally:
            await lock.release()

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

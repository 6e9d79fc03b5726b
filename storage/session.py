"""Where a repository's statements run: in a short transaction of its own, or in the unit of
work of the event or job being handled.

Repositories never open sessions themselves; they ask their :class:`Sessions` for one. The
storage the app hands to a handler is *bound* to the unit of work's session, so every write of
one event (its claim, its state changes, its outbox rows) commits together or not at all. The
same repositories unbound (CLI commands, start-up, delivery bookkeeping) give each call its
own transaction.

A write through unbound storage while a unit of work is open in the same task would commit on
its own (and on SQLite wait forever for the unit of work's write lock), so it is refused.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from storage.db import Database


class OutsideUnitOfWork(RuntimeError):
    """A write that bypasses the unit of work currently open in this task."""


@dataclass
class _Open:
    """Marks the task's context while a unit of work runs (tasks started inside it inherit the
    mark, so it is switched off instead of unset when the unit of work ends)."""

    open: bool = True


_current: contextvars.ContextVar[_Open | None] = contextvars.ContextVar(
    "vonk_unit_of_work", default=None
)


def in_unit_of_work() -> bool:
    mark = _current.get()
    return mark is not None and mark.open


@asynccontextmanager
async def marked_unit_of_work() -> AsyncIterator[None]:
    mark = _Open()
    token = _current.set(mark)
    try:
        yield
    finally:
        mark.open = False
        _current.reset(token)


class Sessions:
    """A repository's door to the database: ``write()`` and ``read()`` give a session, either the
    unit of work's (shared, committed by whoever opened it) or a fresh one per call."""

    def __init__(self, db: Database, shared: AsyncSession | None = None) -> None:
        self.db = db
        self.shared = shared

    @property
    def bound(self) -> bool:
        return self.shared is not None

    @asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits when the block ends (or with the unit of
        work, when bound). ``urgent``: go before waiting units of work (SQLite)."""
        if self.shared is not None:
            yield self.shared
            # Repositories mix ORM objects with Core statements; in one long session an object
            # loaded before a Core update would be stale. Records leave as frozen copies, so
            # forgetting every loaded object after each write costs only a re-read. A write of
            # Core statements alone (the hot path's) leaves nothing to flush or forget.
            shared = self.shared.sync_session
            if shared.new or shared.dirty or shared.deleted:
                await self.shared.flush()
            if shared.identity_map:
                shared.expire_all()
            return
        if in_unit_of_work():
            raise OutsideUnitOfWork(
                "a write through unbound storage inside a unit of work: use ctx.storage"
            )
        async with self.db.write_lock(urgent=urgent), self.db.sessions.begin() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; nothing it does is committed unless bound."""
        if self.shared is not None:
            yield self.shared
            return
        async with self.db.sessions() as session:
            yield session

"""Networks and their cells."""

from __future__ import annotations

import time
import unicodedata
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage import models
from storage.records import Cell, Network
from storage.session import Sessions
from storage.sql import insert_ignoring, table

#: How long a network's cells, once read, serve :meth:`NetworkRepository.cells_recent`.
CELLS_FRESH_FOR = 30.0  # seconds

_CELLS = table(models.Cell)
_CELLS_OF = (
    select(_CELLS.c.id, _CELLS.c.network_id, _CELLS.c.name)
    .where(_CELLS.c.network_id == bindparam("network_id"))
    .order_by(_CELLS.c.name)
)
# Per database (its engine), per network: (monotonic time read, cells). Cells are only ever
# added; this process forgets what it kept whenever it adds one (``ensure_cell_in``).
_RECENT_CELLS: weakref.WeakKeyDictionary[AsyncEngine, dict[int, tuple[float, list[Cell]]]] = (
    weakref.WeakKeyDictionary()
)


def cell_key(name: str) -> str:
    """Fold a cell name so '#Oost', 'oost' and 'Óost' are the same cell."""
    text = unicodedata.normalize("NFKD", name.strip().lstrip("#"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _network(row: models.Network) -> Network:
    return Network(id=row.id, name=row.name, language=row.language, timezone=row.timezone)


def _cell(row: Any) -> Cell:
    return Cell(id=row.id, network_id=row.network_id, name=row.name)


class NetworkRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def default(self) -> Network | None:
        """The first network: Vonk serves one network per database unless set up otherwise."""
        async with self._sessions.read() as s:
            row = await s.scalar(select(models.Network).order_by(models.Network.id).limit(1))
            return _network(row) if row else None

    async def create(self, name: str, *, language: str, timezone: str, now: datetime) -> Network:
        async with self._sessions.write() as s:
            row = models.Network(name=name, language=language, timezone=timezone, created_at=now)
            s.add(row)
            await s.flush()
            return _network(row)

    async def get(self, network_id: int) -> Network:
        async with self._sessions.read() as s:
            return _network(await s.get_one(models.Network, network_id))

    async def cells(self, network_id: int) -> list[Cell]:
        async with self._sessions.read() as s:
            rows = await s.execute(_CELLS_OF, {"network_id": network_id})
            return [_cell(r) for r in rows]

    async def cells_recent(self, network_id: int) -> list[Cell]:
        """:meth:`cells` as read at most :data:`CELLS_FRESH_FOR` seconds ago, for wording
        that only needs an example (``/hulp``); a cell this process adds is seen at once,
        one another process adds within that time."""
        kept = _RECENT_CELLS.setdefault(self._sessions.db.engine, {})
        found = kept.get(network_id)
        if found is not None and time.monotonic() - found[0] < CELLS_FRESH_FOR:
            return list(found[1])
        read_at = time.monotonic()
        cells = await self.cells(network_id)
        kept[network_id] = (read_at, cells)
        return list(cells)

    async def find_cell(self, network_id: int, name: str) -> Cell | None:
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(models.Cell).where(
                    models.Cell.network_id == network_id, models.Cell.key == cell_key(name)
                )
            )
            return _cell(row) if row else None

    async def get_cell(self, cell_id: int) -> Cell | None:
        async with self._sessions.read() as s:
            row = await s.get(models.Cell, cell_id)
            return _cell(row) if row else None

    async def ensure_cell(self, network_id: int, name: str) -> Cell:
        async with self._sessions.write() as s:
            return _cell(await ensure_cell_in(s, network_id, name))


async def ensure_cell_in(s: AsyncSession, network_id: int, name: str) -> models.Cell:
    """Find or create a cell inside an open unit of work (imports create cells on the fly)."""
    key = cell_key(name)
    where = (models.Cell.network_id == network_id, models.Cell.key == key)
    row = await s.scalar(select(models.Cell).where(*where))
    if row is None:
        if isinstance(s.bind, AsyncEngine):  # cells_recent reads them again
            _RECENT_CELLS.pop(s.bind, None)
        await s.execute(
            insert_ignoring(
                s,
                models.Cell,
                ("network_id", "key"),
                dict(network_id=network_id, name=name.strip().lstrip("#"), key=key),
            )
        )
        row = await s.scalar(select(models.Cell).where(*where))
        assert row is not None
    return row

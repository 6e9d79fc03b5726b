"""Keep PostgreSQL's id sequences ahead of rows inserted with explicit ids.

A bulk load that writes ids itself (the benchmarks, a copy from another database) leaves the
``SERIAL`` sequence where it was, and the next ordinary insert would collide with id 1.
SQLite needs nothing: it takes max(rowid) + 1.
"""

from __future__ import annotations

from sqlalchemy import Integer, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Base


async def sync_sequences(conn: AsyncConnection) -> None:
    """Move every integer primary key's sequence past the highest id in its table."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        column = keys[0].name
        # setval(seq, max, true) -> next is max + 1; an empty table goes back to 1.
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) '
                f'FROM "{table.name}"'
            ),
            {"table": table.name, "column": column},
        )

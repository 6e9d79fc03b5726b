"""The one-hop SQLite driver (storage/sqlite_driver.py) answers as the stock adapter does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage import sqlite_driver
from storage.db import Database


async def test_rows_counts_ids_and_errors_come_back_as_from_the_stock_adapter(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    assert sqlite_driver.dbapi() is not None
    assert type(db.engine.sync_engine.dialect.dbapi).__name__ == "_OneHopDbapi"
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert inserted.rowcount == 1 and inserted.lastrowid == 1
            many = await conn.execute(
                text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}]
            )
            assert many.rowcount == 2
            returned = await conn.execute(text("INSERT INTO t (v) VALUES ('d') RETURNING id"))
            assert returned.scalar_one() == 4
            rows = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert list(rows.keys()) == ["id", "v"]
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
            updated = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 2"))
            assert updated.rowcount == 2
            assert (await conn.execute(text("SELECT v FROM t WHERE id = 9"))).first() is None
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        async with db.engine.connect() as conn:  # the failed transaction left nothing behind
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 4
    finally:
        await db.close()

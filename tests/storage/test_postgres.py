"""PostgreSQL as a first-class database: the same migrations, the same behaviour, and the
named locks that let several processes share one database (run on both backends)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, text

from storage import Database, Storage, models
from storage.db import _alembic_config
from storage.locks import lock_key
from storage.sequences import sync_sequences
from tests import databases

pytestmark = pytest.mark.both_databases
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database without any schema (migrations start from nothing)."""
    if backend == "sqlite":
        yield databases.sqlite_url(tmp_path, "empty.db")
        return
    url = await databases.create_postgres_database(migrated=False)
    try:
        yield url
    finally:
        await databases.drop_postgres_database(url)


@pytest.fixture
async def storage(db_url: str) -> AsyncIterator[Storage]:
    store = await Storage.open(db_url)
    yield store
    await store.close()


async def test_migrations_up_down_up_and_schema_matches_the_models(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        await db.upgrade()
        head = await db.current_revision()
        async with db.engine.begin() as conn:  # every downgrade runs on this backend too
            await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "base"))
        assert await db.current_revision() is None
        await db.upgrade()
        assert await db.current_revision() == head

        def differences(conn: object) -> list[object]:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, models.Base.metadata)

        async with db.engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await db.close()


async def test_long_free_text_is_cut_alike_on_both(storage: Storage) -> None:
    """PostgreSQL refuses text over VARCHAR(n) where SQLite keeps it: a long Matrix room name
    or display name must not break every message from that chat on PostgreSQL."""
    net = await storage.networks.create("Buurt", language="nl", timezone="UTC", now=NOW)
    chat = await storage.chats.ensure(net.id, "matrix", "!room:x", kind="group", title="k" * 999)
    assert chat.title == "k" * 255
    member = await storage.members.create(
        net.id, handle="lang", display_name="n" * 999, language="nl", timezone="UTC", now=NOW
    )
    assert len(member.display_name) == 200
    account = await storage.members.link_account(
        member.id, "matrix", "@lang:x", username="u" * 999, display_name="d" * 999
    )
    assert (len(account.username or ""), len(account.display_name or "")) == (255, 255)
    await storage.members.update_account(account.id, display_name="e" * 999)
    found = await storage.members.by_account("matrix", "@lang:x")
    assert found is not None and found[1].display_name == "e" * 255


async def test_sequences_follow_rows_inserted_with_explicit_ids(storage: Storage) -> None:
    async with storage.db.engine.begin() as conn:
        await conn.execute(
            insert(models.Network),
            [{"id": 7, "name": "Bulk", "language": "nl", "timezone": "UTC", "created_at": NOW}],
        )
        await sync_sequences(conn)
    made = await storage.networks.create("Daarna", language="nl", timezone="UTC", now=NOW)
    assert made.id == 8


async def test_datetimes_come_back_aware_in_utc(storage: Storage) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    net = await storage.networks.create("Buurt", language="nl", timezone="UTC", now=local)
    member = await storage.members.create(
        net.id, handle="a", display_name="A", language="nl", timezone="UTC", now=local
    )
    stored = await storage.members.get(member.id)  # read back from the database
    assert stored is not None
    assert stored.joined_at == local and stored.joined_at.tzinfo == UTC


# -- named locks ------------------------------------------------------------------------------
async def test_one_holder_wins_and_release_lets_the_other_in(db_url: str) -> None:
    first, second = await Storage.open(db_url), await Storage.open(db_url)
    try:
        held = await first.locks.try_hold("matrix-sync:@vonk:x")
        assert held is not None and await held.alive()
        assert await second.locks.try_hold("matrix-sync:@vonk:x") is None
        other = await second.locks.try_hold("matrix-sync:@ander:x")  # another name: free
        assert other is not None
        await other.release()
        await held.release()
        assert not await held.alive()
        taken = await second.locks.try_hold("matrix-sync:@vonk:x")
        assert taken is not None
        await taken.release()
    finally:
        await first.close()
        await second.close()


async def test_hold_waits_for_the_lock(db_url: str) -> None:
    store = await Storage.open(db_url)
    try:
        held = await store.locks.try_hold("digest")
        assert held is not None
        entered = asyncio.Event()

        async def waiter() -> None:
            async with store.locks.hold("digest", retry_every=0.05):
                entered.set()

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0.2)
        assert not entered.is_set()
        await held.release()
        await asyncio.wait_for(task, 5)
        assert entered.is_set()
    finally:
        await store.close()


async def test_a_lost_connection_loses_the_lock_to_the_other(backend: str, db_url: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite: one process, no lock connection to lose")
    first, second = await Storage.open(db_url), await Storage.open(db_url)
    try:
        held = await first.locks.try_hold("matrix-sync:@vonk:x")
        assert held is not None
        async with second.db.engine.connect() as conn:  # an operator or a network cut
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND objid = CAST(CAST(:key AS bigint) & 4294967295 AS oid)"
                ),
                {"key": lock_key("matrix-sync:@vonk:x")},
            )
        for _ in range(50):
            taken = await second.locks.try_hold("matrix-sync:@vonk:x")
            if taken is not None:
                break
            await asyncio.sleep(0.1)
        assert taken is not None
        assert not await held.alive()
        await held.release()  # harmless after the loss
        await taken.release()
    finally:
        await first.close()
        await second.close()


HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from storage import Storage

    async def main() -> None:
        store = await Storage.open(sys.argv[1])
        lock = await store.locks.try_hold("matrix-sync:@vonk:x")
        print("held" if lock else "refused", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


async def test_a_killed_holder_process_frees_the_lock(backend: str, db_url: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite: a single process is assumed")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        db_url,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    store = await Storage.open(db_url)
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 30)  # type: ignore[union-attr]
        assert line.strip() == b"held"
        assert await store.locks.try_hold("matrix-sync:@vonk:x") is None
        proc.send_signal(signal.SIGKILL)  # no clean-up at all
        await asyncio.wait_for(proc.wait(), 10)
        for _ in range(50):  # the server notices the closed socket at once
            taken = await store.locks.try_hold("matrix-sync:@vonk:x")
            if taken is not None:
                break
            await asyncio.sleep(0.1)
        assert taken is not None
        await taken.release()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await store.close()

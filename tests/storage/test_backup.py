"""``vonk backup`` / ``vonk restore``: a round trip keeps the data, a restore never overwrites
data by accident, and PostgreSQL goes through pg_dump / pg_restore."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli import app
from storage import Storage
from storage.backup import BackupError, backup, has_data, restore
from tests.conftest import START

runner = CliRunner()


async def handles(url: str) -> list[str]:
    storage = await Storage.open(url)
    try:
        network = await storage.networks.default()
        if network is None:
            return []
        return sorted(m.handle for m in await storage.members.list(network.id))
    finally:
        await storage.close()


async def add_members(url: str, *names: str) -> None:
    storage = await Storage.open(url)
    try:
        network = await storage.networks.default() or await storage.networks.create(
            "Buurt", language="nl", timezone="Europe/Amsterdam", now=START
        )
        for name in names:
            await storage.members.create(
                network.id,
                handle=name,
                display_name=name.title(),
                language="nl",
                timezone="Europe/Amsterdam",
                now=START,
            )
    finally:
        await storage.close()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def test_sqlite_round_trip_while_the_database_is_open(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "vonk.db")
    await add_members(url, "anne", "bram")
    live = await Storage.open(url)  # the bot keeps running during the backup
    try:
        file = tmp_path / "backups" / "vonk.backup"
        summary = await asyncio.to_thread(backup, url, file)
        assert str(file) in summary
        await live.members.create(
            (await live.networks.default()).id,  # type: ignore[union-attr]
            handle="carla",
            display_name="Carla",
            language="nl",
            timezone="Europe/Amsterdam",
            now=START,
        )
    finally:
        await live.close()

    fresh = sqlite_url(tmp_path / "elders" / "vonk.db")  # a new machine: nothing there yet
    await asyncio.to_thread(restore, fresh, file)
    assert await handles(fresh) == ["anne", "bram"], "the snapshot, without later writes"


async def test_restore_refuses_to_overwrite_data_unless_forced(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "vonk.db")
    await add_members(url, "anne")
    file = tmp_path / "vonk.backup"
    await asyncio.to_thread(backup, url, file)
    await add_members(url, "dirk")

    with pytest.raises(BackupError, match=r"already holds data.*--force"):
        await asyncio.to_thread(restore, url, file)
    assert await handles(url) == ["anne", "dirk"], "untouched"

    await asyncio.to_thread(restore, url, file, force=True)
    assert await handles(url) == ["anne"]


async def test_an_empty_database_may_be_restored_over(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "vonk.db")
    await (await Storage.open(url)).close()  # migrated, no rows
    assert not await has_data(url)
    source = sqlite_url(tmp_path / "source.db")
    await add_members(source, "anne")
    await asyncio.to_thread(backup, source, tmp_path / "b")
    await asyncio.to_thread(restore, url, tmp_path / "b")
    assert await handles(url) == ["anne"]


def test_restore_refuses_a_file_that_is_not_a_vonk_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_text("not a database")
    with pytest.raises(BackupError, match="not a SQLite backup"):
        restore(sqlite_url(tmp_path / "vonk.db"), junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="not a Vonk database"):
        restore(sqlite_url(tmp_path / "vonk.db"), other)
    assert not (tmp_path / "vonk.db").exists()


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no database"):
        backup(sqlite_url(tmp_path / "nothing.db"), tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_postgresql_without_pg_dump_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        backup("postgresql+asyncpg://vonk:geheim@db/vonk", tmp_path / "b")


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    env = {"VONK_DATA_DIR": str(tmp_path), "VONK_LOG_LEVEL": "WARNING"}
    asyncio.run(add_members(sqlite_url(tmp_path / "vonk.db"), "anne"))
    file = tmp_path / "vonk.backup"
    done = runner.invoke(app, ["backup", str(file)], env=env)
    assert done.exit_code == 0, done.output
    assert "Backed up" in done.output

    refused = runner.invoke(app, ["restore", str(file)], env=env)
    assert refused.exit_code == 1
    assert "already holds data" in refused.output
    forced = runner.invoke(app, ["restore", str(file), "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert "Restored" in forced.output


def test_cli_help_explains_both_databases() -> None:
    backup_help = runner.invoke(app, ["backup", "--help"])
    assert backup_help.exit_code == 0
    assert "SQLite" in backup_help.output and "pg_dump" in backup_help.output
    restore_help = runner.invoke(app, ["restore", "--help"])
    assert restore_help.exit_code == 0
    assert "--force" in restore_help.output and "pg_restore" in restore_help.output


# -- PostgreSQL ---------------------------------------------------------------------------------
# The throw-away server scripts/test.sh starts (tests/databases.py reads the same variables).
PG_URL = os.environ.get("VONK_TEST_POSTGRES_URL", "")
PG_REQUIRED = os.environ.get("VONK_TEST_POSTGRES_REQUIRED", "") == "1"


async def test_postgresql_round_trip_with_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    import asyncpg

    if not PG_URL:
        if PG_REQUIRED:
            pytest.fail("VONK_TEST_POSTGRES_URL is not set but PostgreSQL is required")
        pytest.skip("PostgreSQL: set VONK_TEST_POSTGRES_URL (scripts/test.sh starts one)")
    admin = make_url(PG_URL).set(drivername="postgresql")
    name = f"vonk_backup_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    await conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await add_members(url, "anne", "bram")
        file = tmp_path / "vonk.dump"
        await asyncio.to_thread(backup, url, file)
        assert file.read_bytes()[:5] == b"PGDMP", "pg_dump's custom format"
        await add_members(url, "carla")
        with pytest.raises(BackupError, match="already holds data"):
            await asyncio.to_thread(restore, url, file)
        await asyncio.to_thread(restore, url, file, force=True)
        assert await handles(url) == ["anne", "bram"]
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

"""Several Vonk processes on one PostgreSQL database: none sends what another sent, none
loses a message, and they can all start at once on a fresh database.

Real OS processes (``tests/outbox_worker.py``): each runs an App with its outbox loop, as
``vonk run`` does, and writes what it sends to a file of its own.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.clock import SystemClock
from bot.core import Reply
from bot.outbox import Outbox, Outgoing
from storage import Storage, models
from storage.sequences import sync_sequences
from tests import databases

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 10_000
WORKERS = 2
NOW = datetime.now(UTC)

# PostgreSQL only: SQLite is one process by design (docs/postgres.md).
pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


async def add_members(storage: Storage, count: int) -> list[int]:
    """``count`` members, each with an account on the recording platform (bulk, like an
    import of a large network)."""
    async with storage.db.engine.begin() as conn:
        await conn.execute(
            insert(models.Network),
            [{"id": 1, "name": "Stad", "language": "nl", "timezone": "UTC", "created_at": NOW}],
        )
        for start in range(0, count, 5000):
            ids = range(start + 1, min(start + 5000, count) + 1)
            await conn.execute(
                insert(models.Member),
                [
                    {
                        "id": i,
                        "network_id": 1,
                        "handle": f"m{i}",
                        "display_name": f"M {i}",
                        "role": "member",
                        "language": "nl",
                        "timezone": "UTC",
                        "about": "",
                        "findable": True,
                        "invitable": True,
                        "onboarded": True,
                        "joined_at": NOW,
                        "reminders": True,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(models.Account),
                [
                    {
                        "id": i,
                        "member_id": i,
                        "platform": "rec",
                        "platform_user_id": f"u{i}",
                        "direct_chat_id": f"dm:m{i}",
                    }
                    for i in ids
                ],
            )
        await sync_sequences(conn)
    return list(range(1, count + 1))


async def start_worker(url: str, out: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.outbox_worker",
        url,
        str(out),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VONK_LOG_LEVEL": "WARNING"},
    )
    line = await asyncio.wait_for(proc.stdout.readline(), 60)  # type: ignore[union-attr]
    assert line.strip() == b"ready", line
    return proc


async def test_two_processes_send_a_10k_broadcast_without_duplicates_or_losses(
    db_url: str, tmp_path: Path
) -> None:
    storage = await Storage.open(db_url)
    try:
        members = await add_members(storage, MEMBERS)

        async def nobody(_member_id: int, _platform: str | None) -> None:
            return None

        outbox = Outbox(storage, SystemClock(), {}, nobody)
        reply = Reply("Zaterdag buurtfeest op het plein!")
        queued = await outbox.enqueue_many(
            [Outgoing(f"broadcast:1:{m}", reply, member_id=m, kind="broadcast") for m in members]
        )
        assert queued == MEMBERS

        outs = [tmp_path / f"worker{i}.txt" for i in range(WORKERS)]
        procs = [await start_worker(db_url, out) for out in outs]
        for proc in procs:  # both begin together
            proc.stdin.write(b"go\n")  # type: ignore[union-attr]
            await proc.stdin.drain()  # type: ignore[union-attr]
        results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
        assert [p.returncode for p in procs] == [0] * WORKERS, results

        per_worker = [out.read_text().split() for out in outs]
        sent = Counter(chat for lines in per_worker for chat in lines)
        duplicates = [chat for chat, n in sent.items() if n > 1]
        lost = {f"dm:m{m}" for m in members} - set(sent)
        assert duplicates == [] and lost == set()
        assert all(len(lines) > MEMBERS // 10 for lines in per_worker), [
            len(lines) for lines in per_worker
        ]  # really together: each sent a fair share
        assert await storage.outbox.counts() == {"sent": MEMBERS}
    finally:
        await storage.close()


async def test_processes_starting_together_on_a_fresh_database_migrate_once(
    backend: str, tmp_path: Path
) -> None:
    url = await databases.create_postgres_database(migrated=False)
    try:
        code = (
            "import asyncio, sys; from storage import Storage\n"
            "async def m():\n    s = await Storage.open(sys.argv[1]); await s.close()\n"
            "asyncio.run(m())"
        )
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                code,
                url,
                cwd=ROOT,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for _ in range(3)
        ]
        errors = await asyncio.gather(*(p.communicate() for p in procs))
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        storage = await Storage.open(url)
        assert await storage.db.current_revision() is not None
        await storage.close()
    finally:
        await databases.drop_postgres_database(url)

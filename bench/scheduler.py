"""Scheduler wake-up cost: finding due work among 100k members and 200k pledges.

    .venv/bin/python bench/scheduler.py [--members 100000] [--pledges 200000] [--database-url URL]
    .venv/bin/python bench/scheduler.py --postgres   (a throw-away PostgreSQL, as the tests use)

Builds a database with the real schema (Alembic migrations), one member job per member and one
pledge job per pledge spread over the coming weeks (as the storage layer creates them), then
times what a wake-up does: ask when the next job is due, and claim what is due now (the query
that must stay fast as the tables grow). Prints a table; target: <= 50 ms per wake-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from storage import Storage, models

try:  # as a script (bench/ on the path) or as bench.scheduler
    from pgtemp import temporary_postgres
except ImportError:  # pragma: no cover
    from bench.pgtemp import temporary_postgres

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def build(storage: Storage, members: int, pledges: int) -> None:
    rng = random.Random(7)
    engine = storage.db.engine
    async with engine.begin() as conn:
        await conn.execute(
            insert(models.Network),
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "language": "nl",
                    "timezone": "Europe/Amsterdam",
                    "created_at": NOW,
                }
            ],
        )
        batch = 20_000
        for start in range(0, members, batch):
            rows = [
                {
                    "id": i + 1,
                    "network_id": 1,
                    "handle": f"lid{i}",
                    "display_name": f"Lid {i}",
                    "role": "member",
                    "language": "nl",
                    "timezone": "Europe/Amsterdam",
                    "about": "",
                    "findable": True,
                    "invitable": True,
                    "onboarded": True,
                    "joined_at": NOW - timedelta(days=rng.randint(0, 400)),
                    "reminders": True,
                }
                for i in range(start, min(start + batch, members))
            ]
            await conn.execute(insert(models.Member), rows)
        for start in range(0, pledges, batch):
            rows = []
            for i in range(start, min(start + batch, pledges)):
                due = NOW + timedelta(minutes=rng.randint(-60 * 24 * 30, 60 * 24 * 60))
                rows.append(
                    {
                        "id": i + 1,
                        "network_id": 1,
                        "member_id": rng.randint(1, members),
                        "what": f"taak {i}",
                        "due_at": due,
                        "due_has_time": True,
                        "status": rng.choice(("pledged", "pledged", "done", "withdrawn")),
                        "created_at": due - timedelta(days=5),
                    }
                )
            await conn.execute(insert(models.Pledge), rows)
        # Jobs as the storage layer leaves them: most in the future, some done.
        jobs = []
        for i in range(members):
            due = NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 21))
            jobs.append(
                {
                    "key": f"member:{i + 1}",
                    "kind": "member",
                    "ref_id": i + 1,
                    "due_at": due,
                    "status": rng.choice(("pending", "done")),
                    "updated_at": NOW,
                }
            )
        for i in range(pledges):
            due = NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 60))
            jobs.append(
                {
                    "key": f"pledge:{i + 1}",
                    "kind": "pledge",
                    "ref_id": i + 1,
                    "due_at": due,
                    "status": rng.choice(("pending", "pending", "done")),
                    "updated_at": NOW,
                }
            )
        for start in range(0, len(jobs), batch):
            await conn.execute(insert(models.Job), jobs[start : start + batch])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(storage: Storage, rounds: int) -> list[tuple[str, list[float]]]:
    jobs = storage.jobs
    lease = timedelta(minutes=5)
    results: list[tuple[str, list[float]]] = []

    async def timed(label: str, make: Callable[[], Awaitable[object]]) -> None:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            await make()
            samples.append((time.perf_counter() - start) * 1000)
        results.append((label, samples))

    await timed("next due (MIN over pending)", jobs.next_due)
    await timed(
        "claim, nothing due", lambda: jobs.claim_due("bench", now=NOW, lease=lease, limit=200)
    )
    # A wake-up that finds due jobs (about 200 every 3 minutes of simulated time here): the
    # claim is the finding; finishing (one short transaction per job) is the processing.
    clock = [NOW]
    claim_ms: list[float] = []
    finish_ms: list[float] = []
    counts: list[int] = []
    for _ in range(rounds):
        clock[0] += timedelta(minutes=3)
        start = time.perf_counter()
        claimed = await jobs.claim_due("bench", now=clock[0], lease=lease, limit=200)
        claim_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        for job in claimed:
            await jobs.finish(job, None)
        finish_ms.append((time.perf_counter() - start) * 1000 / max(len(claimed), 1))
        counts.append(len(claimed))
    results.append((f"claim ~{statistics.median(counts):.0f} due jobs", claim_ms))
    results.append(("finish, per job", finish_ms))
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pledges", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="on a throw-away PostgreSQL (scripts/pg_temp.sh), not SQLite",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = args.database_url or (
            stack.enter_context(temporary_postgres())
            if args.postgres
            else f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        )
        storage = await Storage.open(url)
        start = time.perf_counter()
        await build(storage, args.members, args.pledges)
        if not storage.db.is_sqlite:  # fresh planner statistics, as autovacuum would give
            async with storage.db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
        print(
            f"built {args.members} members, {args.pledges} pledges and their jobs in "
            f"{time.perf_counter() - start:.1f}s ({url.split(':')[0]})"
        )
        print(f"{'wake-up step':<32}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for label, samples in await measure(storage, args.rounds):
            print(
                f"{label:<32}{statistics.median(samples):>10.2f}{pct(samples, 0.95):>10.2f}"
                f"{max(samples):>10.2f}"
            )
        await storage.close()


if __name__ == "__main__":
    asyncio.run(main())

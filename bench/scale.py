"""Scale benchmark on PostgreSQL: a city-wide network of 100k members and 1M pledges.

    .venv/bin/python bench/scale.py                        (starts its own PostgreSQL)
    .venv/bin/python bench/scale.py --database-url postgresql+asyncpg://user@host/emptydb
    .venv/bin/python bench/scale.py --members 20000 --pledges 200000 --broadcast 2000  (quick)

Without ``--database-url`` a throw-away server is started with ``scripts/pg_temp.sh`` (as
``scripts/test.sh`` does; fsync off; bench/pgtemp.py) and removed afterwards. A given
database must be empty.

The schema comes from the real Alembic migrations. Members (skills and about texts from
bench/synthetic.py: ~70 help topics in varied wording, a long tail of personal texts), their
accounts, 1M pledges and the scheduler's jobs are bulk-inserted with SQLAlchemy Core through
the models (ids written explicitly, sequences moved past them afterwards). Then:

  ask            ``Search.ask`` with the default bundled model over the 100k-member index
                 (built first by ``Search.sync()``, as ``vonk import`` does); Dutch questions
                 from bench/devset_nl.json. p50/p95 ms.
  scheduler      one wake-up: when is the next job due, claim when nothing is due, claim the
                 ~200 jobs due in the next 3 minutes, finish one job (bench/scheduler.py).
  outbox         messages/s through ``bot.outbox.Outbox`` (claim, resolve the member's direct
                 chat, send with a no-op adapter, mark sent) in one process.
  2 processes    two real OS processes (tests/outbox_worker.py: an App with its outbox loop,
                 as ``vonk run`` starts it) send one 10k-member broadcast together;
                 duplicates and losses counted from what each wrote (must be 0 and 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import synthetic  # noqa: E402
from pgtemp import temporary_postgres  # noqa: E402
from scheduler import NOW  # noqa: E402  (bench/scheduler.py: the same wake-up measurements)
from scheduler import measure as measure_scheduler  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from storage import Storage, models  # noqa: E402
from storage.sequences import sync_sequences  # noqa: E402

BATCH = 10_000
WHAT = [
    "flyers rondbrengen",
    "soep koken",
    "fiets repareren",
    "bankje schilderen",
    "boodschappen doen",
    "tuin opruimen",
    "taalles geven",
    "oppassen",
    "verhuisdozen sjouwen",
    "huiswerkhulp",
    "computerhulp",
    "kerstmarkt opbouwen",
]
Row = dict[str, Any]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, what: str, figure: str, note: str = "") -> None:
        self.rows.append((what, figure, note))
        print(f"  {what}: {figure} {note}", flush=True)

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        fig = max(len(r[1]) for r in self.rows)
        print()
        print(f"{'measure':<{width}}  {'figure':>{fig}}  note")
        print("-" * (width + fig + 30))
        for what, figure, note in self.rows:
            print(f"{what:<{width}}  {figure:>{fig}}  {note}")


# -- data --------------------------------------------------------------------------------------
async def insert_batches(conn: Any, model: Any, rows: list[Row]) -> None:
    for start in range(0, len(rows), BATCH):
        await conn.execute(insert(model), rows[start : start + BATCH])


async def build(storage: Storage, members: int, pledges: int, table: Table) -> None:
    rng = random.Random(7)
    people = synthetic.generate(members, seed=0)
    started = time.perf_counter()
    async with storage.db.engine.begin() as conn:
        await conn.execute(
            insert(models.Network),
            [
                {
                    "id": 1,
                    "name": "Stad",
                    "language": "nl",
                    "timezone": "Europe/Amsterdam",
                    "created_at": NOW,
                }
            ],
        )
        cells = sorted({p.cell for p in people})
        await conn.execute(
            insert(models.Cell),
            [{"id": i + 1, "network_id": 1, "name": c, "key": c} for i, c in enumerate(cells)],
        )
        cell_ids = {c: i + 1 for i, c in enumerate(cells)}
        for start in range(0, members, BATCH):
            chunk = list(enumerate(people[start : start + BATCH], start=start + 1))
            await conn.execute(
                insert(models.Member),
                [
                    {
                        "id": i,
                        "network_id": 1,
                        "handle": p.handle,
                        "display_name": p.name,
                        "role": "member",
                        "language": "nl",
                        "timezone": "Europe/Amsterdam",
                        "about": p.about,
                        "cell_id": cell_ids[p.cell],
                        "findable": True,
                        "invitable": True,
                        "onboarded": True,
                        "joined_at": NOW - timedelta(days=rng.randint(0, 400)),
                        "reminders": True,
                    }
                    for i, p in chunk
                ],
            )
            await conn.execute(
                insert(models.Skill),
                [
                    {"member_id": i, "text": s, "created_at": NOW}
                    for i, p in chunk
                    for s in p.skills
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
                        "direct_chat_id": f"dm:{i}",
                    }
                    for i, _ in chunk
                ],
            )
        member_jobs = [
            {
                "key": f"member:{i}",
                "kind": "member",
                "ref_id": i,
                "due_at": NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 21)),
                "status": rng.choice(("pending", "done")),
                "updated_at": NOW,
            }
            for i in range(1, members + 1)
        ]
        await insert_batches(conn, models.Job, member_jobs)
        for start in range(0, pledges, BATCH * 5):
            rows, jobs = [], []
            for i in range(start + 1, min(start + BATCH * 5, pledges) + 1):
                due = NOW + timedelta(minutes=rng.randint(-60 * 24 * 180, 60 * 24 * 60))
                status = rng.choice(("pledged", "done", "done", "withdrawn", "lapsed"))
                rows.append(
                    {
                        "id": i,
                        "network_id": 1,
                        "member_id": rng.randint(1, members),
                        "what": rng.choice(WHAT),
                        "due_at": due,
                        "due_has_time": True,
                        "status": status,
                        "hours": 2.0 if status == "done" else None,
                        "created_at": due - timedelta(days=5),
                        "done_at": due if status == "done" else None,
                    }
                )
                if status == "pledged" and due > NOW - timedelta(days=2):
                    # Older open pledges lapsed long ago (their jobs are done); the last two
                    # days' are a backlog the first wake-ups find due at once.
                    jobs.append(
                        {
                            "key": f"pledge:{i}",
                            "kind": "pledge",
                            "ref_id": i,
                            "due_at": max(due, NOW + timedelta(minutes=1)),
                            "status": "pending",
                            "updated_at": NOW,
                        }
                    )
            await insert_batches(conn, models.Pledge, rows)
            await insert_batches(conn, models.Job, jobs)
        await sync_sequences(conn)
    async with storage.db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
        skills = await conn.scalar(select(func.count()).select_from(models.Skill))
        jobs_n = await conn.scalar(select(func.count()).select_from(models.Job))
    table.add(
        "bulk load",
        f"{time.perf_counter() - started:.0f} s",
        f"{members} members, {skills} skills, {pledges} pledges, {jobs_n} jobs",
    )


# -- measurements ------------------------------------------------------------------------------
async def measure_ask(storage: Storage, runs: int, table: Table) -> None:
    from kennis.embedding import load_embedder
    from kennis.search import Search

    started = time.perf_counter()
    embedder = load_embedder()
    table.add("model load", f"{time.perf_counter() - started:.1f} s", embedder.name)
    search = Search(embedder, storage)
    started = time.perf_counter()
    await search.sync()
    took = time.perf_counter() - started
    table.add(
        "index build (Search.sync)",
        f"{took:.0f} s",
        f"{len(search._cache)} unique texts, {len(search._cache) / took:.0f} texts/s",
    )
    devset = json.loads((ROOT / "bench" / "devset_nl.json").read_text(encoding="utf-8"))
    questions = [q["text"] for q in devset["questions"]]
    askers = await storage.members.get_many(range(1, 501))
    for q in questions[:10]:
        await search.ask(q, network_id=1)
    samples = []
    found = 0
    for i in range(runs):
        started = time.perf_counter()
        answer = await search.ask(
            questions[i % len(questions)], network_id=1, asker=askers[i % len(askers)]
        )
        samples.append((time.perf_counter() - started) * 1000)
        found += bool(answer.members)
    table.add(
        "ask p50 / p95",
        f"{statistics.median(samples):.1f} / {pct(samples, 0.95):.1f} ms",
        f"{runs} asks, {found} with members found",
    )


async def measure_wakeup(storage: Storage, table: Table) -> None:
    for label, samples in await measure_scheduler(storage, 20):
        table.add(
            f"scheduler: {label}",
            f"{statistics.median(samples):.1f} / {pct(samples, 0.95):.1f} ms",
            "p50 / p95",
        )


async def broadcast(storage: Storage, name: str, members: range) -> int:
    from bot.clock import SystemClock
    from bot.core import Reply
    from bot.outbox import Outbox, Outgoing

    async def nobody(_member_id: int, _platform: str | None) -> None:
        return None

    outbox = Outbox(storage, SystemClock(), {}, nobody)
    reply = Reply("Zaterdag buurtfeest op het plein!")
    return await outbox.enqueue_many(
        [Outgoing(f"{name}:{m}", reply, member_id=m, kind="broadcast") for m in members]
    )


async def measure_outbox(storage: Storage, count: int, table: Table) -> None:
    from bot.app import App
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.context import Services
    from bot.router import Router
    from tests.outbox_worker import FileAdapter

    started = time.perf_counter()
    await broadcast(storage, "throughput", range(1, count + 1))
    enqueue_s = time.perf_counter() - started
    settings = load_settings(env={}, database_url=storage.db.url)
    app = App(Services(settings, storage, SystemClock()), Router(), [FileAdapter(io.StringIO())])
    started = time.perf_counter()
    sent = await app.outbox.drain()
    took = time.perf_counter() - started
    table.add("outbox enqueue", f"{count / enqueue_s:.0f} msg/s", f"{count} in one transaction")
    table.add(
        "outbox send (1 process)",
        f"{sent / took:.0f} msg/s",
        f"{sent} member messages, no-op adapter",
    )


async def measure_two_processes(storage: Storage, count: int, table: Table) -> None:
    await broadcast(storage, "together", range(1, count + 1))
    with TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"worker{i}.txt" for i in range(2)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "VONK_LOG_LEVEL": "WARNING"}
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.outbox_worker",
                storage.db.url,
                str(out),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
                env=env,
            )
            for out in outs
        ]
        for proc in procs:
            assert proc.stdout is not None and (await proc.stdout.readline()).strip() == b"ready"
        started = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        codes = [await proc.wait() for proc in procs]
        took = time.perf_counter() - started
        lines = [out.read_text().split() for out in outs]
    sent = Counter(chat for part in lines for chat in part)
    duplicates = sum(n - 1 for n in sent.values() if n > 1)
    lost = len({f"dm:{m}" for m in range(1, count + 1)} - set(sent))
    table.add(
        "2 processes: broadcast",
        f"{count / took:.0f} msg/s",
        f"{count} members in {took:.0f} s; shares {[len(p) for p in lines]}, exit {codes}",
    )
    table.add("2 processes: duplicates / losses", f"{duplicates} / {lost}", "(must be 0 / 0)")


# -- run ---------------------------------------------------------------------------------------
async def timed(table: Table, label: str, work: Callable[[], Awaitable[None]]) -> None:
    started = time.perf_counter()
    await work()
    print(f"[{label} done in {time.perf_counter() - started:.0f} s]", flush=True)


async def run(args: argparse.Namespace, url: str) -> Table:
    table = Table()
    storage = await Storage.open(url)
    try:
        if not storage.db.url.startswith("postgresql"):
            raise SystemExit("bench/scale.py measures PostgreSQL: give a postgresql+asyncpg URL")
        if await storage.networks.default() is not None:
            raise SystemExit("the database is not empty; give an empty one")
        await timed(table, "build", lambda: build(storage, args.members, args.pledges, table))
        if not args.skip_ask:
            await timed(table, "ask", lambda: measure_ask(storage, args.asks, table))
        await timed(table, "scheduler", lambda: measure_wakeup(storage, table))
        await timed(table, "outbox", lambda: measure_outbox(storage, args.outbox, table))
        await timed(
            table, "two processes", lambda: measure_two_processes(storage, args.broadcast, table)
        )
    finally:
        await storage.close()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pledges", type=int, default=1_000_000)
    parser.add_argument("--broadcast", type=int, default=10_000, help="two-process broadcast")
    parser.add_argument("--outbox", type=int, default=3_000, help="one-process throughput")
    parser.add_argument("--asks", type=int, default=100)
    parser.add_argument("--skip-ask", action="store_true", help="no model, no index")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: own)")
    args = parser.parse_args()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(temporary_postgres())
        print(f"PostgreSQL at {url}", flush=True)
        table = asyncio.run(run(args, url))
    table.add("whole run", f"{time.perf_counter() - started:.0f} s")
    table.print()


if __name__ == "__main__":
    main()

"""Dashboard speed: every page's server-side time at 10k members and 100k pledges.

    .venv/bin/python bench/web.py                      (SQLite and its own PostgreSQL)
    .venv/bin/python bench/web.py --backend sqlite --runs 50
    .venv/bin/python bench/web.py --members 2000 --pledges 20000   (quick)

The target (issue 14): each page at most 200 ms p95, server-side.

A busy city district: members from bench/synthetic.py (their skills and about texts; ~10% never
pledged anything), 2,000 calls over the last year and the next two months (some cells', most
the whole network's), invitations, pledges (60% for calls, the rest on their own; pledged,
done, withdrawn, lapsed, waiting), all of them in those fourteen months, so the impact page's
year holds nearly all 100k (the hardest case), thanks, an audit log, open questions and
lessons, all bulk-inserted with SQLAlchemy Core through the models (as bench/scale.py does), on
a schema made by the real migrations. Then the dashboard itself (:class:`web.Dashboard` over an
:class:`bot.app.App`, the hashing embedder so the member search needs no model download)
answers an initiator's signed-in requests through aiohttp's test client; the time is the page's
``Server-Timing`` (the server's own measure: session, role check, queries, template), after a
few warm-up requests. Before them the dashboard reads the last year's finished months as vonk web
does when it starts (timed apart), and "first" is each page's very first request after
that. Finished months and windows are then kept (web/rollup.py: read again in the background
after 10 minutes; the running month and window after a minute), so p50/p95 are what an
initiator clicking around sees. The two CSV rows are downloads, not pages: outside the verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import synthetic  # noqa: E402
from pgtemp import temporary_postgres  # noqa: E402
from scale import WHAT, insert_batches, pct  # noqa: E402
from scheduler import NOW  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from storage import Storage, models  # noqa: E402
from storage.sequences import sync_sequences  # noqa: E402

TARGET_MS = 200.0
INITIATOR = 1  # the member who signs in
Row = dict[str, Any]


# -- data --------------------------------------------------------------------------------------
async def build(storage: Storage, members: int, pledges: int, calls: int) -> dict[str, int]:
    """The network, bulk-inserted; returns ids the pages are asked about."""
    rng = random.Random(14)
    people = synthetic.generate(members, seed=0)
    cells = sorted({p.cell for p in people})
    cell_ids = {c: i + 1 for i, c in enumerate(cells)}
    initiators = list(range(1, 21))
    async with storage.db.engine.begin() as conn:
        await conn.execute(
            insert(models.Network),
            [
                {
                    "id": 1,
                    "name": "Stad",
                    "language": "nl",
                    "timezone": "Europe/Amsterdam",
                    "created_at": NOW - timedelta(days=700),
                },
            ],
        )
        await conn.execute(
            insert(models.Cell),
            [
                {"id": i, "network_id": 1, "name": c, "key": c.casefold()}
                for c, i in cell_ids.items()
            ],
        )
        rows = [
            {
                "id": i,
                "network_id": 1,
                "handle": p.handle,
                "display_name": p.name,
                "role": "admin" if i == 21 else "initiator" if i in initiators else "member",
                "language": "nl",
                "timezone": "Europe/Amsterdam",
                "about": p.about,
                "cell_id": cell_ids[p.cell],
                "findable": rng.random() < 0.8,
                "invitable": rng.random() < 0.7,
                "onboarded": True,
                "reminders": True,
                "joined_at": NOW - timedelta(days=rng.randint(0, 700)),
            }
            for i, p in enumerate(people, start=1)
        ]
        await insert_batches(conn, models.Member, rows)
        await insert_batches(
            conn,
            models.Skill,
            [
                {"member_id": i, "text": s, "created_at": NOW}
                for i, p in enumerate(people, start=1)
                for s in p.skills
            ],
        )
        await insert_batches(
            conn,
            models.Account,
            [
                {
                    "id": i,
                    "member_id": i,
                    "platform": "telegram",
                    "platform_user_id": str(1000 + i),
                    "direct_chat_id": str(1000 + i),
                }
                for i in range(1, members + 1)
            ],
        )
        # Calls: a year back, two months ahead; most for everyone, some for a cell.
        call_rows = []
        for i in range(1, calls + 1):
            starts = NOW + timedelta(hours=rng.randint(-24 * 365, 24 * 60))
            call_rows.append(
                {
                    "id": i,
                    "network_id": 1,
                    "initiator_id": rng.choice(initiators),
                    "title": rng.choice(WHAT),
                    "details": "",
                    "starts_at": starts,
                    "has_time": True,
                    "cell_id": rng.choice([None, None, None, *cell_ids.values()]),
                    "people_needed": rng.choice([None, 2, 3, 4, 6, 10]),
                    "status": "closed" if starts < NOW - timedelta(days=3) else "open",
                    "created_at": starts - timedelta(days=rng.randint(2, 20)),
                }
            )
        await insert_batches(conn, models.CallForHelp, call_rows)
        invitations = []
        for call in call_rows:
            for m in rng.sample(range(22, members + 1), 5):
                invitations.append(
                    {
                        "call_id": call["id"],
                        "member_id": m,
                        "status": rng.choice(("invited", "accepted", "declined")),
                        "score": rng.random(),
                        "invited_at": call["created_at"],
                    }
                )
        await insert_batches(conn, models.CallInvitation, invitations)
        active = range(22, max(23, int(members * 0.9)))  # the last tenth never pledged
        pledge_rows = []
        for i in range(1, pledges + 1):
            call = rng.choice(call_rows) if rng.random() < 0.6 else None
            due = (
                call["starts_at"]
                if call
                else NOW + timedelta(minutes=rng.randint(-60 * 24 * 365, 60 * 24 * 60))
            )
            past = due < NOW
            status = rng.choices(
                ("done", "pledged", "withdrawn", "lapsed", "waiting"),
                (6, 1, 1, 1, 0.2) if past else (0, 6, 1, 0, 1),
            )[0]
            ended = (
                due - timedelta(hours=rng.randint(1, 200))
                if status == "withdrawn"
                else (due + timedelta(days=3) if status == "lapsed" else None)
            )
            pledge_rows.append(
                {
                    "id": i,
                    "network_id": 1,
                    "member_id": rng.choice(active),
                    "call_id": call["id"] if call else None,
                    "what": call["title"] if call else rng.choice(WHAT),
                    "due_at": due,
                    "due_has_time": True,
                    "status": status,
                    "hours": round(rng.uniform(0.5, 4), 1) if status == "done" else None,
                    "created_at": due - timedelta(days=rng.randint(1, 14)),
                    "done_at": due if status == "done" else None,
                    "ended_at": ended,
                }
            )
        await insert_batches(conn, models.Pledge, pledge_rows)
        await insert_batches(
            conn,
            models.Thanks,
            [
                {
                    "network_id": 1,
                    "giver_id": rng.choice(initiators),
                    "receiver_id": rng.choice(active),
                    "reason": "dank je!",
                    "created_at": NOW - timedelta(days=rng.randint(0, 365)),
                }
                for _ in range(pledges // 20)
            ],
        )
        audit = sorted(
            NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 365)) for _ in range(pledges // 20)
        )
        await insert_batches(
            conn,
            models.AuditEntry,
            [
                {
                    "network_id": 1,
                    "actor_id": rng.choice(initiators),
                    "action": rng.choice(("broadcast", "role_change", "cell_change", "import")),
                    "target_id": rng.choice(active),
                    "details": {"call_id": rng.randint(1, calls), "messages": 5},
                    "created_at": at,
                }
                for at in audit
            ],
        )
        await insert_batches(
            conn,
            models.OpenQuestion,
            [
                {
                    "network_id": 1,
                    "member_id": rng.choice(active),
                    "topic": rng.choice(WHAT),
                    "created_at": NOW - timedelta(days=rng.randint(0, 60)),
                }
                for _ in range(300)
            ],
        )
        await insert_batches(
            conn,
            models.Lesson,
            [
                {
                    "network_id": 1,
                    "title": f"Les {i}: {rng.choice(WHAT)}",
                    "text": "Zo pak je het aan. " * 20,
                    "tags": "buurt",
                    "author_name": "Vonk",
                    "source": "seed",
                    "created_at": NOW - timedelta(days=i),
                }
                for i in range(1, 201)
            ],
        )
        await sync_sequences(conn)
    async with storage.db.engine.connect() as conn:
        if storage.db.url.startswith("postgresql"):
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    busiest = max(call_rows, key=lambda c: (c["starts_at"] > NOW, c["people_needed"] or 0))
    return {"call": busiest["id"], "member": 500, "lesson": 1, "cell": 1}


def pages(ids: dict[str, int]) -> list[str]:
    return [
        "/today",
        "/calls",
        "/calls?show=all&page=3",
        "/calls/calendar",
        "/calls/new",
        f"/calls/{ids['call']}",
        f"/calls/{ids['call']}/edit",
        "/members",
        "/members?q=wie+kan+helpen+met+een+lekke+fietsband",
        f"/members?cell={ids['cell']}&role=member&activity=dormant",
        "/members?page=40",
        f"/members/{ids['member']}",
        "/members/import",
        "/members.csv",  # a download: every member, about 2 MB
        "/lessons",
        f"/lessons/{ids['lesson']}",
        "/impact",
        "/impact/report",
        "/impact.csv",
        "/network",
        "/history",
        "/history?action=broadcast",
        "/settings",
    ]


# -- measuring ---------------------------------------------------------------------------------
async def measure(url: str, tmp: Path, runs: int, warmup: int, ids: dict[str, int]) -> list[tuple]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.clock import SimulatedClock
    from bot.config import load_settings
    from bot.runtime import close_app, open_app
    from handlers.dashboard import sign_in_link
    from web import Dashboard

    settings = load_settings(
        env={}, data_dir=tmp, database_url=url, embedding_model="hashing", seed_lessons=False
    )
    started = time.perf_counter()
    app = await open_app(settings, clock=SimulatedClock(NOW))
    print(
        f"  app open (index of {len(app.services.search._cache)} texts): "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    results = []
    try:
        dashboard = Dashboard(app)
        started = time.perf_counter()
        await dashboard.warm()  # as `vonk web` does when it starts
        print(
            f"  warm-up at start (the last year's finished months): "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        storage = app.services.storage
        member = await storage.members.get(INITIATOR)
        link = await sign_in_link(storage, settings, member, now=NOW)
        async with TestClient(TestServer(dashboard.application())) as client:
            path = "/in/" + link.rsplit("/in/", 1)[1]
            signed = await client.post(path, allow_redirects=False)
            assert signed.status == 303, await signed.text()
            for page in pages(ids):
                samples = []
                first = 0.0
                size = 0
                for i in range(warmup + runs):
                    response = await client.get(page)
                    body = await response.read()
                    assert response.status == 200, (page, response.status, body[-500:])
                    took = float(response.headers["Server-Timing"].split("dur=")[1])
                    if i == 0:
                        first = took
                    if i >= warmup:
                        samples.append(took)
                    size = len(body)
                p50, p95 = statistics.median(samples), pct(samples, 0.95)
                results.append((page, first, p50, p95, size))
                flag = "" if p95 <= TARGET_MS else "  > target"
                print(f"  {page:<55} {first:7.1f} {p50:7.1f} {p95:7.1f} ms{flag}", flush=True)
    finally:
        await close_app(app)
    return results


async def run(backend: str, url: str, tmp: Path, args: argparse.Namespace) -> list[tuple]:
    storage = await Storage.open(url)
    try:
        if await storage.networks.default() is not None:
            raise SystemExit("the database is not empty; give an empty one")
        started = time.perf_counter()
        ids = await build(storage, args.members, args.pledges, args.calls)
        print(
            f"[{backend}] bulk load: {time.perf_counter() - started:.0f} s "
            f"({args.members} members, {args.pledges} pledges, {args.calls} calls)",
            flush=True,
        )
    finally:
        await storage.close()
    return await measure(url, tmp, args.runs, args.warmup, ids)


def table(results: dict[str, list[tuple]]) -> None:
    backends = list(results)
    width = max(len(r[0]) for rows in results.values() for r in rows)
    head = "".join(f"  {b + ' first':>14} {b + ' p50':>12} {b + ' p95':>12}" for b in backends)
    print()
    print(f"{'page':<{width}}{head}")
    print("-" * (width + 41 * len(backends) + 1))
    by_page: dict[str, dict[str, tuple]] = {}
    for b, rows in results.items():
        for page, first, p50, p95, _size in rows:
            by_page.setdefault(page, {})[b] = (first, p50, p95)
    worst = 0.0
    for page, per in by_page.items():
        cells = ""
        for b in backends:
            first, p50, p95 = per.get(b, (float("nan"),) * 3)
            if not page.endswith(".csv"):
                worst = max(worst, p95)
            cells += f"  {first:>14.1f} {p50:>12.1f} {p95:>11.1f}{'!' if p95 > TARGET_MS else ' '}"
        print(f"{page:<{width}}{cells}")
    print(
        f"(ms, server-side; 'first': the first request, after the warm-up; "
        f"target p95 <= {TARGET_MS:.0f} for pages; the .csv rows are downloads)"
    )
    print()
    verdict = "all pages within" if worst <= TARGET_MS else "SOME PAGES OVER"
    print(f"slowest page p95: {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: own)")
    args = parser.parse_args()
    results: dict[str, list[tuple]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{tmp}/vonk.db"
            results["sqlite"] = asyncio.run(run("sqlite", url, Path(tmp), args))
        if args.backend in ("postgres", "both"):
            with contextlib.ExitStack() as stack:
                url = args.database_url or stack.enter_context(temporary_postgres())
                pg_tmp = Path(tmp) / "pg"
                pg_tmp.mkdir()
                results["postgres"] = asyncio.run(run("postgres", url, pg_tmp, args))
    table(results)


if __name__ == "__main__":
    main()

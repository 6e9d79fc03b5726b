"""Incoming-message throughput of one real ``vonk run`` against the fake Telegram Bot API.

    .venv/bin/python bench/intake.py                 (SQLite and PostgreSQL, ~3 minutes)
    .venv/bin/python bench/intake.py --only sqlite --rates 100 --seconds 10

For each database: members who talked to the bot before send ``/hulp`` at a steady rate for
``--seconds`` (each from their own direct chat, as many people at once would); the latency of
a message is from the moment the fake Bot API queued the update to the moment the bot's
answer reached it (long polling, as in production). Then a burst of ``--burst`` first-contact
messages from people the bot has never seen (each becomes a member). Printed: offered and
achieved messages/s, p50/p95/max latency, and whether every message was answered once.

Targets (issue 12): >= 100 msg/s at p95 <= 1 s on SQLite, >= 150 msg/s on PostgreSQL.
The embedding model is the fast test fake: this measures the road of an event (intake,
unit of work, delivery), not the search (bench/search.py does that).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from pgtemp import temporary_postgres  # noqa: E402

from tests.fakes.telegram_api import FakeTelegramServer  # noqa: E402
from tests.telegram.harness import VonkProcess, person  # noqa: E402

HELP = "Dit kan ik voor je doen"


def answers(fake: FakeTelegramServer) -> dict[int, list[float]]:
    """Arrival times of the bot's answers, per chat."""
    out: dict[int, list[float]] = {}
    for call in fake.calls("sendMessage"):
        if HELP in str(call.params.get("text", "")):
            out.setdefault(int(call.params["chat_id"]), []).append(call.at)
    return out


def run_rate(fake: FakeTelegramServer, people: list, rate: float, seconds: float) -> dict:
    """Each person sends /hulp once, spread evenly at ``rate`` per second."""
    count = min(len(people), int(rate * seconds))
    before = {chat: len(times) for chat, times in answers(fake).items()}
    pushed: dict[int, float] = {}
    start = time.monotonic()
    for i, someone in enumerate(people[:count]):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pushed[someone.user["id"]] = time.monotonic()
        someone.say("/hulp")
    offered = count / max(time.monotonic() - start, 1e-9)

    def done() -> bool:
        got = answers(fake)
        return all(len(got.get(chat, [])) > before.get(chat, 0) for chat in pushed)

    deadline = time.monotonic() + 120
    while not done():  # checked rarely: the fake Bot API shares this process (and its GIL)
        if time.monotonic() > deadline:
            raise TimeoutError("not every message was answered within 120 s")
        time.sleep(0.5)
    got = answers(fake)
    latencies = [got[chat][before.get(chat, 0)] - at for chat, at in pushed.items()]
    extra = sum(len(got[chat]) - before.get(chat, 0) - 1 for chat in pushed)
    finished = max(got[chat][before.get(chat, 0)] for chat in pushed)
    return {
        "offered": offered,
        "achieved": count / max(finished - start, 1e-9),
        "p50": statistics.median(latencies),
        "p95": statistics.quantiles(latencies, n=20)[-1],
        "max": max(latencies),
        "duplicates": extra,
        "messages": count,
    }


def bench(database_url: str | None, rates: list[float], seconds: float, burst: int) -> list[dict]:
    results = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeTelegramServer(username="vonk_bench_bot").run_in_thread() as fake,
    ):
        env = {"VONK_DATABASE_URL": database_url} if database_url else {}
        env["VONK_LOG_LEVEL"] = "WARNING"
        vonk = VonkProcess(fake, Path(tmp), **env)
        most = int(max(rates) * seconds)
        people = [person(fake, f"Lid{i}") for i in range(most)]
        vonk.start()
        try:
            warm = run_rate(fake, people, 200.0, most / 200.0)  # they all join (not reported)
            del warm
            for rate in rates:
                row = run_rate(fake, people, rate, seconds)
                results.append({"case": f"steady {rate:.0f}/s", **row})
            newcomers = [person(fake, f"Nieuw{i}") for i in range(burst)]
            row = run_rate(fake, newcomers, 10_000.0, burst / 10_000.0)
            results.append({"case": f"burst of {burst} first contacts", **row})
        finally:
            vonk.terminate()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 150, 200])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=400)
    args = parser.parse_args()
    rows: list[tuple[str, dict]] = []
    if args.only in (None, "sqlite"):
        rows += [("SQLite", r) for r in bench(None, args.rates, args.seconds, args.burst)]
    if args.only in (None, "postgres"):
        with temporary_postgres() as url:
            rows += [("PostgreSQL", r) for r in bench(url, args.rates, args.seconds, args.burst)]
    print()
    print(
        f"{'database':<11} {'case':<30} {'offered/s':>9} {'done/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7} {'twice':>5}"
    )
    for database, r in rows:
        print(
            f"{database:<11} {r['case']:<30} {r['offered']:>9.0f} {r['achieved']:>7.0f} "
            f"{r['p50'] * 1000:>7.0f} {r['p95'] * 1000:>7.0f} {r['max'] * 1000:>7.0f} "
            f"{r['duplicates']:>5}"
        )


if __name__ == "__main__":
    main()

"""What one event costs inside the process: CPU and statements per ``/hulp``, no HTTP.

    .venv/bin/python bench/road.py                          (SQLite, a platform round trip of 20 ms)
    .venv/bin/python bench/road.py --rtt 0 --events 500
    .venv/bin/python bench/road.py --database-url postgresql+asyncpg://...   (an empty database)

The app handles ``--events`` messages from members it knows, ``--batch`` at a time (each
from their own direct chat); the platform is a recorder that takes ``--rtt`` seconds per
send. Printed: events/s, CPU ms per event (this process, all threads) and statements per
event. bench/intake.py measures the whole road against the fake Bot API; this one tells the
handling's own cost apart from the Telegram client's and from the fake server's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bot.app import App  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.core import Reply, SentMessage  # noqa: E402
from handlers import build_router  # noqa: E402
from storage import Storage  # noqa: E402
from tests.bot.test_road import Recorder, said_by  # noqa: E402


class SlowRecorder(Recorder):
    """A platform whose every send takes a round trip."""

    def __init__(self, rtt: float) -> None:
        super().__init__()
        self.rtt = rtt

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        if self.rtt:
            await asyncio.sleep(self.rtt)
        return await super().send(chat_id, reply, key=key)


async def run(url: str | None, events: int, batch: int, rtt: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite+aiosqlite:///{tmp}/vonk.db"
        settings = load_settings(
            env={}, data_dir=Path(tmp), database_url=url, embedding_model="hashing"
        )
        storage = await Storage.open(url)
        services = Services(settings, storage, SystemClock(), None)
        app = App(services, build_router(), [SlowRecorder(rtt)])
        await app.start(background=False)
        users = [f"lid{i}" for i in range(events)]

        async def wave(prefix: str) -> None:
            for start in range(0, events, batch):
                chunk = users[start : start + batch]
                await app.intake.dispatch_many(
                    [said_by(u, "/hulp", event_id=f"{prefix}{u}") for u in chunk]
                )

        await wave("first")  # everyone becomes a member
        statements: Counter[str] = Counter()

        def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements[statement.split()[0].upper()] += 1

        event.listen(storage.db.engine.sync_engine, "before_cursor_execute", count)
        wall, cpu = time.perf_counter(), time.process_time()
        await wave("again")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        await app.stop()
        await storage.close()
    return {
        "per_second": events / wall,
        "cpu_ms": cpu / events * 1000,
        "statements": {k: round(v / events, 2) for k, v in sorted(statements.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--rtt", type=float, default=0.02, help="seconds per send")
    args = parser.parse_args()
    result = asyncio.run(run(args.database_url, args.events, args.batch, args.rtt))
    print(
        f"{result['per_second']:.0f} events/s, {result['cpu_ms']:.1f} ms CPU per event, "
        f"statements per event: {result['statements']}"
    )


if __name__ == "__main__":
    main()

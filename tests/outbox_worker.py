"""One Vonk process for the multi-process tests (run as ``python -m tests.outbox_worker``).

A real :class:`bot.app.App` on a shared database, started like ``vonk run`` starts it (the
outbox and scheduler loops in the background), whose only platform writes every message it
sends as one line to a file. It prints ``ready``, waits for ``go`` on stdin (so that several
workers start together), runs until the outbox has nothing pending or in flight, prints
``done <n>`` and exits.

    python -m tests.outbox_worker DATABASE_URL OUT_FILE [WORKER_ID]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO

from bot.app import App
from bot.clock import SystemClock
from bot.config import load_settings
from bot.context import Services
from bot.core import Capabilities, Intake, Reply, SentMessage
from bot.router import Router
from storage import Storage

PLATFORM = "rec"


class FileAdapter:
    """Sends by appending ``chat_id`` to a file (flushed: a crash loses no line)."""

    platform = PLATFORM
    capabilities = Capabilities()

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.sent = 0

    async def start(self, intake: Intake) -> None: ...
    async def stop(self) -> None: ...

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return f"dm:{platform_user_id}"

    def start_link(self) -> str | None:
        return None

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        self._out.write(f"{chat_id}\n")
        self._out.flush()
        self.sent += 1
        await asyncio.sleep(0)  # a real send awaits the network: let the loops interleave
        return SentMessage(chat_id, str(self.sent))


async def run(url: str, out_path: Path, worker_id: str) -> int:
    storage = await Storage.open(url)
    settings = load_settings(env={}, data_dir=out_path.parent, database_url=url)
    with out_path.open("a", encoding="utf-8") as out:
        adapter = FileAdapter(out)
        app = App(Services(settings, storage, SystemClock()), Router(), [adapter])
        app.outbox.worker_id = worker_id
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # "go"
        await app.start()
        while True:
            counts = await storage.outbox.counts()
            if not counts.get("pending") and not counts.get("sending"):
                break
            await asyncio.sleep(0.1)
        await app.stop()
    await storage.close()
    return adapter.sent


def main() -> None:
    url, out = sys.argv[1], Path(sys.argv[2])
    worker_id = sys.argv[3] if len(sys.argv) > 3 else out.stem
    sent = asyncio.run(run(url, out, worker_id))
    print(f"done {sent}", flush=True)


if __name__ == "__main__":
    main()

"""Only one process syncs a Matrix account: the others stand by, hand Matrix messages back to
the queue, and take over when the holder stops or loses its database connection.

The homeserver side (login, sync) is replaced by a recorder: what is tested here is who
syncs when. tests/matrix runs the adapter itself against a real Synapse.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import bot.adapters.matrix.adapter as matrix_adapter
from bot.adapters.matrix.adapter import MatrixAdapter
from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.core import Reply
from bot.errors import HandOver
from storage import Storage

pytestmark = pytest.mark.both_databases


@pytest.fixture
def matrix_settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        env={},
        data_dir=tmp_path,
        database_url=db_url,
        matrix_homeserver="http://127.0.0.1:9",
        matrix_user_id="@vonk:buurt.example",
        matrix_password="geheim",
    )


@pytest.fixture(autouse=True)
def fake_sync(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Starting and stopping the sync records who does it instead of talking to a server."""
    log: list[str] = []

    async def start(self: MatrixAdapter) -> None:
        self._client = object()  # type: ignore[assignment]
        log.append(f"start {id(self)}")

    async def stop(self: MatrixAdapter) -> None:
        self._client = None
        lock, self._lock = self._lock, None
        if lock is not None:
            await lock.release()
            log.append(f"stop {id(self)}")

    monkeypatch.setattr(MatrixAdapter, "_start_syncing", start)
    monkeypatch.setattr(MatrixAdapter, "_stop_syncing", stop)
    monkeypatch.setattr(matrix_adapter, "TAKEOVER_S", 0.05)
    monkeypatch.setattr(matrix_adapter, "LOCK_CHECK_S", 0.05)
    return log


@pytest.fixture
async def stores(matrix_settings: Settings) -> AsyncIterator[tuple[Storage, Storage]]:
    """Two processes' storage on one database."""
    first = await Storage.open(matrix_settings.effective_database_url)
    second = await Storage.open(matrix_settings.effective_database_url)
    yield first, second
    await first.close()
    await second.close()


async def nothing(_event: object) -> None:
    return None


async def until(check, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(within / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_second_process_stands_by_then_takes_over_when_the_first_stops(
    matrix_settings: Settings, stores: tuple[Storage, Storage], fake_sync: list[str]
) -> None:
    first = MatrixAdapter(matrix_settings, stores[0], SystemClock())
    second = MatrixAdapter(matrix_settings, stores[1], SystemClock())
    await first.start(nothing)
    await second.start(nothing)
    assert fake_sync == [f"start {id(first)}"]
    assert second.standing_by and second.running and not first.standing_by
    with pytest.raises(HandOver):  # the outbox puts it back, no attempt counted
        await second.send("!room:buurt.example", Reply("hallo"))
    with pytest.raises(HandOver):
        await second.direct_chat_id("@anne:buurt.example")

    await first.stop()  # a clean shutdown, or a crash: either way the lock is free
    await until(lambda: not second.standing_by)
    assert fake_sync[-1] == f"start {id(second)}"
    await second.stop()


async def test_holder_that_loses_its_connection_stops_syncing(
    backend: str,
    matrix_settings: Settings,
    stores: tuple[Storage, Storage],
    fake_sync: list[str],
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite: one process, no lock connection to lose")
    first = MatrixAdapter(matrix_settings, stores[0], SystemClock())
    second = MatrixAdapter(matrix_settings, stores[1], SystemClock())
    await first.start(nothing)
    await second.start(nothing)
    async with stores[1].db.engine.connect() as conn:  # the first's lock connection is cut
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid <> pg_backend_pid()"
            )
        )
    await until(lambda: not second.standing_by)
    await until(lambda: f"stop {id(first)}" in fake_sync)
    # The second starts once the lock is free; the first stops within LOCK_CHECK_S of the
    # loss. Overlap in between is harmless: events are claimed by id (handled once).
    await first.stop()
    await second.stop()


async def test_outbox_hands_a_matrix_message_back_without_counting_an_attempt(
    matrix_settings: Settings, stores: tuple[Storage, Storage]
) -> None:
    from bot.outbox import Outbox

    first = MatrixAdapter(matrix_settings, stores[0], SystemClock())
    second = MatrixAdapter(matrix_settings, stores[1], SystemClock())
    await first.start(nothing)
    await second.start(nothing)

    async def nobody(_member_id: int, _platform: str | None) -> None:
        return None

    outbox = Outbox(stores[1], SystemClock(), {"matrix": second}, nobody)
    await outbox.enqueue("m1", Reply("hallo"), platform="matrix", chat_id="!room:x")
    assert await outbox.deliver_due() == 0
    assert await stores[1].outbox.counts() == {"pending": 1}
    later = SystemClock().now() + timedelta(seconds=matrix_adapter.HAND_OVER_S * 1.5)
    [item] = await stores[0].outbox.claim_due(
        "holder", now=later, lease=timedelta(minutes=1), limit=10
    )
    assert item.attempts == 0  # the holder sends it as a first attempt
    await first.stop()
    await second.stop()

"""The outbox: idempotent enqueueing, retries, pacing, two workers, a crash mid-broadcast."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from bot.clock import SimulatedClock
from bot.core import Capabilities, Reply, SentMessage
from bot.errors import PermanentDeliveryError, RetryLater
from bot.outbox import LEASE, REPLIES_IN_FLIGHT, Outbox
from bot.ratelimit import RateLimits
from storage import Storage
from storage.repositories.outbox import OutboxItem, Sent
from tests.conftest import START


class Crash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing catches it."""


class RecordingAdapter:
    platform = "test"

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.capabilities = Capabilities(limits=limits or RateLimits())
        self.sent: list[tuple[str, str]] = []
        self.fail_with: list[BaseException] = []
        self.crash_after: int | None = None

    async def start(self, intake: object) -> None: ...
    async def stop(self) -> None: ...

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return f"dm:{platform_user_id}"

    def start_link(self) -> str | None:
        return None

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        if self.crash_after is not None and len(self.sent) == self.crash_after:
            raise Crash
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((chat_id, reply.text))
        await asyncio.sleep(0)
        return SentMessage(chat_id, str(len(self.sent)))


pytestmark = pytest.mark.both_databases


@pytest.fixture
async def storage(db_url: str):
    store = await Storage.open(db_url)
    yield store
    await store.close()


def make_outbox(storage: Storage, clock: SimulatedClock, adapter: RecordingAdapter) -> Outbox:
    async def no_members(_member_id: int, _platform: str | None) -> None:
        return None

    return Outbox(storage, clock, {"test": adapter}, no_members)


async def test_same_key_is_sent_once(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    outbox = make_outbox(storage, clock, adapter)
    assert await outbox.enqueue("call:1:post", Reply("Oproep!"), platform="test", chat_id="g")
    assert not await outbox.enqueue("call:1:post", Reply("Oproep!"), platform="test", chat_id="g")
    assert await outbox.drain() == 1
    assert await outbox.drain() == 0
    assert adapter.sent == [("g", "Oproep!")]


async def test_retry_after_is_honoured_and_nothing_is_lost(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    adapter.fail_with = [RetryLater("429", retry_after=30), ConnectionError("down")]
    outbox = make_outbox(storage, clock, adapter)
    await outbox.enqueue("k", Reply("hallo"), platform="test", chat_id="g")
    assert await outbox.drain() == 0
    clock.advance(timedelta(seconds=29))
    assert await outbox.drain() == 0  # still waiting for retry_after
    clock.advance(timedelta(seconds=1))
    assert await outbox.drain() == 0  # second failure: back-off
    clock.advance(timedelta(minutes=1))
    assert await outbox.drain() == 1
    assert adapter.sent == [("g", "hallo")]


async def test_permanent_failure_is_not_retried(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    adapter.fail_with = [PermanentDeliveryError("blocked")]
    outbox = make_outbox(storage, clock, adapter)
    await outbox.enqueue("k", Reply("hallo"), platform="test", chat_id="g")
    await outbox.drain()
    clock.advance(timedelta(days=1))
    assert await outbox.drain() == 0
    assert await storage.outbox.counts() == {"failed": 1}


async def test_per_chat_limit_paces_a_group_without_dropping(storage: Storage) -> None:
    clock = SimulatedClock(START)
    adapter = RecordingAdapter(RateLimits(per_second=30, per_chat_per_minute=2))
    outbox = make_outbox(storage, clock, adapter)
    for i in range(3):
        await outbox.enqueue(f"g{i}", Reply(f"bericht {i}"), platform="test", chat_id="g")
    await outbox.enqueue("d", Reply("privé"), platform="test", chat_id="dm")
    assert await outbox.drain() == 3  # two in the group, the direct chat is not held up
    clock.advance(timedelta(seconds=60))
    assert await outbox.drain() == 1
    assert [t for _, t in adapter.sent] == ["bericht 0", "privé", "bericht 1", "bericht 2"]


async def test_two_workers_never_send_the_same_message(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    first, second = make_outbox(storage, clock, adapter), make_outbox(storage, clock, adapter)
    for i in range(60):
        await first.enqueue(f"b:{i}", Reply(f"m{i}"), platform="test", chat_id=f"c{i}")
    await asyncio.gather(first.drain(), second.drain(), first.drain(), second.drain())
    counts = Counter(chat for chat, _ in adapter.sent)
    assert len(counts) == 60 and set(counts.values()) == {1}


async def test_crash_mid_broadcast_resumes_exactly_once(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    outbox = make_outbox(storage, clock, adapter)
    for i in range(200):
        await outbox.enqueue(
            f"call:7:member:{i}", Reply("Oproep"), platform="test", chat_id=f"dm:{i}"
        )
    adapter.crash_after = 83
    with pytest.raises(Crash):
        await outbox.drain()
    assert len(adapter.sent) == 83

    # A new process: the message that was in flight waits for its lease, the rest go at once.
    adapter.crash_after = None
    restarted = make_outbox(storage, clock, adapter)
    await restarted.drain()
    clock.advance(LEASE + timedelta(seconds=1))
    await restarted.drain()
    counts = Counter(chat for chat, _ in adapter.sent)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert await storage.outbox.counts() == {"sent": 200}


async def test_messages_to_one_chat_keep_their_order_after_a_429(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    adapter.fail_with = [RetryLater("429", retry_after=30)]
    outbox = make_outbox(storage, clock, adapter)
    await outbox.enqueue("welcome", Reply("Welkom!"), platform="test", chat_id="dm:ria")
    await outbox.enqueue("question", Reply("Hoe heet je?"), platform="test", chat_id="dm:ria")
    await outbox.enqueue("other", Reply("Hallo"), platform="test", chat_id="dm:kees")
    await outbox.drain()
    assert adapter.sent == [("dm:kees", "Hallo")]  # ria's question waits for her welcome
    assert await storage.outbox.next_due() == START + timedelta(seconds=30)  # no busy loop
    clock.advance(timedelta(seconds=30))
    await outbox.drain()
    assert adapter.sent[1:] == [("dm:ria", "Welkom!"), ("dm:ria", "Hoe heet je?")]


class SlowAdapter(RecordingAdapter):
    """Each send takes a round trip; counts how many are in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            return await super().send(chat_id, reply, key=key)
        finally:
            self.in_flight -= 1


async def _held(outbox: Outbox, storage: Storage, key: str, chat_id: str, kind: str) -> OutboxItem:
    async with storage.unit_of_work() as work:
        item = await outbox.enqueue(
            key, Reply(key), platform="test", chat_id=chat_id, kind=kind, storage=work, hold=True
        )
    assert item is not None
    return item


async def test_replies_go_side_by_side_up_to_the_bound_the_rest_one_at_a_time(
    storage: Storage,
) -> None:
    clock, adapter = SimulatedClock(START), SlowAdapter()
    outbox = make_outbox(storage, clock, adapter)
    replies = [await _held(outbox, storage, f"r{i}", f"dm:{i}", "reply") for i in range(20)]
    await asyncio.gather(*(outbox.deliver_held([item]) for item in replies))
    assert adapter.most_in_flight == REPLIES_IN_FLIGHT
    assert len(adapter.sent) == 20
    assert await storage.outbox.unsent() == 0, "every reply recorded (in batches)"

    adapter.most_in_flight = 0
    others = [await _held(outbox, storage, f"m{i}", f"dm:{i}", "message") for i in range(5)]
    await asyncio.gather(*(outbox.deliver_held([item]) for item in others))
    assert adapter.most_in_flight == 1, "what the bot starts itself goes one at a time"
    assert await storage.outbox.counts() == {"sent": 5}


async def test_one_write_records_the_replies_sent_meanwhile(storage: Storage) -> None:
    clock, adapter = SimulatedClock(START), SlowAdapter()
    outbox = make_outbox(storage, clock, adapter)
    replies = [await _held(outbox, storage, f"r{i}", f"dm:{i}", "reply") for i in range(16)]
    writes = 0
    mark_sent_many = storage.outbox.mark_sent_many

    async def counted(sent: Sequence[Sent], *, now: datetime) -> None:
        nonlocal writes
        writes += 1
        await mark_sent_many(sent, now=now)

    storage.outbox.mark_sent_many = counted  # type: ignore[method-assign]
    await asyncio.gather(*(outbox.deliver_held([item]) for item in replies))
    assert await storage.outbox.unsent() == 0
    assert writes < len(replies) / 2, f"{writes} writes for {len(replies)} replies"


async def test_a_reply_in_flight_does_not_make_its_delivery_loop_poll(storage: Storage) -> None:
    """A reply this worker holds (sending it after the commit) is due for the loop only when
    its lease runs out; another worker's, or a waiting message, as before."""
    clock, adapter = SimulatedClock(START), RecordingAdapter()
    outbox = make_outbox(storage, clock, adapter)
    held = await outbox.enqueue(
        "reply:1", Reply("Hoi"), platform="test", chat_id="dm:ria", kind="reply", hold=True
    )
    assert held is not None
    mine = {"worker": outbox.worker_id, "now": START}
    assert await storage.outbox.next_due(**mine) == START + LEASE
    assert await storage.outbox.next_due(worker="another", now=START) == START
    assert await storage.outbox.next_due() == START
    clock.advance(timedelta(seconds=5))
    await outbox.enqueue("later", Reply("Hallo"), platform="test", chat_id="dm:kees")
    assert await storage.outbox.next_due(**mine) == START + timedelta(seconds=5)

"""The road of one event, measured in-process on both databases: what an event costs in
transactions, that chatter costs nothing, and that an event a dead worker stored is taken
over (and one a live worker holds is not)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.app import App
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.context import Services
from bot.core import Capabilities, ChatKind, ChatRef, IncomingMessage, Reply, Sender, SentMessage
from bot.event_codec import to_json
from bot.ratelimit import RateLimits
from handlers import build_router
from kennis.embedding import HashingEmbedder
from kennis.search import Search
from storage import Storage
from storage.records import MemberImportRow
from storage.repositories.inbox import NewEvent
from storage.repositories.workers import STALE_AFTER
from tests.conftest import START

pytestmark = pytest.mark.both_databases

HELP = "Dit kan ik voor je doen"
GROUP = ChatRef("test", "groep", ChatKind.GROUP, "Buurt")


class Recorder:
    """A platform that keeps what the bot says."""

    platform = "test"
    capabilities = Capabilities(limits=RateLimits())

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    async def start(self, intake: object) -> None: ...
    async def stop(self) -> None: ...

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return f"dm:{platform_user_id}"

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        self.said.append((chat_id, reply.text))
        return SentMessage(chat_id, str(len(self.said)))


def said_by(user: str, text: str, *, event_id: str, direct: bool = True) -> IncomingMessage:
    chat = ChatRef("test", f"dm:{user}", ChatKind.DIRECT, user) if direct else GROUP
    return IncomingMessage(chat, Sender(user, user.title()), text, event_id=event_id)


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[Storage]:
    opened = await Storage.open(settings.effective_database_url)
    yield opened
    await opened.close()


async def make_app(
    settings: Settings, storage: Storage, clock: SimulatedClock, *, search: Search | None = None
) -> tuple[App, Recorder]:
    recorder = Recorder()
    app = App(Services(settings, storage, clock, search), build_router(), [recorder])
    await app.start(background=False)
    return app, recorder


@contextmanager
def transactions(storage: Storage) -> Iterator[list[str]]:
    """Every transaction begun on the database while the block runs (reads included)."""
    begun: list[str] = []

    def on_begin(_conn: object) -> None:
        begun.append("begin")

    engine = storage.db.engine.sync_engine
    event.listen(engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", on_begin)


async def test_a_command_costs_three_transactions_and_chatter_none(
    settings: Settings, storage: Storage
) -> None:
    app, recorder = await make_app(settings, storage, SimulatedClock(START))
    try:
        await app.intake.dispatch(said_by("ria", "/hulp", event_id="1"))  # Ria is known now
        with transactions(storage) as begun:
            await app.intake.dispatch(said_by("ria", "/hulp", event_id="2"))
        assert recorder.said[-1][1].startswith(HELP)
        # inbox, the unit of work, the answer marked sent
        assert len(begun) <= 3, begun
        with transactions(storage) as begun:
            for n in range(20):  # strangers chatting in a group the bot is in
                await app.intake.dispatch(
                    said_by(
                        f"vreemde{n}", "hoi allemaal, mooi weer!", event_id=f"c{n}", direct=False
                    )
                )
        assert begun == [], "unanswered chatter writes (and reads) nothing"
        assert len(recorder.said) == 2
    finally:
        await app.stop()


async def test_a_question_answered_by_name_costs_three_transactions(
    settings: Settings, storage: Storage
) -> None:
    network = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=START
    )
    rows = [MemberImportRow(2, "anna", "Anna", ("fietsen repareren",), "", "")]
    await storage.members.import_rows(
        network.id, rows, language="nl", timezone="Europe/Amsterdam", now=START
    )
    search = Search(HashingEmbedder(256), storage)
    app, recorder = await make_app(settings, storage, SimulatedClock(START), search=search)
    try:
        await app.intake.dispatch(said_by("ria", "/hulp", event_id="1"))  # Ria is known now
        # The first question of a process loads the model's reference texts (once).
        await app.intake.dispatch(said_by("ria", "wie kan mijn ketting spannen?", event_id="w"))
        question = "wie kan helpen met fietsen repareren?"
        with transactions(storage) as begun:
            await app.intake.dispatch(said_by("ria", question, event_id="2"))
        assert "Anna" in recorder.said[-1][1]
        assert len(begun) <= 3, begun  # inbox, the unit of work (search in step inside), sent
    finally:
        await app.stop()


async def test_an_event_a_dead_worker_stored_is_taken_over_a_live_ones_is_not(
    settings: Settings, storage: Storage
) -> None:
    clock = SimulatedClock(START)
    # Two events stored by workers elsewhere, claimed, never handled: one worker still beats.
    for worker, user in (("elders:1:dood", "dora"), ("elders:2:levend", "lena")):
        await storage.workers.register(worker, host="elders", pid=1, now=clock.now())
        [item] = await storage.inbox.store(
            [
                NewEvent(
                    "test",
                    f"e-{user}",
                    f"dm:{user}",
                    to_json(said_by(user, "/hulp", event_id=f"e-{user}")),
                )
            ],
            worker=worker,
            now=clock.now(),
            lease=timedelta(hours=1),
        )
        assert item is not None
    await storage.workers.forget(["elders:1:dood"])  # that process has stopped

    app, recorder = await make_app(settings, storage, clock)
    try:
        assert [chat for chat, _ in recorder.said] == ["dm:dora"], "only the dead worker's"
        clock.advance(STALE_AFTER + timedelta(seconds=1))  # Lena's worker stops beating
        assert await app.intake.recover() == 1
        assert [chat for chat, _ in recorder.said] == ["dm:dora", "dm:lena"]
        assert await storage.inbox.unfinished() == 0
        assert await app.intake.recover() == 0, "and each once"
    finally:
        await app.stop()

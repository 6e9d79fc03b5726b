"""Fixtures for the Telegram tests: the fake Bot API in its own thread, and one ``vonk run``
shared by the conversation tests of a module (each test meets its own people)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer
from tests.telegram.harness import (
    Chats,
    VonkProcess,
    kill_leftovers,
    running_bots,
    set_stale_webhook,
)

BOT_USERNAME = "vonk_test_bot"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chats]:
    """A bot that sees every group message (privacy mode off), started over a stale webhook."""
    with FakeTelegramServer(username=BOT_USERNAME, privacy_mode=False).run_in_thread() as fake:
        set_stale_webhook(fake)
        vonk = VonkProcess(fake, tmp_path_factory.mktemp("vonk"))
        with vonk:
            yield Chats(fake, vonk, fake.group_chat("Buurtgroep Oost"))


@pytest.fixture
def fake() -> Iterator[FakeTelegramServer]:
    """A fake of its own, for tests that start and stop the bot themselves."""
    with FakeTelegramServer(username=BOT_USERNAME).run_in_thread() as server:
        yield server


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(autouse=True)
def _no_bot_left_behind() -> Iterator[None]:
    """A test that fails half-way must not leave its ``vonk run`` behind."""
    before = running_bots()
    yield
    kill_leftovers(before)

"""Test-side helpers: the real ``vonk run`` process against the fake Bot API, and people who
talk to it.

Tests read like conversations: ``anne.say("/start")``, ``bot.wait_for(anne.dm, "Hoe mag ik
je noemen")``, ``anne.press(question, "Ja")``. A later feature (calls for help with pledge
buttons) needs nothing new: a group call is ``wait_for(group, …)``, a pledge is ``press(...)``.
Everything waits by polling with a deadline; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage import Storage
from storage.records import Account, Member, Role
from tests.fakes.telegram_api import FakeTelegramServer

JSON = dict[str, Any]
VONK = Path(sys.executable).with_name("vonk")
WITHIN = 10.0  # seconds: generous for a loaded machine, short enough to fail fast


def wait_until(check: Callable[[], Any], *, within: float = WITHIN, what: str = "") -> Any:
    """Poll ``check`` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {within}s for {what or check}")
        time.sleep(0.02)


_RUNNING: set[VonkProcess] = set()


def running_bots() -> set[VonkProcess]:
    return set(_RUNNING)


def kill_leftovers(before: set[VonkProcess]) -> None:
    """Kill the bots started since ``before`` and not stopped (a test that failed half-way)."""
    for vonk in _RUNNING - before:
        vonk.kill()


class VonkProcess:
    """``vonk run`` in its own process, configured only through environment variables."""

    def __init__(self, fake: FakeTelegramServer, data_dir: Path, **env: str) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "VONK_TELEGRAM_TOKEN": fake.token,
            "VONK_TELEGRAM_BASE_URL": fake.base_url,
            "VONK_DATA_DIR": str(data_dir),
            "VONK_LOG_LEVEL": "INFO",
            # Keep start-up quick: the deterministic test embedder, no seed lessons to index.
            "VONK_EMBEDDING_MODEL": "hashing",
            "VONK_SEED_LESSONS": "0",
            **env,
        }
        self.env.pop("VONK_CONFIG", None)
        self.log_path = data_dir / "vonk-run.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def database_url(self) -> str:
        return (
            self.env.get("VONK_DATABASE_URL") or f"sqlite+aiosqlite:///{self.data_dir / 'vonk.db'}"
        )

    def start(self, *, ready: str = "getUpdates") -> None:
        """Start and return once the bot receives: its first ``ready`` call reached the fake."""
        assert self._proc is None, "already running"
        since = len(self.fake.calls())
        self.runs += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== run {self.runs} =====\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                [str(VONK), "run"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        _RUNNING.add(self)
        try:
            wait_until(
                lambda: self._running() and self.calls_since(since, ready),
                within=30,
                what=f"vonk run to call {ready}",
            )
        except BaseException:
            self.kill()  # never leave a stray bot behind a failed test
            raise AssertionError(f"vonk run did not get ready:\n{self.log()}") from None

    def _running(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise AssertionError(f"vonk run exited with {self._proc.returncode}:\n{self.log()}")
        return True

    def calls_since(self, since: int, method: str) -> list[Any]:
        """Calls of ``method`` that reached the fake (answered or still open, like a long poll)."""
        return [c for c in self.fake.calls()[since:] if c.method.lower() == method.lower()]

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM, as systemd or Docker stop the bot; returns the exit code."""
        return self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL: a crash, no clean-up at all."""
        self._end(signal.SIGKILL, 10)

    def _end(self, sig: signal.Signals, timeout: float) -> int:
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        if proc is None:
            return 0
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(
                f"vonk run did not stop within {timeout}s:\n{self.log()}"
            ) from None

    def unsent(self) -> int:
        """Messages in the outbox not yet marked sent."""
        return self._read(lambda storage: storage.outbox.unsent())

    def inbox_unfinished(self) -> int:
        """Stored events not handled yet."""
        return self._read(lambda storage: storage.inbox.unfinished())

    def handled_events(self) -> int:
        """Events handled (each exactly once: the inbox keeps one row per update)."""
        return self._read(lambda storage: storage.inbox.handled())

    def _read(self, what: Callable[[Storage], Awaitable[int]]) -> int:
        async def read() -> int:
            storage = await Storage.open(self.database_url)
            try:
                return await what(storage)
            finally:
                await storage.close()

        return asyncio.run(read())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def account(self, user: JSON) -> tuple[Member, Account] | None:
        """Read the member behind a Telegram user straight from the bot's database."""

        async def read() -> tuple[Member, Account] | None:
            storage = await Storage.open(self.database_url)
            try:
                return await storage.members.by_account("telegram", str(user["id"]))
            finally:
                await storage.close()

        return asyncio.run(read())

    def set_role(self, user: JSON, role: Role) -> None:
        """Give the member behind a Telegram user a role (as ``/rol`` by an admin would)."""

        async def update() -> None:
            storage = await Storage.open(self.database_url)
            try:
                found = await storage.members.by_account("telegram", str(user["id"]))
                assert found is not None, "the user has not spoken to the bot yet"
                await storage.members.update(found[0].id, role=role)
            finally:
                await storage.close()

        asyncio.run(update())

    def __enter__(self) -> VonkProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._proc is not None:
            self.terminate()


@dataclass
class Person:
    """Someone on Telegram with a private chat with the bot."""

    fake: FakeTelegramServer
    user: JSON

    @property
    def dm(self) -> JSON:
        return self.fake.private_chat(self.user)

    def say(self, text: str, chat: JSON | None = None, **kwargs: Any) -> JSON | None:
        """Write in ``chat`` (default: the direct chat); returns the update, if the bot sees it."""
        return self.fake.push_message(chat or self.dm, self.user, text, **kwargs)

    def press(self, message: JSON, label: str) -> JSON:
        """Press the inline button labelled ``label`` under one of the bot's messages."""
        return self.fake.press_button(self.user, message, label)

    def renamed(self, **changes: Any) -> Person:
        """The same Telegram account after changing name or username."""
        return Person(self.fake, {**self.user, **changes})


def person(fake: FakeTelegramServer, first_name: str, **kwargs: Any) -> Person:
    user = fake.user(first_name, **kwargs)
    fake.private_chat(user)
    return Person(fake, user)


def bot_messages(fake: FakeTelegramServer, chat: JSON, containing: str = "") -> list[JSON]:
    return [
        m
        for m in fake.messages_in(chat, from_bot=True)
        if containing in m.get("text", m.get("caption", ""))
    ]


def wait_for(
    fake: FakeTelegramServer, chat: JSON, containing: str, *, within: float = WITHIN
) -> JSON:
    """The bot's (latest) message in ``chat`` containing ``containing``, once it is there."""
    found = wait_until(
        lambda: bot_messages(fake, chat, containing),
        within=within,
        what=f"a bot message with {containing!r}; chat has "
        f"{[m.get('text') for m in fake.messages_in(chat)]}",
    )
    return found[-1]


def with_buttons(fake: FakeTelegramServer, chat: JSON) -> list[JSON]:
    """The bot's messages in ``chat`` that still carry an inline keyboard."""
    return [m for m in fake.messages_in(chat, from_bot=True) if m.get("reply_markup")]


def buttons(message: JSON) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def current(fake: FakeTelegramServer, message: JSON) -> JSON:
    """The message as it is now (after edits)."""
    for m in fake.messages_in(message["chat"]):
        if m["message_id"] == message["message_id"]:
            return m
    raise AssertionError(f"message {message['message_id']} is gone")


def set_stale_webhook(fake: FakeTelegramServer, url: str = "https://old.example/hook") -> None:
    """A webhook left over from an earlier deployment (polling must remove it first)."""
    query = urllib.parse.urlencode({"url": url})
    with urllib.request.urlopen(f"{fake.base_url}{fake.token}/setWebhook?{query}") as answer:
        assert answer.status == 200


def in_flight(fake: FakeTelegramServer, method: str) -> bool:
    """A call of ``method`` has reached the fake and is not answered yet (an open long poll)."""
    calls = fake.calls(method)
    return bool(calls) and calls[-1].status == 0


@dataclass
class Chats:
    """Shared by the tests of one running bot: one group and a way to meet new people."""

    fake: FakeTelegramServer
    vonk: VonkProcess
    group: JSON

    def person(self, first_name: str, **kwargs: Any) -> Person:
        return person(self.fake, first_name, **kwargs)


def iter_texts(messages: list[JSON]) -> Iterator[str]:
    for message in messages:
        yield message.get("text", message.get("caption", ""))

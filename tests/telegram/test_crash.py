"""SIGKILL at any moment: the real ``vonk run`` against the fake Bot API, killed mid-way and
restarted. What is promised (docs/telegram.md, "What is guaranteed"):

- no update is lost and none is handled twice, in polling and in webhook mode; Telegram has
  no idempotency key, so a kill repeats at most the replies in flight (sent, not yet
  recorded): at most ``REPLIES_IN_FLIGHT`` per crash;
- a broadcast loses nothing, and goes one message at a time: a kill between a send and its
  bookkeeping may send that one message twice, at most one duplicate per crash;
- after a restart the rest goes out within seconds (a dead worker's claims are freed at once,
  not when their leases run out).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outbox import REPLIES_IN_FLIGHT
from storage import Storage
from storage.records import MemberImportRow, Role
from tests.fakes.telegram_api import FakeTelegramServer
from tests.telegram.harness import (
    Person,
    VonkProcess,
    bot_messages,
    buttons,
    person,
    wait_for,
    wait_until,
    with_buttons,
)

HELP = "Dit kan ik voor je doen"
INVITATION = "Opruimen speelveld"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _webhook_env(port: int, secret: str = "crash-geheim") -> dict[str, str]:
    return {
        "VONK_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "VONK_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "VONK_TELEGRAM_WEBHOOK_PORT": str(port),
        "VONK_TELEGRAM_WEBHOOK_SECRET": secret,
    }


@contextmanager
def webhook_deliveries(fake: FakeTelegramServer) -> Iterator[None]:
    """Telegram's side of webhook mode: queued updates are POSTed over and over, one at a
    time, until the bot answers 200 (while the bot is down, they simply wait)."""
    stop = threading.Event()

    def deliver() -> None:
        while not stop.is_set():
            try:
                if fake.webhook is not None:
                    fake.deliver_webhook_updates_sync(http_timeout=5)
            except Exception:  # the bot is down: try again in a moment
                pass
            stop.wait(0.05)

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def answered(fake: FakeTelegramServer, people: list[Person], text: str) -> Counter[int]:
    return Counter({p.user["id"]: len(bot_messages(fake, p.dm, text)) for p in people})


def kill_when(
    vonk: VonkProcess, fake: FakeTelegramServer, people: list[Person], text: str, at_least: int
) -> None:
    """SIGKILL as soon as ``at_least`` of the people got ``text``: mid-way, wherever that is."""
    wait_until(
        lambda: sum(1 for n in answered(fake, people, text).values() if n) >= at_least,
        within=60,
        what=f"{at_least} answers",
    )
    vonk.kill()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_kill_9_twice_while_50_people_ask_loses_nothing_and_repeats_nothing(
    fake: FakeTelegramServer, data_dir: Path, mode: str
) -> None:
    env = _webhook_env(_free_port()) if mode == "webhook" else {}
    ready = "setWebhook" if mode == "webhook" else "getUpdates"
    vonk = VonkProcess(fake, data_dir, **env)
    people = [person(fake, f"Lid{i}") for i in range(50)]
    kills = 0
    with webhook_deliveries(fake) if mode == "webhook" else contextlib.nullcontext():
        vonk.start(ready=ready)
        for someone in people:
            someone.say("/hulp")
        for at_least in (10, 30):
            kill_when(vonk, fake, people, HELP, at_least)
            kills += 1
            vonk.start(ready=ready)
        wait_until(
            lambda: all(answered(fake, people, HELP).values()), within=60, what="every answer"
        )
        if mode == "polling":
            wait_until(lambda: not fake.pending_updates, what="every update confirmed")
    counts = answered(fake, people, HELP)
    assert min(counts.values()) == 1, "nobody was left without an answer"
    duplicates = sum(n - 1 for n in counts.values())
    # Replies go side by side (bot/outbox.py): a kill repeats at most those in flight.
    assert duplicates <= kills * REPLIES_IN_FLIGHT, f"{duplicates} sent twice in {kills} crashes"
    assert vonk.inbox_unfinished() == 0
    assert vonk.handled_events() == 50, "each update handled exactly once"
    assert vonk.terminate() == 0


def _members_on_telegram(vonk: VonkProcess, people: list[Person]) -> None:
    """Members who joined earlier (imported, findable and invitable), each with a Telegram
    account, written straight into the database before the bot starts."""

    async def add() -> None:
        storage = await Storage.open(vonk.database_url)
        try:
            network = await storage.networks.default() or await storage.networks.create(
                "Buurt", language="nl", timezone="Europe/Amsterdam", now=datetime.now(UTC)
            )
            rows = [
                MemberImportRow(i + 2, f"lid{i}", p.user["first_name"], ("opruimen",), "", "")
                for i, p in enumerate(people)
            ]
            await storage.members.import_rows(
                network.id, rows, language="nl", timezone="Europe/Amsterdam", now=datetime.now(UTC)
            )
            for i, p in enumerate(people):
                member = await storage.members.by_handle(network.id, f"lid{i}")
                assert member is not None
                await storage.members.link_account(
                    member.id,
                    "telegram",
                    str(p.user["id"]),
                    display_name=p.user["first_name"],
                    direct_chat_id=str(p.user["id"]),
                )
        finally:
            await storage.close()

    asyncio.run(add())


def _post_call_to_everyone(fake: FakeTelegramServer, vonk: VonkProcess, sanne: Person) -> None:
    sanne.say("/hulp")
    wait_for(fake, sanne.dm, HELP)
    vonk.set_role(sanne.user, Role.INITIATOR)
    sanne.say("/oproep Opruimen speelveld zaterdag 10:00 5 mensen")
    check = wait_until(lambda: with_buttons(fake, sanne.dm), what="the check")[-1]
    everyone = next(label for label in buttons(check) if "iedereen" in label.lower())
    sanne.press(check, everyone)


def test_kill_9_three_times_during_a_broadcast_to_200(
    fake: FakeTelegramServer, data_dir: Path
) -> None:
    vonk = VonkProcess(fake, data_dir)
    people = [person(fake, f"Buur{i}") for i in range(200)]
    _members_on_telegram(vonk, people)
    sanne = person(fake, "Sanne")
    vonk.start()
    _post_call_to_everyone(fake, vonk, sanne)
    restarts: list[float] = []
    for at_least in (1, 40, 170):
        kill_when(vonk, fake, people, INVITATION, at_least)
        vonk.start()
        restarts.append(time.monotonic())
    wait_until(
        lambda: all(answered(fake, people, INVITATION).values()),
        within=60,
        what="every invitation",
    )
    rest_out_after = time.monotonic() - restarts[-1]
    counts = answered(fake, people, INVITATION)
    assert min(counts.values()) == 1, "nobody missed the invitation"
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= 3, f"{duplicates} invitations sent twice in 3 crashes"
    assert rest_out_after <= 10, f"the rest went out {rest_out_after:.1f}s after the restart"
    assert vonk.terminate() == 0


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_processes_on_postgres_one_killed_mid_broadcast(
    fake: FakeTelegramServer, tmp_path: Path, db_url: str
) -> None:
    """Webhook mode behind a balancer, two processes on one PostgreSQL database: the one that
    survives takes over the dead one's claims within seconds, without waiting for leases."""
    processes: list[VonkProcess] = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        processes.append(
            VonkProcess(
                fake, tmp_path / name, VONK_DATABASE_URL=db_url, **_webhook_env(_free_port())
            )
        )
    a, b = processes
    people = [person(fake, f"Buur{i}") for i in range(120)]
    sanne = person(fake, "Sanne")
    a.start(ready="setWebhook")  # migrates; the last setWebhook wins: updates go to b
    _members_on_telegram(a, people)
    b.start(ready="setWebhook")
    with webhook_deliveries(fake):
        _post_call_to_everyone(fake, b, sanne)
        kill_when(b, fake, people, INVITATION, 30)
        killed = time.monotonic()
        wait_until(
            lambda: all(answered(fake, people, INVITATION).values()),
            within=60,
            what="the survivor to send the rest",
        )
        took_over_after = time.monotonic() - killed
    counts = answered(fake, people, INVITATION)
    assert min(counts.values()) == 1
    assert sum(n - 1 for n in counts.values()) <= 1
    assert took_over_after <= 20, f"the survivor finished {took_over_after:.1f}s after the kill"
    assert a.terminate() == 0

"""Telegram webhook mode behind a load balancer: two ``vonk run`` processes on one
PostgreSQL database each receive webhook calls; the same update delivered to both (a retry
that the balancer sent elsewhere) is handled once, because the update id is claimed in the
database (the inbox, ``storage.inbox.store``) before anything else happens."""

from __future__ import annotations

import json
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer
from tests.telegram.harness import VonkProcess, bot_messages, person, wait_for

HELP = "Dit kan ik voor je doen"
SECRET = "balans-geheim"

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, update: dict[str, object]) -> int:
    request = urllib.request.Request(
        url,
        json.dumps(update).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def test_the_same_update_at_two_processes_is_handled_once(
    fake: FakeTelegramServer, tmp_path: Path, db_url: str
) -> None:
    urls = []
    processes = []
    for name in ("a", "b"):
        port = _free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        data_dir = tmp_path / name
        data_dir.mkdir()
        processes.append(
            VonkProcess(
                fake,
                data_dir,
                VONK_DATABASE_URL=db_url,
                VONK_TELEGRAM_WEBHOOK_URL=url,
                VONK_TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                VONK_TELEGRAM_WEBHOOK_PORT=str(port),
                VONK_TELEGRAM_WEBHOOK_SECRET=SECRET,
            )
        )
        urls.append(url)
    try:
        for vonk in processes:
            vonk.start(ready="setWebhook")
        anne = person(fake, "Anne")
        update = anne.say("/hulp")
        assert update is not None
        with ThreadPoolExecutor(4) as pool:  # both at once, then a late redelivery to each
            assert list(pool.map(post, urls, [update, update])) == [200, 200]
        wait_for(fake, anne.dm, HELP)
        assert [post(url, update) for url in urls] == [200, 200]
        bert = person(fake, "Bert")  # a later update is answered: both processes still work
        later = bert.say("/hulp")
        assert later is not None and post(urls[1], later) == 200
        wait_for(fake, bert.dm, HELP)
        assert len(bot_messages(fake, anne.dm, HELP)) == 1, "handled once"
    finally:
        codes = [vonk.terminate() for vonk in processes]
    assert codes == [0, 0], [vonk.log() for vonk in processes]

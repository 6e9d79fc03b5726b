"""Start Vonk the way systemd would, from deploy/vonk.service and deploy/vonk.env.example.

systemd itself cannot run units here, so the test does its part: the unit's ExecStart line,
WorkingDirectory and Environment=, plus the example environment file read as EnvironmentFile=
reads it; only the installation and data paths are mapped to this test run, and Telegram is
the local fake Bot API (there is no network). Then it checks what an operator relies on:
/healthz turns 200, /metrics counts a conversation, logs are JSON when asked for, and SIGTERM
(systemctl stop) ends the process cleanly.
"""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.test_ops import sample
from tests.deploy.files import (
    DATA_DIR,
    INSTALL_DIR,
    read_env_file,
    read_unit,
    unit_environment,
    unit_values,
)
from tests.fakes.telegram_api import FakeTelegramServer
from tests.telegram.harness import person, wait_for, wait_until

VENV = Path(sys.prefix)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


@pytest.fixture
def fake() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer().run_in_thread() as server:
        yield server


def test_vonk_starts_from_the_systemd_unit_and_example_environment(
    fake: FakeTelegramServer, tmp_path: Path
) -> None:
    service = read_unit()["Service"]
    data_dir = tmp_path / "var-lib-vonk"
    data_dir.mkdir()  # StateDirectory= makes it

    def here(value: str) -> str:
        return value.replace(f"{INSTALL_DIR}/.venv", str(VENV)).replace(DATA_DIR, str(data_dir))

    (exec_start,) = unit_values(service, "ExecStart")
    argv = [here(arg) for arg in shlex.split(exec_start)]
    assert Path(argv[0]).is_file(), f"{exec_start} does not map onto this venv"
    (working_dir,) = unit_values(service, "WorkingDirectory")

    port = free_port()  # the example's 8080 may be taken on this machine
    environment = {
        # systemd starts services with a near-empty environment, not the caller's.
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(data_dir),
        **{k: here(v) for k, v in unit_environment(service).items()},
        **{k: here(v) for k, v in read_env_file().items()},
        # What an operator fills in, pointed at this test's fake and port:
        "VONK_TELEGRAM_TOKEN": fake.token,
        "VONK_TELEGRAM_BASE_URL": fake.base_url,
        "VONK_HTTP_PORT": str(port),
        "VONK_LOG_FORMAT": "json",
        # Quick start: the deterministic test embedder, no lessons to index.
        "VONK_EMBEDDING_MODEL": "hashing",
        "VONK_SEED_LESSONS": "0",
    }
    assert environment["VONK_DATA_DIR"] == str(data_dir)
    log_path = tmp_path / "journal.log"
    with log_path.open("wb") as journal:
        proc = subprocess.Popen(
            argv, cwd=here(working_dir), env=environment, stdout=journal, stderr=journal
        )
    try:
        health = f"http://127.0.0.1:{port}/healthz"

        def healthy() -> str | None:
            if proc.poll() is not None:
                raise AssertionError(f"vonk exited with {proc.returncode}:\n{log_path.read_text()}")
            status, body = get(health)
            return body if status == 200 else None

        details = json.loads(wait_until(healthy, within=30, what="/healthz to answer 200"))
        assert details["adapters"] == {"telegram": "running"}
        assert details["database"]["ok"] is True
        assert (data_dir / "vonk.db").exists(), "SQLite in the data folder by default"

        anne = person(fake, "Anne")
        anne.say("/hulp")
        wait_for(fake, anne.dm, "Dit kan ik voor je doen")

        def counted() -> str | None:
            # The fake has the reply a moment before the bot records it as sent (the outbox
            # row reads "sending" in between): the metrics follow the record.
            status, page = get(f"http://127.0.0.1:{port}/metrics")
            assert status == 200
            out = sample(page, "vonk_messages_out_total", platform="telegram", kind="reply")
            return page if out >= 1 else None

        page = wait_until(counted, within=10, what="the reply to be recorded as sent")
        assert sample(page, "vonk_messages_in_total", platform="telegram", kind="message") == 1
        assert sample(page, "vonk_messages_out_total", platform="telegram", kind="reply") >= 1
        assert sample(page, "vonk_handler_seconds_count", route="command") == 1
        assert sample(page, "vonk_outbox_messages", status="pending") == 0

        proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert proc.wait(timeout=15) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    messages = [r["message"] for r in records]
    assert any("Vonk runs on telegram" in m for m in messages)
    assert any("/healthz" in m for m in messages)
    assert "stopping" in messages
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")], records

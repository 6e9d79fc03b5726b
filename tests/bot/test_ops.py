"""Operations in one process: /healthz and /metrics on a real app, JSON logs, the health probe.

The same endpoints against the real ``vonk run`` (started from the systemd unit) are tested in
tests/deploy/test_systemd_run.py; here the parts are poked one at a time.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import SimulatedClock
from bot.config import ConfigError, Settings, load_settings
from bot.core import ChatKind, ChatRef, IncomingMessage, Reply, Sender
from bot.healthcheck import check, health_url
from bot.ops import OpsServer
from bot.runtime import close_app, configure_logging, open_app
from tests.conftest import START


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in a Prometheus text page (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[tuple[App, OpsServer, ConsoleAdapter]]:
    app = await open_app(settings, clock=SimulatedClock(START))
    console = ConsoleAdapter(io.StringIO())
    app.add_adapter(console)
    await app.start(background=False)
    ops = OpsServer(app, "127.0.0.1", 0)  # any free port
    await ops.start()
    try:
        yield app, ops, console
    finally:
        await ops.stop()
        await close_app(app)


async def get(ops: OpsServer, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{ops.port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


def dm(text: str) -> IncomingMessage:
    return IncomingMessage(
        ChatRef("console", "dm:ria", ChatKind.DIRECT), Sender("ria", "Ria"), text
    )


async def test_healthz_is_ok_when_database_and_adapters_are(running: Any) -> None:
    _app, ops, _console = running
    status, content_type, body = await get(ops, "/healthz")
    assert status == 200
    assert content_type.startswith("application/json")
    details = json.loads(body)
    assert details["status"] == "ok"
    assert details["database"]["ok"] is True
    assert details["adapters"] == {"console": "running"}


async def test_healthz_is_503_with_the_reason_when_the_database_fails(
    running: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, ops, _console = running

    async def down() -> None:
        raise ConnectionRefusedError("database is down")

    monkeypatch.setattr(app.services.storage.db, "ping", down)
    status, _, body = await get(ops, "/healthz")
    assert status == 503
    details = json.loads(body)
    assert details["status"] == "unavailable"
    assert details["database"] == {"ok": False, "error": "ConnectionRefusedError: database is down"}


async def test_healthz_is_503_when_an_adapter_stopped_receiving(running: Any) -> None:
    _app, ops, console = running
    console.running = False  # as Telegram's adapter reports when its polling loop died
    status, _, body = await get(ops, "/healthz")
    assert status == 503
    assert json.loads(body)["adapters"] == {"console": "stopped"}


async def test_metrics_count_messages_latency_nudges_search_and_outbox(running: Any) -> None:
    app, ops, _console = running
    _, content_type, before = await get(ops, "/metrics")
    assert content_type.startswith("text/plain")

    await app.intake.dispatch(dm("/hulp"))
    assert app.services.search is not None
    await app.services.search.ask("fiets repareren", network_id=(await app.network()).id)
    await app.outbox.enqueue(
        "nudge:test",
        Reply("Denk je aan morgen?"),
        platform="console",
        chat_id="dm:ria",
        kind="nudge",
    )
    await app.outbox.enqueue(
        "later:test",
        Reply("later"),
        platform="console",
        chat_id="dm:ria",
        not_before=START.replace(year=START.year + 1),
    )
    await app.settle()
    _, _, after = await get(ops, "/metrics")

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("vonk_messages_in_total", platform="console", kind="message") == 1
    assert grew("vonk_handler_seconds_count", route="command") == 1
    assert grew("vonk_messages_out_total", platform="console", kind="reply") >= 1
    assert grew("vonk_messages_out_total", platform="console", kind="nudge") == 1
    assert grew("vonk_nudges_sent_total") == 1
    assert grew("vonk_search_seconds_count") == 1
    assert sample(after, "vonk_outbox_messages", status="pending") == 1  # the one for later
    assert sample(after, "vonk_outbox_messages", status="failed") == 0  # present, though zero
    assert "process_resident_memory_bytes" in after


async def test_health_probe_used_by_the_container(running: Any, settings: Settings) -> None:
    _app, ops, console = running
    probe = settings.replace(http_host="0.0.0.0", http_port=ops.port)
    assert health_url(probe) == f"http://127.0.0.1:{ops.port}/healthz"
    healthy, said = await asyncio.to_thread(check, probe)  # the server runs on this loop
    assert healthy and json.loads(said)["status"] == "ok"
    console.running = False
    healthy, said = await asyncio.to_thread(check, probe)
    assert not healthy and json.loads(said)["status"] == "unavailable"
    healthy, said = check(settings.replace(http_port=0))
    assert not healthy and "VONK_HTTP_PORT is 0" in said


def test_json_logs_are_one_object_a_line() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    try:
        configure_logging("INFO", stream=out, fmt="json")
        log = logging.getLogger("vonk.test")
        log.info("hallo %s", "Anne", extra={"chat": "dm:anne"})
        try:
            raise ValueError("kapot\nmet twee regels")
        except ValueError:
            log.exception("handler failed")
        log.debug("not shown at INFO")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, "a traceback stays inside its line"
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "hallo Anne" and first["level"] == "INFO"
    assert first["logger"] == "vonk.test" and first["chat"] == "dm:anne"
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "ValueError: kapot" in second["exception"]


def test_operations_settings_are_checked() -> None:
    env = {"VONK_HTTP_PORT": "9100", "VONK_LOG_FORMAT": "json", "VONK_HTTP_HOST": "0.0.0.0"}
    settings = load_settings(env=env)
    assert (settings.http_port, settings.log_format, settings.http_host) == (
        9100,
        "json",
        "0.0.0.0",
    )
    assert load_settings(env={}).http_port == 0, "off unless asked for"
    with pytest.raises(ConfigError, match="VONK_LOG_FORMAT"):
        load_settings(env={"VONK_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="VONK_HTTP_PORT"):
        load_settings(env={"VONK_HTTP_PORT": "70000"})


def test_health_probe_imports_nothing_heavy() -> None:
    """It runs every 30 seconds in the container: no models, no database drivers."""
    import subprocess

    code = (
        "import sys, bot.healthcheck; "
        "print(sorted(m for m in ('numpy', 'torch', 'sqlalchemy', 'aiohttp') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

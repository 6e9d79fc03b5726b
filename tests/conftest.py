"""Shared test fixtures: a fresh database per test and a console that plays a script."""

from __future__ import annotations

import io
import socket
import textwrap
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, load_settings
from bot.runtime import run_console
from kennis.embedding import Embedder, load_embedder

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Tuesday morning: scripts and expectations are written against this moment.
START = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)

ScriptRunner = Callable[..., Awaitable[str]]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test: tests run offline."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")):
            raise AssertionError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh database; the fast hashing embedder unless a test asks for the real model."""
    return load_settings(
        env={},
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'vonk.db'}",
        embedding_model="hashing",
    )


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The default (bundled) model, loaded once for the whole test session."""
    return load_embedder()


@pytest.fixture
def run_script(settings: Settings) -> ScriptRunner:
    """Play a console script (dedented) against this test's database; returns the transcript.

    Calls share the database, so a second call continues where the first left off, as a
    restart would."""

    async def play(
        script: str, *, demo: bool = False, start: datetime = START, config: Settings | None = None
    ) -> str:
        out = io.StringIO()
        lines = textwrap.dedent(script).strip().splitlines()
        await run_console(config or settings, script=lines, start=start, out=out, demo=demo)
        return out.getvalue()

    return play

"""Shared test fixtures: a fresh database per test and a console that plays a script."""

from __future__ import annotations

import io
import socket
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, load_settings
from bot.runtime import run_console
from kennis.embedding import Embedder, load_embedder
from tests import databases

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_databases: run the test on SQLite and on PostgreSQL (tests/databases.py)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_databases`` run once per backend; the others on the default."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("backend", databases.BACKENDS, indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_template() -> Iterator[None]:
    yield
    databases.drop_template()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``: parametrized for ``both_databases`` tests."""
    name = getattr(request, "param", databases.DEFAULT_BACKEND)
    if name == "postgres" and not databases.POSTGRES_URL:
        if databases.REQUIRED:
            pytest.fail("VONK_TEST_POSTGRES_URL is not set but PostgreSQL is required")
        pytest.skip("PostgreSQL: set VONK_TEST_POSTGRES_URL (scripts/test.sh starts one)")
    return name


@pytest.fixture
async def db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for this test alone (dropped afterwards on PostgreSQL)."""
    if backend == "sqlite":
        yield databases.sqlite_url(tmp_path)
        return
    url = await databases.create_postgres_database()
    try:
        yield url
    finally:
        await databases.drop_postgres_database(url)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """A fresh database; the fast hashing embedder unless a test asks for the real model."""
    return load_settings(
        env={},
        data_dir=tmp_path,
        database_url=db_url,
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
        script: str,
        *,
        demo: bool = False,
        start: datetime = START,
        config: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> str:
        out = io.StringIO()
        lines = textwrap.dedent(script).strip().splitlines()
        await run_console(
            config or settings, script=lines, start=start, out=out, demo=demo, embedder=embedder
        )
        return out.getvalue()

    return play

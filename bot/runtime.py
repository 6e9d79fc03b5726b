"""The composition root: settings in, a running app out. Only here do bot/ and the features
(handlers/, kennis/) meet."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import Clock, SimulatedClock, SystemClock
from bot.config import Settings
from bot.context import Services
from bot.core import Adapter
from bot.importer import read_members_csv
from handlers import build_router
from storage import Storage
from storage.records import Role

log = logging.getLogger(__name__)


def configure_logging(level: str, *, stream: TextIO | None = None) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        stream=stream or sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "aiosqlite", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def open_app(settings: Settings, *, clock: Clock | None = None) -> App:
    storage = await Storage.open(settings.effective_database_url)
    services = Services(settings=settings, storage=storage, clock=clock or SystemClock())
    app = App(services, build_router())
    await app.network()
    return app


async def close_app(app: App) -> None:
    await app.stop()
    await app.services.storage.close()


async def import_members(app: App, path: Path) -> tuple[int, int]:
    """Validate the whole file, then upsert every member in one transaction."""
    rows = read_members_csv(path)
    network = await app.network()
    return await app.services.storage.members.import_rows(
        network.id,
        rows,
        language=network.language,
        timezone=network.timezone,
        now=app.clock.now(),
    )


async def seed_demo(app: App) -> None:
    """A demo network: 30 members with varied Dutch skills in four cells, one initiator."""
    with resources.as_file(resources.files("bot") / "data" / "demo_members.csv") as path:
        await import_members(app, path)
    network = await app.network()
    sanne = await app.services.storage.members.by_handle(network.id, "sanne")
    if sanne is not None:
        await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)


def configured_adapters(settings: Settings, app: App) -> list[Adapter]:
    """The chat platforms the settings enable; each platform library is imported only here."""
    adapters: list[Adapter] = []
    if settings.telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(settings, app.services.storage, app.clock))
    if settings.matrix_homeserver:
        from bot.adapters.matrix import MatrixAdapter

        adapters.append(MatrixAdapter(settings, app.services.storage, app.clock))
    return adapters


async def run_service(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the configured platforms until SIGINT/SIGTERM (or ``stop`` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    app = await open_app(settings)
    for adapter in configured_adapters(settings, app):
        app.add_adapter(adapter)
    try:
        await app.start()
        log.info("Vonk runs on %s", ", ".join(app.adapters) or "nothing")
        await stop.wait()
        log.info("stopping")
    finally:
        await close_app(app)


async def run_console(
    settings: Settings,
    *,
    script: Iterable[str] | None,
    start: datetime | None = None,
    out: TextIO | None = None,
    demo: bool = False,
) -> None:
    """The console chat; ``script`` lines are played in order, else the terminal is read."""
    clock = SimulatedClock(start or SystemClock().now())
    app = await open_app(settings, clock=clock)

    async def advance(delta: timedelta) -> None:
        clock.advance(delta)
        await app.run_due()
        await app.settle()

    console = ConsoleAdapter(out, advance=advance, echo=script is not None)
    app.add_adapter(console)
    try:
        if demo:
            await seed_demo(app)
        await app.start(background=False)
        if script is None:
            await console.run_interactive()
        else:
            await console.run_script(script)
    finally:
        await close_app(app)

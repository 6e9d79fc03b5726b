"""The composition root: settings in, a running app out. Only here do bot/ and the features
(handlers/, kennis/) meet."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from actions.lessons import add_lessons
from actions.members import import_members
from bot import metrics
from bot.adapters.console import GROUP_CHAT_ID, ConsoleAdapter
from bot.app import App
from bot.clock import Clock, SimulatedClock, SystemClock
from bot.config import Settings
from bot.context import Services
from bot.core import Adapter
from bot.importer import is_lessons_csv, read_lessons_csv, read_members_csv
from bot.unit_of_work import unit_of_work
from handlers import build_router, register_jobs
from handlers.recurring import ensure_recurring
from kennis.embedding import Embedder, load_embedder
from kennis.lessons import SEED_LANGUAGES, load_seed_lessons
from kennis.search import Search, SearchConfig
from storage import Storage
from storage.records import Role
from storage.repositories.kennis import NewLesson

log = logging.getLogger(__name__)


class JsonFormatter(logging.Formatter):
    """One JSON object a line (``VONK_LOG_FORMAT=json``), for log collectors that would
    otherwise split a traceback into many entries: time (UTC), level, logger, message, the
    exception with its traceback, and whatever was passed with ``extra=``."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                data[key] = value
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: str, *, stream: TextIO | None = None, fmt: str = "text") -> None:
    """Log to stderr (systemd's journal and Docker collect it there), as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO), handlers=[handler], force=True
    )
    for noisy in ("httpx", "aiosqlite", "alembic.runtime.migration", "nio", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def terminal_progress(label: str) -> Callable[[int, int], None]:
    """Progress of long work on stderr: a live line on a terminal, otherwise a few log lines
    (through logging, so a JSON log stays JSON)."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if sys.stderr.isatty():
            print(f"\r{label}: {done}/{total} ({percent}%)", end="", file=sys.stderr, flush=True)
            if done >= total:
                print(file=sys.stderr)
        elif percent // 25 != last[0] // 25 or done >= total:
            log.info("%s: %d/%d (%d%%)", label, done, total, percent)
        last[0] = percent

    return report


async def open_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embedder: Embedder | None = None,
    search: bool = True,
) -> App:
    """Storage migrated, model loaded once, index in step: ready to dispatch. Operator
    commands that never search pass ``search=False`` and skip loading the model."""
    storage = await Storage.open(settings.effective_database_url)
    clock = clock or SystemClock()
    is_new = await storage.networks.default() is None
    searcher = None
    if search:
        searcher = Search(
            embedder
            or load_embedder(
                settings.embedding_model or None,
                cache_dir=settings.model_cache_dir or settings.cache_dir,
            ),
            storage,
            config=SearchConfig(vector_dir=settings.cache_dir),
        )
        searcher.on_ask = metrics.SEARCH_SECONDS.observe
    services = Services(settings=settings, storage=storage, clock=clock, search=searcher)
    app = App(services, build_router())
    register_jobs(app.scheduler)
    network = await app.network()
    async with unit_of_work(storage, app.outbox) as work:
        await ensure_recurring(await app.service_context(work))
    if is_new and settings.seed_lessons:
        await add_seed_lessons(app, network.id, network.language)
    if searcher is not None:
        await searcher.sync(progress=terminal_progress("Indexing"))
        await searcher.prepare()
    return app


async def add_seed_lessons(app: App, network_id: int, language: str) -> None:
    seeds = load_seed_lessons(language if language in SEED_LANGUAGES else "nl")
    await app.services.storage.lessons.add_many(
        network_id,
        [NewLesson(s.title, s.text, s.tags, author_name="Vonk") for s in seeds],
        source="seed",
        now=app.clock.now(),
    )


async def close_app(app: App) -> None:
    await app.stop()
    await app.services.storage.close()


async def import_file(app: App, path: Path) -> str:
    """Members or lessons, told apart by the header; validated whole, stored in one unit of
    work (the same actions as the dashboard's import), then indexed (with progress). Returns a
    one-line summary."""
    if is_lessons_csv(path):
        lessons = read_lessons_csv(path)
        async with app.work() as ctx:
            await add_lessons(ctx, None, lessons, source="import")
        summary = f"Imported {len(lessons)} lessons."
    else:
        rows = read_members_csv(path)
        async with app.work() as ctx:
            done = await import_members(ctx, None, rows)
        summary = (
            f"Imported {done.created + done.updated} members "
            f"({done.created} new, {done.updated} updated)."
        )
    if app.services.search is not None:
        await app.services.search.sync(progress=terminal_progress("Indexing"))
    return summary


# A little history for the demo, relative to its start: (handle, what, days ago, hours).
DEMO_DONE = (
    ("petra", "koffieochtend in het buurthuis", 20, 3.0),
    ("tamara", "zwerfafval prikken langs de singel", 13, 2.0),
    ("gerda", "tablet-spreekuur voor ouderen", 9, 2.0),
    ("hassan", "verhuizing van mevrouw De Wit", 5, 4.0),
    ("chantal", "soep koken voor de buurtmaaltijd", 2, 3.0),
)
# Open calls: (title, days ahead, hour, cell, people needed, pledged by).
DEMO_CALLS = (
    ("Opruimen speelveld", 4, 10, "Oost", 5, ("tamara", "willem")),
    ("Bankjes schilderen bij het buurthuis", 10, 14, "Centrum", 3, ("vera",)),
)


async def seed_demo(app: App) -> None:
    """A demo network: 30 members with varied Dutch skills in five cells, Sanne as initiator,
    two open calls and a few weeks of done pledges, so every command has something to show."""
    with resources.as_file(resources.files("bot") / "data" / "demo_members.csv") as path:
        await import_file(app, path)
    storage, now = app.services.storage, app.clock.now()
    network = await app.network()
    members = {m.handle: m for m in await storage.members.list(network.id)}
    sanne = members["sanne"]
    await storage.members.update(sanne.id, role=Role.INITIATOR)
    tz = ZoneInfo(network.timezone)
    for handle, what, days_ago, hours in DEMO_DONE:
        at = now - timedelta(days=days_ago)
        outcome = await storage.pledges.create(
            network.id, members[handle].id, what=what, due_at=at, due_has_time=False, now=at
        )
        await storage.pledges.complete(outcome.pledge.id, hours=hours, now=at)
    for title, days_ahead, hour, cell_name, needed, pledged_by in DEMO_CALLS:
        day = (now + timedelta(days=days_ahead)).astimezone(tz).date()
        starts = datetime.combine(day, time(hour), tzinfo=tz)
        cell = await storage.networks.ensure_cell(network.id, cell_name)
        call = await storage.calls.create(
            network.id,
            sanne.id,
            title=title,
            starts_at=starts,
            has_time=True,
            cell_id=cell.id,
            people_needed=needed,
            now=now,
        )
        for handle in pledged_by:
            await storage.pledges.create(
                network.id,
                members[handle].id,
                what=title,
                due_at=starts,
                due_has_time=True,
                now=now,
                call_id=call.id,
            )


def configured_adapters(settings: Settings, app: App) -> list[Adapter]:
    """The chat platforms the settings enable; each platform library is imported only here."""
    adapters: list[Adapter] = []
    if settings.telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        # The menu lists the router's canonical commands; the adapter cannot see the router.
        commands = list(app.router.command_names())
        adapters.append(
            TelegramAdapter(settings, app.services.storage, app.clock, commands=commands)
        )
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
    servers: list = []
    try:
        await app.start()
        log.info("Vonk runs on %s", ", ".join(app.adapters) or "nothing")
        servers = await start_servers(settings, app, web=bool(settings.web_base_url))
        await stop.wait()
        log.info("stopping")
    finally:
        for server in reversed(servers):
            await server.stop()
        await close_app(app)


async def start_servers(settings: Settings, app: App, *, web: bool) -> list:
    """The operations server (``VONK_HTTP_PORT``) and, with ``web``, the dashboard
    (``VONK_WEB_PORT``). When both ask for the same port, the dashboard serves /healthz and
    /metrics too, so one port is enough."""
    from bot.ops import OpsServer

    servers: list = []
    shared = web and settings.http_port == settings.web_port
    try:
        if web:
            from web import Dashboard, WebServer

            server = WebServer(Dashboard(app), settings.web_host, settings.web_port)
            if shared:
                server.extra_routes = OpsServer(app, settings.http_host, 0).add_routes
            await server.start()
            servers.append(server)
        if settings.http_port and not shared:
            ops = OpsServer(app, settings.http_host, settings.http_port)
            await ops.start()
            servers.append(ops)
    except BaseException:
        for server in reversed(servers):
            await server.stop()
        raise
    return servers


async def run_web(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[int], None] | None = None,
) -> None:
    """``vonk web``: the dashboard alone until SIGINT/SIGTERM. It writes through the outbox
    like every other way in; a running ``vonk run`` (or the next one) delivers the messages.
    ``ready`` is told the port once serving."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    app = await open_app(settings)
    servers: list = []
    try:
        await app.network()
        servers = await start_servers(settings, app, web=True)
        if ready is not None:
            ready(servers[0].port)
        await stop.wait()
    finally:
        for server in reversed(servers):
            await server.stop()
        await close_app(app)


async def run_console(
    settings: Settings,
    *,
    script: Iterable[str] | None,
    start: datetime | None = None,
    out: TextIO | None = None,
    demo: bool = False,
    embedder: Embedder | None = None,
) -> None:
    """The console chat; ``script`` lines are played in order, else the terminal is read."""
    clock = SimulatedClock(start or SystemClock().now())
    app = await open_app(settings, clock=clock, embedder=embedder)

    async def advance(delta: timedelta) -> None:
        await app.advance(clock, delta)

    console = ConsoleAdapter(
        out, advance=advance, echo=script is not None, storage=app.services.storage, clock=clock
    )
    app.add_adapter(console)
    try:
        if demo:
            await seed_demo(app)
        await app.start(background=False)
        network = await app.network()
        # The console's group chat is always there, so calls can be posted to it.
        await app.services.storage.chats.ensure(
            network.id, console.platform, GROUP_CHAT_ID, kind="group", title="groep"
        )
        await app.settle()  # what a previous run left in the outbox goes out first
        if script is None:
            await console.run_interactive()
        else:
            await console.run_script(script)
    finally:
        await close_app(app)

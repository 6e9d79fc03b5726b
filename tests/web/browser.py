"""A live dashboard for tests in a real browser, and the browser itself: Debian's Chromium
driven by Playwright's async API (never a downloaded browser).

The dashboard is served in the test's own event loop, the one Playwright runs in, so there
are no threads: while a test awaits the browser, the loop serves the browser's requests.
(Playwright's sync API cannot be used here: between calls it marks the thread's event loop as
running, so every pytest-asyncio test after it fails with "Runner.run() cannot be called from a
running event loop".)

The same helpers serve ``scripts/screenshots.py``: :func:`seed_everything` fills a small
network so that every page has something to show.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.runtime import close_app
from storage.repositories.calls import PledgeStatus
from storage.repositories.kennis import NewLesson
from tests.conftest import START
from tests.web.conftest import Site, at, build_site
from web import WebServer

ROOT = Path(__file__).resolve().parents[2]
# Where scripts/test.sh puts axe-core (npm install --prefix .cache/npm): outside git.
AXE_JS = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    """Debian's Chromium (``apt-get install chromium``), or ``VONK_CHROMIUM`` if set."""
    configured = os.environ.get("VONK_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


def axe_path() -> Path | None:
    configured = os.environ.get("VONK_AXE_JS")
    path = Path(configured) if configured else AXE_JS
    return path if path.is_file() else None


def browser_required() -> bool:
    """scripts/test.sh (and so CI) installs the browser and axe-core: there, missing is a
    failure, not a skip."""
    return os.environ.get("VONK_TEST_BROWSER_REQUIRED") == "1" or bool(os.environ.get("CI"))


async def launch(playwright, *, lang: str = "nl-NL"):  # type: ignore[no-untyped-def]
    """The browser, its own controls (date fields, file pickers) in ``lang`` as on a Dutch
    phone, where Debian's ``chromium-l10n`` is installed (a context's ``locale`` only changes
    what pages are told; the controls follow the process's LANGUAGE)."""
    path = chromium_path()
    if path is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    env = {**os.environ, "LANGUAGE": lang.split("-")[0], "LANG": lang.replace("-", "_") + ".UTF-8"}
    return await playwright.chromium.launch(
        executable_path=path, args=[*CHROMIUM_ARGS, f"--lang={lang}"], env=env
    )


@dataclass
class LiveSite:
    """A dashboard over a small console network, served on a free port of 127.0.0.1."""

    site: Site
    server: WebServer

    @classmethod
    async def start(cls, settings: Settings, *, start: datetime = START) -> LiveSite:
        site, _console = await build_site(settings, start=start)
        # No reading ahead: the tests write their network after the server started, into
        # months the warm-up would already have kept.
        server = WebServer(site.dashboard, "127.0.0.1", 0, warm=False)
        try:
            await server.start()
        except BaseException:
            await close_app(site.app)
            raise
        site.dashboard.base_url = f"http://127.0.0.1:{server.port}"
        return cls(site, server)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def link(self, handle: str = "sanne") -> str:
        link = await self.site.link(handle)
        return self.base + "/in/" + link.rsplit("/in/", 1)[1]

    async def transcript(self) -> str:
        await self.site.app.settle()
        return self.site.transcript()

    async def close(self) -> None:
        try:
            await self.server.stop()
        finally:
            await close_app(self.site.app)


async def sign_in(page, live: LiveSite, handle: str = "sanne") -> None:  # type: ignore[no-untyped-def]
    """What a member does with the link from the chat: open it, press the button."""
    await page.goto(await live.link(handle))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url("**/today")


@dataclass(frozen=True)
class Seeded:
    call_id: int
    lesson_id: int
    member_id: int


async def seed_everything(site: Site) -> Seeded:
    """A small network with something on every page: a call short of people tomorrow, one
    with a late drop-out, one waiting for "Gelukt?", help done last month, a question nobody
    could answer, a newcomer, a lesson, a thank-you, history."""
    storage, network, m = site.storage, await site.app.network(), site.members
    now = site.clock.now()
    cells = {c.name: c for c in await storage.networks.cells(network.id)}
    west = await storage.networks.ensure_cell(network.id, "West")
    await storage.members.update(m["piet"].id, cell_id=west.id)
    short = await storage.calls.create(
        network.id,
        m["sanne"].id,
        title="Speeltuin opruimen",
        starts_at=at(1),
        has_time=True,
        cell_id=cells["Oost"].id,
        people_needed=4,
        now=now,
    )
    await storage.pledges.create(
        network.id,
        m["kees"].id,
        what=short.title,
        due_at=short.starts_at,
        due_has_time=True,
        now=now,
        call_id=short.id,
    )
    dropped = await storage.calls.create(
        network.id,
        m["sanne"].id,
        title="Soep koken voor de buren",
        starts_at=at(1, 17),
        has_time=True,
        cell_id=None,
        people_needed=2,
        now=now,
    )
    pledged = await storage.pledges.create(
        network.id,
        m["anna"].id,
        what=dropped.title,
        due_at=dropped.starts_at,
        due_has_time=True,
        now=now,
        call_id=dropped.id,
    )
    await storage.pledges.end(pledged.pledge.id, PledgeStatus.WITHDRAWN, now=now)
    past = await storage.calls.create(
        network.id,
        m["sanne"].id,
        title="Bladeren ruimen",
        starts_at=at(-1),
        has_time=True,
        cell_id=west.id,
        people_needed=2,
        now=now - timedelta(days=5),
    )
    for handle in ("piet", "kees"):
        await storage.pledges.create(
            network.id,
            m[handle].id,
            what=past.title,
            due_at=past.starts_at,
            due_has_time=True,
            now=now - timedelta(days=5),
            call_id=past.id,
        )
    for days_ago, handle, what, hours in (
        (40, "anna", "Tuin snoeien", 3.0),
        (25, "kees", "Fietsband plakken", 1.0),
        (12, "piet", "Verhuisdozen sjouwen", 4.0),
        (6, "anna", "Soep koken", 2.5),
    ):
        made = await storage.pledges.create(
            network.id,
            m[handle].id,
            what=what,
            due_at=at(-days_ago),
            due_has_time=False,
            now=now - timedelta(days=days_ago + 3),
        )
        await storage.pledges.complete(
            made.pledge.id, hours=hours, now=now - timedelta(days=days_ago)
        )
    await storage.questions.record(
        network.id, m["piet"].id, "iemand met een aanhanger", now=now - timedelta(days=1)
    )
    newcomer = await storage.members.create(
        network.id,
        handle="mila",
        display_name="Mila",
        language="nl",
        timezone="Europe/Amsterdam",
        now=now - timedelta(days=1),
    )
    await storage.members.add_skills(newcomer.id, ["naaien", "kleding herstellen"], now=now)
    lessons = await storage.lessons.add_many(
        network.id,
        [
            NewLesson(
                title="Een buurtfeest in vijf stappen",
                text="Begin klein, vraag de gemeente op tijd om een vergunning, en laat de buren "
                "zelf iets meenemen.",
                tags=("buurtfeest", "organiseren"),
                author_name="Sanne",
            )
        ],
        source="web",
        now=now,
    )
    await storage.thanks.add(
        network.id,
        m["sanne"].id,
        m["anna"].id,
        "voor de heerlijke soep",
        now=now - timedelta(days=5),
    )
    # The audit log is append-only: written in the order things happened.
    await storage.audit.record(
        network.id,
        "import",
        actor_id=m["beheer"].id,
        details={"created": 4, "updated": 0},
        now=now - timedelta(days=60),
    )
    await storage.audit.record(
        network.id,
        "role_change",
        actor_id=m["beheer"].id,
        target_id=m["sanne"].id,
        details={"role": "initiator", "previous": "member"},
        now=now - timedelta(days=30),
    )
    for call, messages in ((short, 4), (dropped, 3)):
        await storage.audit.record(
            network.id,
            "broadcast",
            actor_id=m["sanne"].id,
            details={"call_id": call.id, "everyone": False, "messages": messages},
            now=now,
        )
    await site.app.services.search.sync()
    return Seeded(short.id, lessons[0].id, m["kees"].id)

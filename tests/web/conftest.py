"""A running dashboard over a small network, with the console adapter as the chat: what the
dashboard makes the bot say appears in the console transcript."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.console import GROUP_CHAT_ID, ConsoleAdapter
from bot.app import App
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.runtime import close_app, open_app
from handlers.dashboard import sign_in_link
from storage.records import Member, Role
from tests.conftest import START
from web import Dashboard

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass
class Site:
    app: App
    clock: SimulatedClock
    dashboard: Dashboard
    out: io.StringIO
    members: dict[str, Member]

    @property
    def storage(self):  # type: ignore[no-untyped-def]
        return self.app.services.storage

    def transcript(self) -> str:
        return self.out.getvalue()

    async def link(self, handle: str) -> str:
        member = await self.storage.members.get(self.members[handle].id)
        return await sign_in_link(
            self.storage, self.app.services.settings, member, now=self.clock.now()
        )


async def build_site(settings: Settings, *, start: datetime = START) -> tuple[Site, ConsoleAdapter]:
    clock = SimulatedClock(start)
    app = await open_app(settings, clock=clock)
    out = io.StringIO()
    console = ConsoleAdapter(out, echo=False, storage=app.services.storage, clock=clock)
    app.add_adapter(console)
    await app.start(background=False)
    storage = app.services.storage
    network = await app.network()
    await storage.chats.ensure(
        network.id, console.platform, GROUP_CHAT_ID, kind="group", title="groep"
    )
    members: dict[str, Member] = {}
    oost = await storage.networks.ensure_cell(network.id, "Oost")
    for handle, name, skills, role in (
        ("sanne", "Sanne", ["buurtfeest organiseren"], Role.INITIATOR),
        ("kees", "Kees", ["fietsen repareren", "lekke band plakken"], Role.MEMBER),
        ("anna", "Anna", ["tuinieren", "snoeien"], Role.MEMBER),
        ("piet", "Piet", ["verhuizen", "sjouwen"], Role.MEMBER),
        ("beheer", "Bea", [], Role.ADMIN),
    ):
        m = await storage.members.create(
            network.id,
            handle=handle,
            display_name=name,
            language="nl",
            timezone="Europe/Amsterdam",
            now=clock.now(),
        )
        await storage.members.update(
            m.id, role=role, findable=True, invitable=True, onboarded=True, cell_id=oost.id
        )
        if skills:
            await storage.members.add_skills(m.id, skills, now=clock.now())
        await storage.members.link_account(
            m.id, "console", handle, username=handle, display_name=name
        )
        members[handle] = await storage.members.get(m.id)
    await app.services.search.sync()
    return Site(app, clock, Dashboard(app), out, members), console


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[Site]:
    built, _console = await build_site(settings)
    try:
        yield built
    finally:
        await close_app(built.app)


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(site.dashboard.application())) as c:
        yield c


async def sign_in(client: TestClient, site: Site, handle: str = "sanne") -> None:
    link = await site.link(handle)
    path = link.split("127.0.0.1:8080", 1)[1]
    page = await client.get(path)
    assert page.status == 200
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303, await response.text()


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def csrf_of(client: TestClient, path: str = "/settings") -> str:
    page = await client.get(path)
    match = CSRF.search(await page.text())
    assert match, path
    return match.group(1)


def at(days: int, hour: int = 10) -> datetime:
    day = (START + timedelta(days=days)).date()
    return datetime.combine(day, time(hour), tzinfo=AMSTERDAM)

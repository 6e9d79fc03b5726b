"""The dashboard in a real browser (Debian's headless Chromium through Playwright's async
API): the initiator's main errands from sign-in to export, and axe-core on every page.

One browser for the whole session; each test gets a fresh network, its own dashboard on a free
port and a fresh browser context (cookies), all in the session's event loop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Settings
from tests.web.browser import (
    PHONE,
    LiveSite,
    axe_path,
    browser_required,
    chromium_path,
    launch,
    seed_everything,
    sign_in,
)
from tests.web.conftest import at

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]
async_api = pytest.importorskip("playwright.async_api")


def _missing(what: str) -> None:
    if browser_required():
        pytest.fail(f"{what} is missing (scripts/test.sh installs it)")
    pytest.skip(f"{what} is missing (scripts/test.sh installs it)")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[object]:
    if chromium_path() is None:
        _missing("chromium (apt-get install chromium)")
    async with async_api.async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def live(settings: Settings) -> AsyncIterator[LiveSite]:
    site = await LiveSite.start(settings)
    try:
        yield site
    finally:
        await site.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser, live: LiveSite):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport=PHONE, locale="nl-NL", accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()


async def test_sign_in_and_see_the_action_queue(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    await seed_everything(live.site)
    await sign_in(page, live)
    assert await page.get_by_role("heading", name="Vandaag", exact=True).is_visible()
    queue = {
        "Oproepen die nog mensen nodig hebben": "Speeltuin opruimen",
        "Late afzeggingen": "Anna zegde af voor 'Soep koken voor de buren'",
        "Wacht op 'Gelukt?'": "Bladeren ruimen",
        "Vragen waar niemand bij kon helpen": "iemand met een aanhanger",
        "Nieuwe leden om welkom te heten": "Mila",
    }
    for section, line in queue.items():
        region = page.get_by_role("region", name=section)
        assert line in await region.inner_text(), section


async def test_a_used_link_does_not_sign_in_twice(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    link = await live.link()
    await page.goto(link)
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url("**/today")
    await page.context.clear_cookies()
    await page.goto(link)
    await page.get_by_role("button", name="Inloggen").click()
    assert await page.get_by_role("alert").is_visible()
    await page.goto(live.base + "/today")
    assert page.url.endswith("/signed-out")


async def test_create_a_call_and_see_it_in_the_chat(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, live)
    await page.goto(live.base + "/calls/new")
    await page.get_by_label("Wat").fill("Fietsen repareren op het plein")
    await page.get_by_label("Datum").fill(at(4).date().isoformat())
    await page.get_by_label("Tijd").fill("14:00")
    await page.get_by_label("Hoeveel mensen").fill("2")
    await page.get_by_role("button", name="Plaats de oproep").click()
    await page.wait_for_url("**/calls/*")
    assert "De oproep staat in de groep" in await page.get_by_role("status").inner_text()
    transcript = await live.transcript()
    assert "[groep] vonk:" in transcript and "Fietsen repareren op het plein" in transcript
    assert "[dm kees]" in transcript  # the best fit is invited personally


async def test_cancel_a_call_and_the_pledgers_are_told(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    s = live.site
    network = await s.app.network()
    call = await s.storage.calls.create(
        network.id,
        s.members["sanne"].id,
        title="Bankjes schilderen",
        starts_at=at(3),
        has_time=True,
        cell_id=None,
        people_needed=2,
        now=s.clock.now(),
    )
    await s.storage.pledges.create(
        network.id,
        s.members["kees"].id,
        what=call.title,
        due_at=call.starts_at,
        due_has_time=True,
        now=s.clock.now(),
        call_id=call.id,
    )
    await sign_in(page, live)
    await page.goto(f"{live.base}/calls/{call.id}")
    await page.get_by_label("Reden").fill("de verf is op")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Gaat niet door").click()
    await page.wait_for_url("**note=cancelled")
    transcript = await live.transcript()
    assert "[dm kees] vonk: 'Bankjes schilderen' gaat helaas niet door" in transcript
    assert "Reden: de verf is op" in transcript


async def test_edit_a_call_from_its_page(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_everything(live.site)  # kees takes part in "Speeltuin opruimen"
    await sign_in(page, live)
    await page.goto(f"{live.base}/calls/{seeded.call_id}")
    await page.get_by_role("link", name="Wijzigen").click()
    await page.wait_for_url("**/edit")
    await page.get_by_label("Tijd").fill("15:30")
    await page.get_by_label("Hoeveel mensen").fill("6")
    await page.get_by_role("button", name="Wijzigingen opslaan").click()
    await page.wait_for_url("**note=changed_told")
    facts = await page.locator("dl.facts").inner_text()
    assert "15:30" in facts and "1/6" in facts
    transcript = await live.transcript()
    assert "[dm kees] vonk: Let op: 'Speeltuin opruimen' is gewijzigd." in transcript


async def test_import_a_csv_with_an_error(page, live: LiveSite, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, live)
    bad = tmp_path / "leden.csv"
    bad.write_text("handle,name,skills,about,cell\nmila,Mila,naaien,,West\n,Bob,,,\n")
    await page.goto(live.base + "/members/import")
    await page.get_by_label("CSV-bestand").set_input_files(str(bad))
    await page.get_by_role("button", name="Controleer").click()
    alert = page.get_by_role("alert")
    assert await alert.is_visible()
    assert "regel 3" in await alert.inner_text()
    network = await live.site.app.network()
    assert not [m for m in await live.site.storage.members.list(network.id) if m.handle == "mila"]


async def test_export_the_impact_csv(page, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    await seed_everything(live.site)
    await sign_in(page, live)
    await page.goto(live.base + "/impact")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download CSV").click()
    download = await info.value
    text = read_text(await download.path())
    assert text.startswith("month,pledges_done,hours")
    assert len(text.splitlines()) > 2


def read_text(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8")


# -- accessibility ---------------------------------------------------------------------------------
def pages_to_check(seeded) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "/today",
        "/calls",
        "/calls?show=all",
        "/calls/calendar",
        "/calls/new",
        f"/calls/{seeded.call_id}",
        f"/calls/{seeded.call_id}/edit",
        "/members",
        "/members?q=fietsband+plakken",
        f"/members/{seeded.member_id}",
        "/members/import",
        "/lessons",
        "/lessons/new",
        f"/lessons/{seeded.lesson_id}",
        f"/lessons/{seeded.lesson_id}/edit",
        "/lessons/import",
        "/impact",
        "/impact/report",
        "/network",
        "/history",
        "/settings",
        "/calls/999999",  # the friendly "not found"
    ]


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""


async def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    path = axe_path()
    assert path is not None
    await page.add_script_tag(path=str(path))
    return await page.evaluate(AXE_RUN)


async def test_no_serious_accessibility_violations_on_any_page(browser, live: LiveSite) -> None:  # type: ignore[no-untyped-def]
    if axe_path() is None:
        _missing("axe-core (npm install --prefix .cache/npm axe-core)")
    seeded = await seed_everything(live.site)
    # axe is injected as a script: the pages' Content-Security-Policy would refuse it.
    context = await browser.new_context(viewport=PHONE, locale="nl-NL", bypass_csp=True)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    found: dict[str, list[dict]] = {}
    try:
        link = await live.link()
        await page.goto(link)
        found[link.split("/in/")[0] + "/in/…"] = await axe_violations(page)
        await page.get_by_role("button", name="Inloggen").click()
        await page.wait_for_url("**/today")
        for path in pages_to_check(seeded):
            await page.goto(live.base + path)
            found[path] = await axe_violations(page)
        # A form with problems (the import preview's error list).
        await page.goto(live.base + "/calls/new")
        await page.get_by_label("Wat").fill("Soep")
        await page.get_by_label("Datum").fill("2020-01-01")
        await page.get_by_role("button", name="Plaats de oproep").click()
        found["/calls/new (errors)"] = await axe_violations(page)
        await page.get_by_role("button", name="Uitloggen").first.click()
        await page.wait_for_url("**/signed-out")
        found["/signed-out"] = await axe_violations(page)
    finally:
        await context.close()
    bad = {path: v for path, v in found.items() if v}
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)

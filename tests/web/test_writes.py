"""Writes from the dashboard take the chat's road: the group sees the post, pledgers hear a
cancellation, an import lands whole; exports and calendar feeds read back what is there."""

from __future__ import annotations

import csv
import io
import re

from aiohttp.test_utils import TestClient
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.repositories.calls import Call, PledgeStatus
from tests.web.conftest import Site, at, csrf_of, sign_in


async def call_of(
    site: Site,
    initiator: str,
    title: str,
    *,
    days: int,
    people: int,
    pledgers: tuple[str, ...] = (),
) -> Call:
    """A call ``days`` from now, with a pledge by each of ``pledgers`` in order (the ones
    past ``people`` wait for a place)."""
    storage, network, m = site.storage, await site.app.network(), site.members
    call = await storage.calls.create(
        network.id,
        m[initiator].id,
        title=title,
        starts_at=at(days),
        has_time=True,
        cell_id=None,
        people_needed=people,
        now=site.clock.now(),
    )
    for handle in pledgers:
        await storage.pledges.create(
            network.id,
            m[handle].id,
            what=call.title,
            due_at=call.starts_at,
            due_has_time=True,
            now=site.clock.now(),
            call_id=call.id,
        )
    return call


async def test_a_call_made_on_the_web_is_posted_in_the_group(
    site: Site, client: TestClient
) -> None:
    await sign_in(client, site)
    token = await csrf_of(client, "/calls/new")
    day = at(4).date().isoformat()
    response = await client.post(
        "/calls/new",
        data={
            "csrf": token,
            "title": "Fietsen repareren op het plein",
            "date": day,
            "time": "14:00",
            "people": "2",
            "reach": "matches",
        },
    )
    assert response.status == 200
    body = await response.text()
    assert "De oproep staat in de groep" in body
    await site.app.settle()
    transcript = site.transcript()
    assert "[groep] vonk: Oproep" in transcript or "[groep] vonk:" in transcript
    assert "Fietsen repareren op het plein" in transcript
    assert "[dm kees]" in transcript  # the best fit (fietsen repareren) is invited personally


async def test_bad_input_is_explained_and_kept(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    token = await csrf_of(client, "/calls/new")
    response = await client.post(
        "/calls/new",
        data={"csrf": token, "title": "Soep koken", "date": "2026-02-31", "people": "9999"},
    )
    body = await response.text()
    assert response.status == 400
    assert "Die datum of tijd kan ik niet lezen" in body and "0 tot 500" in body
    assert 'value="Soep koken"' in body  # nothing typed is lost


async def test_cancelling_tells_the_pledgers_with_the_reason(
    site: Site, client: TestClient
) -> None:
    storage = site.storage
    call = await call_of(  # anna waits: the one place is kees's
        site, "sanne", "Bankjes schilderen", days=3, people=1, pledgers=("kees", "anna")
    )
    await sign_in(client, site)
    token = await csrf_of(client, f"/calls/{call.id}")
    response = await client.post(
        f"/calls/{call.id}/cancel", data={"csrf": token, "reason": "de verf is op"}
    )
    assert response.status == 200 and "gaat niet door" in await response.text()
    await site.app.settle()
    transcript = site.transcript()
    for handle in ("kees", "anna"):
        assert re.search(
            rf"\[dm {handle}\] vonk: 'Bankjes schilderen' gaat helaas niet door", transcript
        ), transcript
    assert "Reden: de verf is op" in transcript
    assert all(p.status is PledgeStatus.WITHDRAWN for p in await storage.pledges.of_call(call.id))
    history = await (await client.get("/history")).text()
    assert "Oproep afgelast" in history


async def test_editing_a_call_tells_who_takes_part_and_the_group(
    site: Site, client: TestClient
) -> None:
    storage = site.storage
    call = await call_of(  # anna waits for the one place
        site, "sanne", "Bankjes schilderen", days=3, people=1, pledgers=("kees", "anna")
    )
    await sign_in(client, site)
    form = await (await client.get(f"/calls/{call.id}/edit")).text()
    assert 'value="Bankjes schilderen"' in form and 'value="10:00"' in form
    token = await csrf_of(client, f"/calls/{call.id}/edit")
    day = at(4).date().isoformat()
    response = await client.post(
        f"/calls/{call.id}/edit",
        data={
            "csrf": token,
            "title": "Bankjes schilderen",
            "date": day,
            "time": "14:00",
            "cell": "Oost",
            "people": "2",
        },
        allow_redirects=False,
    )
    assert (
        response.status == 303
        and response.headers["Location"] == f"/calls/{call.id}?note=changed_told"
    )
    await site.app.settle()
    transcript = site.transcript()
    assert "[dm kees] vonk: Let op: 'Bankjes schilderen' is gewijzigd." in transcript, transcript
    assert "Voor: Oost" in transcript and "14:00" in transcript
    assert (
        "[dm anna] vonk: Er is een plek vrijgekomen bij 'Bankjes schilderen'" in transcript
    )  # the second place
    assert "[groep] vonk: 'Bankjes schilderen' is gewijzigd." in transcript
    changed = await storage.calls.get(call.id)
    assert changed.people_needed == 2 and changed.cell_id is not None
    assert all(p.due_at == changed.starts_at for p in await storage.pledges.of_call(call.id))
    assert "Oproep gewijzigd" in await (await client.get("/history")).text()


async def test_editing_only_the_places_of_a_past_call_tells_nobody(
    site: Site, client: TestClient
) -> None:
    storage = site.storage
    call = await call_of(site, "sanne", "Bladeren ruimen", days=-2, people=3)
    await sign_in(client, site)
    token = await csrf_of(client, f"/calls/{call.id}/edit")
    data = {
        "csrf": token,
        "title": "Bladeren ruimen",
        "date": at(-2).date().isoformat(),
        "time": "10:00",
        "people": "2",
    }
    response = await client.post(f"/calls/{call.id}/edit", data=data, allow_redirects=False)
    assert response.headers["Location"] == f"/calls/{call.id}?note=changed"
    assert (await storage.calls.get(call.id)).people_needed == 2
    moved = await client.post(
        f"/calls/{call.id}/edit", data={**data, "date": at(-1).date().isoformat()}
    )
    assert moved.status == 400 and "Die datum is al voorbij" in await moved.text()
    await site.app.settle()
    assert "gewijzigd" not in site.transcript()


async def test_a_closed_call_or_anothers_call_is_not_edited(site: Site, client: TestClient) -> None:
    storage = site.storage
    closed = await call_of(site, "sanne", "Klaar", days=2, people=1)
    await storage.calls.close(closed.id, now=site.clock.now())
    other = await call_of(site, "beheer", "Van Bea", days=2, people=1)
    await sign_in(client, site)
    token = await csrf_of(client, f"/calls/{other.id}/edit")
    assert (await client.get(f"/calls/{closed.id}/edit", allow_redirects=False)).status == 303
    data = {"csrf": token, "title": "Anders", "date": "", "people": ""}
    refused = await client.post(f"/calls/{closed.id}/edit", data=data)
    assert refused.status == 403 and "gesloten" in await refused.text()
    assert (await client.post(f"/calls/{other.id}/edit", data=data)).status == 403
    assert (await storage.calls.get(other.id)).title == "Van Bea"


async def test_import_with_preview_then_confirm(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    token = await csrf_of(client, "/members/import")
    text = "handle,name,skills,about,cell\nmila,Mila,naaien;koken,,West\nkees,Kees de Fietser,fietsen,,Oost\n"
    preview = await client.post(
        "/members/import", data={"csrf": token, "file": io.BytesIO(text.encode())}
    )
    body = await preview.text()
    assert preview.status == 200 and "2 regels" in body and "1 is nieuw" in body
    network = await site.app.network()
    assert await site.storage.members.by_handle(network.id, "mila") is None  # nothing yet
    done = await client.post(
        "/members/import", data={"csrf": token, "confirm": "yes", "csv_text": text}
    )
    assert done.status == 200
    assert (await site.storage.members.by_handle(network.id, "mila")).display_name == "Mila"
    assert (
        await site.storage.members.by_handle(network.id, "kees")
    ).display_name == "Kees de Fietser"


async def test_exports(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    members = await client.get("/members.csv")
    rows = list(csv.DictReader(io.StringIO(await members.text())))
    assert {r["handle"] for r in rows} >= {"sanne", "kees", "anna"}
    impact = await client.get("/impact.csv")
    assert impact.headers["Content-Disposition"].startswith("attachment")
    lines = (await impact.text()).splitlines()
    assert lines[0].startswith("month,pledges_done,hours") and len(lines) == 13


async def test_calendar_feeds(site: Site, client: TestClient) -> None:
    await call_of(site, "sanne", "Koffieochtend", days=2, people=4, pledgers=("sanne",))
    await sign_in(client, site)
    token = await csrf_of(client)
    page = await (
        await client.post(
            "/settings/calendar", data={"csrf": token, "kind": "network", "do": "new"}
        )
    ).text()
    url = re.search(r'value="(http://127\.0\.0\.1:8080/ical/[^"]+)"', page).group(1)
    feed = await client.get(url.split("8080", 1)[1])
    body = await feed.text()
    assert feed.status == 200 and "BEGIN:VCALENDAR" in body and "SUMMARY:Koffieochtend" in body
    await client.post("/settings/calendar", data={"csrf": token, "kind": "network", "do": "revoke"})
    assert (await client.get(url.split("8080", 1)[1])).status == 404
    mine = await (
        await client.post("/settings/calendar", data={"csrf": token, "kind": "member", "do": "new"})
    ).text()
    url = re.search(r'value="(http://127\.0\.0\.1:8080/ical/[^"]+)"', mine).group(1)
    assert "Koffieochtend" in await (await client.get(url.split("8080", 1)[1])).text()


async def test_dashboard_in_the_chat(run_script) -> None:  # type: ignore[no-untyped-def]
    transcript = await run_script(
        """
        sanne@dm: /start
        sanne@dm: /dashboard
        """,
        demo=True,
    )
    assert re.search(
        r"inloglink voor het dashboard .*\n\s+http://127\.0\.0\.1:8080/in/\S+", transcript
    ), transcript
    group = await run_script("kees: /dashboard")
    assert "/in/" not in group


def test_vonk_web_link(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "VONK_DATABASE_URL": settings.database_url,
        "VONK_DATA_DIR": str(tmp_path),
        "VONK_EMBEDDING_MODEL": "hashing",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    csv_file = tmp_path / "m.csv"
    csv_file.write_text("handle,name,skills,about,cell\nsanne,Sanne,,,\nkees,Kees,,,\n")
    assert runner.invoke(cli, ["import", str(csv_file)], env=env).exit_code == 0
    assert runner.invoke(cli, ["role", "sanne", "initiator"], env=env).exit_code == 0
    ok = runner.invoke(cli, ["web", "link", "sanne"], env=env)
    assert ok.exit_code == 0 and "/in/" in ok.stdout
    refused = runner.invoke(cli, ["web", "link", "kees"], env=env)
    assert refused.exit_code == 1 and "initiators and admins" in refused.stderr
    unknown = runner.invoke(cli, ["web", "link", "nobody"], env=env)
    assert unknown.exit_code == 1 and "No member" in unknown.stderr

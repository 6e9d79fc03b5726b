"""Every page renders for a signed-in initiator, in Dutch and English, with real data."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.web.conftest import Site, at, csrf_of, sign_in

PAGES = (
    "/today",
    "/calls",
    "/calls?show=all",
    "/calls/calendar",
    "/calls/new",
    "/members",
    "/members?q=fietsband+plakken",
    "/members?activity=dormant&role=member",
    "/members/import",
    "/lessons",
    "/lessons/new",
    "/lessons/import",
    "/impact",
    "/impact/report",
    "/network",
    "/history",
    "/settings",
)


async def seed_calls(site: Site) -> int:
    storage, network = site.storage, await site.app.network()
    m = site.members
    call = await storage.calls.create(
        network.id,
        m["sanne"].id,
        title="Opruimen speelveld",
        starts_at=at(1),
        has_time=True,
        cell_id=None,
        people_needed=3,
        now=site.clock.now(),
    )
    await storage.pledges.create(
        network.id,
        m["kees"].id,
        what=call.title,
        due_at=call.starts_at,
        due_has_time=True,
        now=site.clock.now(),
        call_id=call.id,
    )
    done = await storage.pledges.create(
        network.id,
        m["anna"].id,
        what="Soep koken",
        due_at=at(-3),
        due_has_time=False,
        now=site.clock.now(),
    )
    await storage.pledges.complete(done.pledge.id, hours=2.5, now=site.clock.now())
    await storage.questions.record(
        network.id, m["piet"].id, "iemand met een aanhanger", now=site.clock.now()
    )
    return call.id


async def test_every_page_renders(site: Site, client: TestClient) -> None:
    call_id = await seed_calls(site)
    await sign_in(client, site)
    for path in (*PAGES, f"/calls/{call_id}", f"/members/{site.members['kees'].id}"):
        response = await client.get(path)
        body = await response.text()
        assert response.status == 200, (path, body[-2000:])
        assert "web." not in body.replace("/web.", ""), (
            path,
            [x for x in body.splitlines() if "web." in x][:3],
        )


async def test_today_shows_the_action_queue(site: Site, client: TestClient) -> None:
    await seed_calls(site)
    await sign_in(client, site)
    body = await (await client.get("/today")).text()
    assert "Opruimen speelveld" in body  # one of three places taken, tomorrow
    assert "nog 2 plekken open (1 van 3)" in body
    assert "iemand met een aanhanger" in body


async def test_english_member_reads_english(site: Site, client: TestClient) -> None:
    await site.storage.members.update(site.members["sanne"].id, language="en")
    await sign_in(client, site)
    body = await (await client.get("/today")).text()
    assert "Today" in body and 'lang="en"' in body


async def test_bad_ids_are_not_found(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    for path in ("/calls/999", "/calls/abc", "/members/99999999999999999999", "/lessons/0"):
        assert (await client.get(path)).status == 404, path


@pytest.mark.parametrize(
    "csv_text, line", [("handle,name,skills,about,cell\nok,Ok,,,\n,Leeg,,,\n", 3)]
)
async def test_import_reports_lines_and_writes_nothing(
    site: Site, client: TestClient, csv_text: str, line: int
) -> None:
    await sign_in(client, site)
    token = await csrf_of(client, "/members/import")
    before = len(await site.storage.members.list((await site.app.network()).id))
    response = await client.post("/members/import", data={"csrf": token, "csv_text": csv_text})
    body = await response.text()
    assert response.status == 400
    assert f"regel {line}: handle is leeg" in body
    assert len(await site.storage.members.list((await site.app.network()).id)) == before


def test_devices_are_named_as_people_know_them() -> None:
    from bot.i18n import Translator
    from web.pages.settings import device_name

    t = Translator("nl")
    phone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    assert device_name(t, phone) == "Chrome op Android"
    assert device_name(t, iphone) == "Safari op iPhone"
    assert device_name(t, "") == "?" and device_name(t, "curl/8.0") == "curl/8.0"


async def test_a_big_network_names_a_few_spark_carriers_not_thousands() -> None:
    from types import SimpleNamespace

    from web.pages.network import SPARKS_SHOWN, _named_sparks

    asked: list[int] = []

    async def get_many(ids):  # type: ignore[no-untyped-def]
        asked.extend(ids)
        return [SimpleNamespace(id=i, findable=i % 2 == 0, active=True) for i in ids]

    d = SimpleNamespace(storage=SimpleNamespace(members=SimpleNamespace(get_many=get_many)))
    named, more = await _named_sparks(d, list(range(3000)))
    assert len(named) == SPARKS_SHOWN and more and len(asked) == 100  # one read, not 3000 members
    named, more = await _named_sparks(d, list(range(10)))
    assert [m.id for m in named] == [0, 2, 4, 6, 8] and not more

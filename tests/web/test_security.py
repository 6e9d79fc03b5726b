"""The dashboard's doors: links expire and work once, forms need their token, the role is
checked on every request, another network's ids show nothing, Telegram init data is verified."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient

from storage.records import Role
from tests.web.conftest import Site, csrf_of, sign_in
from web.security import InitDataError, sign_init_data, verify_init_data


def path_of(link: str) -> str:
    return link.split("127.0.0.1:8080", 1)[1]


async def test_a_link_signs_in_once(site: Site, client: TestClient) -> None:
    path = path_of(await site.link("sanne"))
    assert (await client.post(path, allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    again = await client.post(path, allow_redirects=False)
    assert again.status == 403
    assert "al gebruikt" in await again.text()
    assert (await client.get("/today", allow_redirects=False)).status == 303  # not signed in


async def test_opening_a_link_does_not_spend_it(site: Site, client: TestClient) -> None:
    """Chat apps fetch a link for its preview: a GET only shows the sign-in button."""
    path = path_of(await site.link("sanne"))
    assert (await client.get(path)).status == 200
    assert (await client.get(path)).status == 200
    assert (await client.post(path, allow_redirects=False)).status == 303


async def test_an_expired_link_is_refused(site: Site, client: TestClient) -> None:
    path = path_of(await site.link("sanne"))
    site.clock.advance(timedelta(minutes=16))
    response = await client.post(path, allow_redirects=False)
    assert response.status == 403 and "verlopen" in await response.text()


async def test_unknown_links_and_foreign_origins_are_refused(
    site: Site, client: TestClient
) -> None:
    assert (await client.post("/in/not-a-token", allow_redirects=False)).status == 403
    path = path_of(await site.link("sanne"))
    evil = await client.post(
        path, headers={"Origin": "https://evil.example"}, allow_redirects=False
    )
    assert evil.status == 403
    assert (await client.post(path, allow_redirects=False)).status == 303  # the link is unspent


async def test_secrets_in_addresses_never_leave_for_another_site(
    site: Site, client: TestClient
) -> None:
    """Same-origin, not no-referrer: under no-referrer browsers post our own forms with
    "Origin: null", which the sign-in's origin check refuses (a real browser could not sign
    in; tests/web/test_browser.py signs in through Chromium)."""
    page = await client.get(path_of(await site.link("sanne")))
    assert page.headers["Referrer-Policy"] == "same-origin"
    null = await client.post(
        path_of(await site.link("sanne")), headers={"Origin": "null"}, allow_redirects=False
    )
    assert null.status == 403


async def test_a_member_without_the_role_gets_no_link(site: Site) -> None:
    from bot.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        await site.link("kees")


async def test_a_role_taken_away_closes_the_dashboard(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    assert (await client.get("/today")).status == 200
    await site.storage.members.update(site.members["sanne"].id, role=Role.MEMBER)
    response = await client.get("/today")
    assert response.status == 403
    assert "initiatiefnemers" in await response.text()


async def test_forms_need_their_token(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    data = {"title": "Soep koken", "date": "", "people": "2"}
    missing = await client.post("/calls/new", data=data)
    assert missing.status == 403
    wrong = await client.post("/calls/new", data={**data, "csrf": "guess"})
    assert wrong.status == 403
    assert await site.storage.dashboard.count_calls((await site.app.network()).id) == 0
    token = await csrf_of(client)
    ok = await client.post("/calls/new", data={**data, "csrf": token}, allow_redirects=False)
    assert ok.status == 303


async def test_another_networks_ids_show_nothing(site: Site, client: TestClient) -> None:
    storage, now = site.storage, site.clock.now()
    other = await storage.networks.create(
        "Ander netwerk", language="nl", timezone="Europe/Amsterdam", now=now
    )
    stranger = await storage.members.create(
        other.id,
        handle="x",
        display_name="Xander",
        language="nl",
        timezone="Europe/Amsterdam",
        now=now,
    )
    call = await storage.calls.create(
        other.id,
        stranger.id,
        title="Geheim",
        starts_at=None,
        has_time=False,
        cell_id=None,
        people_needed=2,
        now=now,
    )
    lesson = (
        await storage.lessons.add_many(
            other.id,
            [
                __import__("storage.repositories.kennis", fromlist=["NewLesson"]).NewLesson(
                    "Geheim", "tekst"
                )
            ],
            source="web",
            now=now,
        )
    )[0]
    await sign_in(client, site)
    for path in (
        f"/calls/{call.id}",
        f"/members/{stranger.id}",
        f"/lessons/{lesson.id}",
        f"/lessons/{lesson.id}/edit",
    ):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Geheim" not in await response.text() and "Xander" not in await response.text()
    token = await csrf_of(client)
    for path in (
        f"/calls/{call.id}/cancel",
        f"/calls/{call.id}/close",
        f"/members/{stranger.id}/role",
    ):
        response = await client.post(path, data={"csrf": token, "role": "admin"})
        assert response.status in (403, 404), path
    assert (await storage.calls.get(call.id)).status.value == "open"
    assert (await storage.members.get(stranger.id)).role is Role.MEMBER
    assert "Geheim" not in await (await client.get("/calls?show=all")).text()


async def test_only_admins_change_roles(site: Site, client: TestClient) -> None:
    await sign_in(client, site)  # sanne is an initiator
    token = await csrf_of(client)
    kees = site.members["kees"]
    response = await client.post(f"/members/{kees.id}/role", data={"csrf": token, "role": "admin"})
    assert response.status == 403
    assert (await site.storage.members.get(kees.id)).role is Role.MEMBER


async def test_sign_out_ends_the_session(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    token = await csrf_of(client)
    assert (
        await client.post("/signout", data={"csrf": token}, allow_redirects=False)
    ).status == 303
    assert (await client.get("/today", allow_redirects=False)).status == 303


async def test_idle_sessions_expire(site: Site, client: TestClient) -> None:
    await sign_in(client, site)
    site.clock.advance(timedelta(days=31))
    assert (await client.get("/today", allow_redirects=False)).status == 303


# -- Telegram Mini App --------------------------------------------------------------------------
TOKEN = "123456:ABC-secret"


def init_data(user_id: int, auth_date: int, token: str = TOKEN) -> str:
    fields = {
        "auth_date": str(auth_date),
        "query_id": "AAH",
        "user": json.dumps({"id": user_id, "first_name": "Sanne"}),
    }
    return urlencode({**fields, "hash": sign_init_data(fields, token)})


def test_init_data_is_verified(site: Site) -> None:
    now = site.clock.now()
    stamp = int(now.timestamp())
    assert verify_init_data(init_data(42, stamp), TOKEN, now=now).id == "42"
    for bad in (
        init_data(42, stamp, token="other:token"),  # signed with another bot's token
        init_data(42, stamp - 2 * 86400),  # two days old
        init_data(42, stamp).replace("42", "43"),  # the user changed after signing
        "",
        "hash=abc",
    ):
        with pytest.raises(InitDataError):
            verify_init_data(bad, TOKEN, now=now)


async def test_mini_app_signs_in_a_linked_initiator(site: Site, client: TestClient) -> None:
    site.dashboard.settings = site.dashboard.settings.replace(telegram_token=TOKEN)
    await site.storage.members.link_account(
        site.members["sanne"].id, "telegram", "42", username="sanne", display_name="Sanne"
    )
    await site.storage.members.link_account(
        site.members["kees"].id, "telegram", "43", username="kees", display_name="Kees"
    )
    stamp = int(site.clock.now().timestamp())
    kees = await client.post(
        "/telegram/auth", data={"init_data": init_data(43, stamp)}, allow_redirects=False
    )
    assert kees.status == 403
    forged = await client.post(
        "/telegram/auth",
        data={"init_data": init_data(42, stamp, token="x:y")},
        allow_redirects=False,
    )
    assert forged.status == 403
    ok = await client.post(
        "/telegram/auth", data={"init_data": init_data(42, stamp)}, allow_redirects=False
    )
    assert ok.status == 303
    assert (await client.get("/today")).status == 200

"""Instellingen / Settings: the member's language, signed-in devices, private calendar
addresses, the network's cells, and the reminder rules (set by the operator, shown here)."""

from __future__ import annotations

from aiohttp import web

from bot.config import SUPPORTED_LANGUAGES
from bot.errors import UserFacingError
from web import writes
from web.pages.common import dashboard_of, form_of, redirect, refusal, row_id, text, viewer_of
from web.render import TRANSLATOR, render
from web.server import IDLE

FEEDS = ("member", "network")
# (what a User-Agent contains, what a person calls it), first match wins.
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(t, user_agent: str) -> str:
    """'Chrome op Android' for a signed-in device, not its raw User-Agent."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    if browser and system:
        return t("web.settings.device", browser=browser, system=system)
    return browser or system or (user_agent[:60] if user_agent else "?")


async def page(request: web.Request, *, new_feed: tuple[str, str] | None = None) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    storage, now = d.storage, d.now()
    sessions = await storage.web.of_member(viewer.member.id, idle=IDLE, now=now)
    feeds = {
        kind: await storage.web.feed_since(
            viewer.network.id, kind, member_id=viewer.member.id if kind == "member" else None
        )
        for kind in FEEDS
    }
    s = d.settings
    weekday = request[TRANSLATOR]("web.weekday." + s.digest_day)
    return render(
        request,
        "settings.html",
        sessions=sessions,
        devices={x.id: device_name(request[TRANSLATOR], x.user_agent) for x in sessions},
        feeds=feeds,
        new_feed=new_feed,
        cells=await storage.networks.cells(viewer.network.id),
        languages=SUPPORTED_LANGUAGES,
        rules={
            "quiet_hours": s.quiet_hours,
            "digest": f"{weekday} {s.digest_hour:02d}:00",
            "language": s.language,
            "timezone": viewer.network.timezone,
        },
    )


async def show(request: web.Request) -> web.Response:
    return await page(request)


async def language(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    chosen = text(form_of(request), "language", 8)
    if chosen not in SUPPORTED_LANGUAGES:
        raise redirect("/settings", "bad_language")
    async with writes.writing(d) as ctx:
        await writes.set_language(ctx, viewer.member, chosen)
    raise redirect("/settings", "saved")


async def revoke_session(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    session_id = row_id(request.match_info["id"])
    await d.storage.web.revoke(session_id, member_id=viewer.member.id, now=d.now())
    if session_id == viewer.session.id:
        raise web.HTTPSeeOther("/signed-out")
    raise redirect("/settings", "signed_out_device")


async def feed(request: web.Request) -> web.StreamResponse:
    """A new private calendar address (the previous one stops), or none at all."""
    d, viewer = dashboard_of(request), viewer_of(request)
    form = form_of(request)
    kind = text(form, "kind", 12)
    if kind not in FEEDS:
        raise web.HTTPNotFound()
    owner = viewer.member.id if kind == "member" else None
    if text(form, "do", 8) == "revoke":
        await d.storage.web.revoke_feeds(viewer.network.id, kind, member_id=owner, now=d.now())
        raise redirect("/settings", "feed_revoked")
    token = await d.storage.web.new_feed(viewer.network.id, kind, member_id=owner, now=d.now())
    return await page(request, new_feed=(kind, f"{d.base_url}/ical/{token}.ics"))


async def add_cell(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    name = text(form_of(request), "name", 60).lstrip("#")
    if not name:
        raise redirect("/settings", "cell_empty")
    try:
        async with writes.writing(d) as ctx:
            await writes.add_cell(ctx, viewer.member, name)
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    raise redirect("/settings", "cell_added")


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/settings", show)
    router.add_post("/settings/language", language)
    router.add_post("/settings/sessions/{id}/revoke", revoke_session)
    router.add_post("/settings/calendar", feed)
    router.add_post("/settings/cells", add_cell)

"""Private calendar feeds (iCal): a member's own pledges, the network's open calls. The
address holds a random token (revocable in Settings); nothing else is needed to read it, so
calendar apps can subscribe."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.i18n import Translator
from storage.repositories.calls import ACTIVE, CallStatus, PledgeStatus
from web.ical import CalendarEvent, calendar
from web.pages.common import dashboard_of

HORIZON = timedelta(days=400)


async def feed(request: web.Request) -> web.Response:
    d = dashboard_of(request)
    token = request.match_info["token"]
    found = await d.storage.web.feed(token) if len(token) <= 100 else None
    if found is None:
        raise web.HTTPNotFound()
    network = await d.network()
    if found.network_id != network.id:
        raise web.HTTPNotFound()
    now = d.now()
    events: list[CalendarEvent] = []
    host = d.base_url.split("//", 1)[-1]
    if found.kind == "member" and found.member_id is not None:
        member = await d.storage.members.get(found.member_id)
        if member is None or not member.active:
            raise web.HTTPNotFound()
        t = Translator(member.language)
        name = t("web.ical.mine", network=network.name)
        wanted = (*ACTIVE, PledgeStatus.DONE)
        for pledge in await d.storage.pledges.of_member(member.id, wanted):
            if pledge.due_at is None:
                continue
            events.append(
                CalendarEvent(
                    uid=f"pledge-{pledge.id}@{host}",
                    title=pledge.what,
                    starts_at=pledge.due_at,
                    has_time=pledge.due_has_time,
                    description=t("web.ical.pledge_status." + pledge.status.value),
                    url=f"{d.base_url}/calls/{pledge.call_id}" if pledge.call_id else "",
                )
            )
    else:
        t = Translator(network.language)
        name = t("web.ical.calls", network=network.name)
        rows = await d.storage.dashboard.calls(
            network.id,
            statuses=(CallStatus.OPEN.value, CallStatus.FULL.value),
            start=now - timedelta(days=30),
            end=now + HORIZON,
            limit=1000,
        )
        for row in rows:
            if row.starts_at is None:
                continue
            places = f"{row.taken}/{row.people_needed}" if row.people_needed else str(row.taken)
            events.append(
                CalendarEvent(
                    uid=f"call-{row.id}@{host}",
                    title=row.title,
                    starts_at=row.starts_at,
                    has_time=row.has_time,
                    description=t("web.ical.places", places=places),
                    url=f"{d.base_url}/calls/{row.id}",
                )
            )
    body = calendar(name, events, now=now, tz=network.timezone)
    return web.Response(
        text=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'inline; filename="vonk.ics"'},
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/ical/{token}.ics", feed)

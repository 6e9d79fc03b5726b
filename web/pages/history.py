"""Geschiedenis / History: the audit log (role changes, broadcasts, cancellations, imports),
filtered by kind and by member, newest first, 50 a page."""

from __future__ import annotations

from aiohttp import web

from web.pages.common import dashboard_of, optional_int, viewer_of
from web.render import render

PAGE = 50


async def page(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    q = d.storage.dashboard
    actions = await q.audit_actions(viewer.network.id)
    asked = request.query.get("action", "")
    action = asked if asked in actions else None
    member_id = optional_int(request.query.get("member"))
    before = optional_int(request.query.get("before"))
    entries = await q.audit(
        viewer.network.id, action=action, member_id=member_id, before_id=before, limit=PAGE
    )
    ids = {x for e in entries for x in (e.actor_id, e.target_id) if x}
    people = {m.id: m for m in await d.storage.members.get_many(ids)}
    call_ids = {e.details.get("call_id") for e in entries}
    calls = {
        c.id: c
        for c in await d.storage.calls.get_many(x for x in call_ids if isinstance(x, int))
        if c.network_id == viewer.network.id
    }
    return render(
        request,
        "history.html",
        entries=entries,
        people=people,
        calls=calls,
        actions=actions,
        action=action,
        member_id=member_id,
        more=len(entries) == PAGE,
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/history", page)

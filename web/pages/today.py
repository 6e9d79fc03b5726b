"""Vandaag / Today: the initiator's action queue.

Calls short of people in the next 48 hours (invite the next matches), late drop-outs, calls
that took place and wait for "Gelukt?", questions nobody could answer (turn one into a call)
and new members to welcome."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.errors import UserFacingError
from web import writes
from web.pages.common import (
    dashboard_of,
    redirect,
    refusal,
    row_id,
    viewer_of,
)
from web.render import render

SOON = timedelta(hours=48)


async def today(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    q, now, network_id = d.storage.dashboard, d.now(), viewer.network.id
    short = await q.short_calls(network_id, now, now + SOON)
    dropouts = await q.late_dropouts(network_id, since=now - timedelta(days=7), now=now)
    awaiting = await q.awaiting_done(network_id, since=now - timedelta(days=14), now=now)
    questions = await d.storage.questions.unresolved(network_id, since=now - timedelta(days=30))
    newcomers = await d.storage.members.get_many(
        await q.new_members(network_id, since=now - timedelta(days=7))
    )
    people = {
        m.id: m
        for m in await d.storage.members.get_many(
            [x.member_id for x in dropouts if x.member_id] + [x.member_id for x in questions]
        )
    }
    newcomers.sort(key=lambda m: m.joined_at, reverse=True)
    empty = not (short or dropouts or awaiting or questions or newcomers)
    return render(
        request,
        "today.html",
        short=short,
        dropouts=dropouts,
        awaiting=awaiting,
        questions=questions,
        newcomers=newcomers,
        people=people,
        empty=empty,
        error=request.query.get("error", ""),
    )


async def dismiss(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    question_id = row_id(request.match_info["id"])
    async with writes.writing(d) as ctx:
        await writes.dismiss_question(ctx, viewer.member, question_id)
    raise redirect("/today", "dismissed")


async def invite(request: web.Request) -> web.StreamResponse:
    """ "Invite the next matches" for a call short of people, from the queue or its page."""
    d, viewer = dashboard_of(request), viewer_of(request)
    call_id = row_id(request.match_info["id"])
    try:
        async with writes.writing(d) as ctx:
            invited = await writes.invite_more(ctx, viewer.member, call_id)
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    back = request.query.get("back") == "today"
    raise redirect(
        "/today" if back else f"/calls/{call_id}", "invited" if invited else "no_matches"
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/today", today)
    router.add_post("/today/questions/{id}/dismiss", dismiss)
    router.add_post("/calls/{id}/invite", invite)

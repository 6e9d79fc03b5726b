"""Oproepen / Calls: the list and a month calendar, a new call, a call's page (pledged,
waiting, invited, declined, done), closing and cancelling with a reason.

Posting, inviting and cancelling are the chat's own operations (:mod:`web.writes`): the group
sees the same post, invited members the same invitation, pledgers the same notice."""

from __future__ import annotations

import calendar as month_grid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.errors import UserFacingError
from storage.repositories.calls import Call, CallStatus, PledgeStatus
from web import writes
from web.pages.common import (
    dashboard_of,
    form_of,
    optional_int,
    redirect,
    refusal,
    row_id,
    text,
    viewer_of,
)
from web.render import FORMATS, TRANSLATOR, render

MAX_PEOPLE = 500
DEFAULT_HOUR = 10  # as in the chat: a call given only a day starts at 10:00
PAGE = 50
FILTERS = {
    "open": (CallStatus.OPEN.value, CallStatus.FULL.value),
    "closed": (CallStatus.CLOSED.value, CallStatus.CANCELLED.value),
    "all": None,
}


async def list_calls(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    show = request.query.get("show", "open")
    statuses = FILTERS.get(show, FILTERS["open"])
    page = optional_int(request.query.get("page"), low=1, high=10_000) or 1
    q = d.storage.dashboard
    rows = await q.calls(
        viewer.network.id,
        statuses=statuses,
        limit=PAGE,
        offset=(page - 1) * PAGE,
        newest_first=show != "open",
    )
    total = await q.count_calls(viewer.network.id, statuses=statuses)
    cells = {c.id: c.name for c in await d.storage.networks.cells(viewer.network.id)}
    return render(
        request,
        "calls.html",
        rows=rows,
        cells=cells,
        show=show if show in FILTERS else "open",
        page=page,
        pages=max(1, -(-total // PAGE)),
        total=total,
    )


async def calendar(request: web.Request) -> web.Response:
    """A month of calls, weeks as rows; on a phone the same data reads as a list."""
    d, viewer = dashboard_of(request), viewer_of(request)
    zone = ZoneInfo(viewer.network.timezone)
    today = d.now().astimezone(zone).date()
    month = _month(request.query.get("month"), today)
    first = datetime.combine(month, time(), tzinfo=zone)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(following, time(), tzinfo=zone)
    rows = await d.storage.dashboard.calls(viewer.network.id, start=first, end=end, limit=500)
    by_day: dict[date, list] = {}
    for row in rows:
        if row.starts_at is not None:
            by_day.setdefault(row.starts_at.astimezone(zone).date(), []).append(row)
    weeks = month_grid.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    previous = (month - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "calendar.html",
        weeks=weeks,
        month=month,
        first=first,
        by_day=by_day,
        today=today,
        previous=previous.strftime("%Y-%m"),
        following=following.strftime("%Y-%m"),
        weekdays=[
            request[FORMATS].date(first + timedelta(days=(i - month.weekday()) % 7), "EEE")
            for i in range(7)
        ],
    )


def _month(value: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


# -- a new call, an edited call ----------------------------------------------------------------
async def new_form(request: web.Request) -> web.Response:
    values = {
        "title": request.query.get("title", "")[:300],
        "date": "",
        "time": "10:00",
        "cell": "",
        "people": "",
        "reach": "matches",
    }
    return await _form(request, values, {}, status=200)


async def _form(request: web.Request, values, errors, *, status: int, call=None) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    cells = await d.storage.networks.cells(viewer.network.id)
    return render(
        request,
        "call_form.html",
        status=status,
        values=values,
        errors=errors,
        cells=cells,
        call=call,
    )


def _read_form(request: web.Request, call: Call | None = None) -> tuple[dict, dict, writes.NewCall]:
    """The form's values as typed (to show again), its problems, and the call they describe.
    Editing ``call``: a time left empty means "just the day", and a date in the past is only a
    problem when it was changed, so an old call's other fields can still be corrected."""
    d, viewer = dashboard_of(request), viewer_of(request)
    form = form_of(request)
    t = request[TRANSLATOR]
    values = {
        "title": text(form, "title"),
        "date": text(form, "date", 10),
        "time": text(form, "time", 5),
        "cell": text(form, "cell", 60),
        "people": text(form, "people", 4),
        "reach": "everyone" if text(form, "reach") == "everyone" else "matches",
    }
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = t("web.calls.error_title")
    starts_at, has_time = None, False
    if values["date"]:
        try:
            day = date.fromisoformat(values["date"])
            clock = time.fromisoformat(values["time"]) if values["time"] else time(DEFAULT_HOUR)
            has_time = call is None or bool(values["time"])
            starts_at = datetime.combine(day, clock, tzinfo=ZoneInfo(viewer.network.timezone))
            unchanged = call is not None and starts_at == call.starts_at
            if not unchanged and starts_at < d.now() - timedelta(hours=1):
                errors["date"] = t("web.calls.error_past")
        except ValueError:
            errors["date"] = t("web.calls.error_date")
    people = None
    if values["people"]:
        people = optional_int(values["people"], low=0, high=MAX_PEOPLE)
        if people is None:
            errors["people"] = t("web.calls.error_people", max=MAX_PEOPLE)
    cell = values["cell"] or None
    new = writes.NewCall(values["title"], starts_at, has_time, cell, people or None)
    return values, errors, new


async def create(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    values, errors, new = _read_form(request)
    if errors:
        return await _form(request, values, errors, status=400)
    try:
        async with writes.writing(d) as ctx:
            posted = await writes.post_call(
                ctx, viewer.member, new, everyone=values["reach"] == "everyone"
            )
    except UserFacingError as exc:
        errors["form"] = refusal(exc, request)
        return await _form(request, values, errors, status=403)
    raise redirect(f"/calls/{posted.call.id}", "posted")


async def edit_form(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    call = viewer.own(await d.storage.calls.get(row_id(request.match_info["id"])))
    if call.status.ended:
        raise redirect(f"/calls/{call.id}", "ended_no_change")
    cell = await d.storage.networks.get_cell(call.cell_id) if call.cell_id else None
    local = call.starts_at.astimezone(ZoneInfo(viewer.network.timezone)) if call.starts_at else None
    values = {
        "title": call.title,
        "date": local.date().isoformat() if local else "",
        "time": local.strftime("%H:%M") if local and call.has_time else "",
        "cell": cell.name if cell else "",
        "people": str(call.people_needed) if call.people_needed else "",
        "reach": "matches",
    }
    return await _form(request, values, {}, status=200, call=call)


async def edit(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    call = viewer.own(await d.storage.calls.get(row_id(request.match_info["id"])))
    values, errors, new = _read_form(request, call)
    if errors:
        return await _form(request, values, errors, status=400, call=call)
    try:
        async with writes.writing(d) as ctx:
            edited = await writes.change_call(ctx, viewer.member, call.id, new)
    except UserFacingError as exc:
        errors["form"] = refusal(exc, request)
        return await _form(request, values, errors, status=403, call=call)
    raise redirect(f"/calls/{call.id}", "changed_told" if edited.told else "changed")


# -- one call ---------------------------------------------------------------------------------
async def show(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    call = viewer.own(await d.storage.calls.get(row_id(request.match_info["id"])))
    q = d.storage.dashboard
    pledges = await q.call_pledges(call.id)
    invitations = await q.invitations(call.id)
    ids = {m for _, m, _, _ in pledges if m} | {m for m, _ in invitations}
    if call.initiator_id:
        ids.add(call.initiator_id)
    people = {m.id: m for m in await d.storage.members.get_many(ids)}
    groups: dict[str, list] = {s.value: [] for s in PledgeStatus}
    for pledge_id, member_id, status, hours in pledges:
        person = people.get(member_id) if member_id is not None else None
        groups[status].append((pledge_id, person, hours))
    pledged_ids = {m for _, m, _, _ in pledges}
    invited = [(people.get(m), s) for m, s in invitations if m not in pledged_ids]
    cell = await d.storage.networks.get_cell(call.cell_id) if call.cell_id else None
    taken = len(groups["pledged"]) + len(groups["done"])
    return render(
        request,
        "call.html",
        call=call,
        cell=cell,
        groups=groups,
        invited=invited,
        taken=taken,
        initiator=people.get(call.initiator_id),
        open=not call.status.ended,
        error=request.query.get("error", ""),
    )


async def cancel(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    call_id = row_id(request.match_info["id"])
    reason = text(form_of(request), "reason", 300)
    try:
        async with writes.writing(d) as ctx:
            await writes.cancel_call(ctx, viewer.member, call_id, reason)
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    raise redirect(f"/calls/{call_id}", "cancelled")


async def close(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    call_id = row_id(request.match_info["id"])
    try:
        async with writes.writing(d) as ctx:
            await writes.close_call(ctx, viewer.member, call_id)
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    raise redirect(f"/calls/{call_id}", "closed")


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/calls", list_calls)
    router.add_get("/calls/calendar", calendar)
    router.add_get("/calls/new", new_form)
    router.add_post("/calls/new", create)
    router.add_get("/calls/{id}", show)
    router.add_get("/calls/{id}/edit", edit_form)
    router.add_post("/calls/{id}/edit", edit)
    router.add_post("/calls/{id}/cancel", cancel)
    router.add_post("/calls/{id}/close", close)

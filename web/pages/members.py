"""Leden / Members: "wie kan helpen met …" (the chat's own search), filters by cell, role and
activity, a member's page (skills, pledges, consent, reminders; role and cell), the CSV import
with a preview that lists every problem by line before anything is written, and the export."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from aiohttp import web

from actions.permissions import Permission, allowed
from bot.errors import ImportRejected, UserFacingError
from bot.i18n import Translator
from bot.importer import MEMBER_HEADER, Problem, problem, read_members_csv
from storage.records import Role
from storage.repositories.dashboard import MemberFilter
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
from web.render import TRANSLATOR, render

PAGE = 50
ACTIVITIES = ("active", "dormant", "new")
MAX_IMPORT_TEXT = 20 * 1024 * 1024


def _filter(query) -> MemberFilter:
    role = query.get("role", "")
    activity = query.get("activity", "")
    return MemberFilter(
        cell_id=optional_int(query.get("cell")),
        role=role if role in {r.value for r in Role} else None,
        activity=activity if activity in ACTIVITIES else None,
        text=query.get("name", "").strip()[:60],
    )


async def list_members(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    wanted = _filter(request.query)
    page = optional_int(request.query.get("page"), low=1, high=100_000) or 1
    total, rows = await d.storage.dashboard.members(
        viewer.network.id, wanted, now=d.now(), limit=PAGE, offset=(page - 1) * PAGE
    )
    cells = await d.storage.networks.cells(viewer.network.id)
    question = request.query.get("q", "").strip()[:300]
    answer = None
    if question and d.app.services.search is not None:
        answer = await d.app.services.search.ask(
            question, network_id=viewer.network.id, asker=viewer.member, limit=8, lessons=3
        )
    keep = {k: v for k, v in request.query.items() if k in ("cell", "role", "activity", "name")}
    return render(
        request,
        "members.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        cells=cells,
        cell_names={c.id: c.name for c in cells},
        wanted=wanted,
        question=question,
        answer=answer,
        search_ready=d.app.services.search is not None,
        keep=urlencode(keep),
        activities=ACTIVITIES,
        roles=[r.value for r in Role],
    )


async def show(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    member = viewer.own(await d.storage.members.get(row_id(request.match_info["id"])))
    pledges = await d.storage.dashboard.member_pledges(member.id)
    done, hours = await d.storage.dashboard.member_totals(member.id)
    cells = await d.storage.networks.cells(viewer.network.id)
    cell = next((c for c in cells if c.id == member.cell_id), None)
    paused = member.paused_until is not None and member.paused_until > d.now()
    return render(
        request,
        "member.html",
        member=member,
        pledges=pledges,
        done=done,
        hours=hours,
        cells=cells,
        cell=cell,
        paused=paused,
        can_set_role=allowed(viewer.member, Permission.SET_ROLE),
        roles=[r.value for r in Role],
        error=request.query.get("error", ""),
    )


async def change_role(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    member = viewer.own(await d.storage.members.get(row_id(request.match_info["id"])))
    try:
        role = Role(text(form_of(request), "role", 16))
    except ValueError:
        raise redirect(f"/members/{member.id}", "bad_role") from None
    try:
        async with writes.writing(d) as ctx:
            await writes.set_role(ctx, viewer.member, member, role)
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    raise redirect(f"/members/{member.id}", "role_changed")


async def change_cell(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    member = viewer.own(await d.storage.members.get(row_id(request.match_info["id"])))
    try:
        async with writes.writing(d) as ctx:
            await writes.set_cell(ctx, viewer.member, member, text(form_of(request), "cell", 60))
    except UserFacingError as exc:
        return render(
            request, "problem.html", status=403, problem="refused", detail=refusal(exc, request)
        )
    raise redirect(f"/members/{member.id}", "cell_changed")


# -- import -------------------------------------------------------------------------------------
async def import_form(request: web.Request) -> web.Response:
    return render(
        request,
        "import.html",
        kind="members",
        problems=None,
        preview=None,
        csv_text="",
        header=MEMBER_HEADER,
    )


async def _uploaded_text(request: web.Request) -> str | None:
    """The CSV from the file field, or the checked text sent back with the confirmation."""
    form = form_of(request)
    upload = form.get("file")
    if upload is not None and hasattr(upload, "file"):
        raw = upload.file.read(MAX_IMPORT_TEXT + 1)
        if len(raw) > MAX_IMPORT_TEXT:
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "\x00"  # the importer reports it as "not UTF-8 text"
    value = form.get("csv_text")
    return value if isinstance(value, str) else ""


def readable(problems: list[tuple[int, object]], t: Translator) -> list[tuple[int, str]]:
    """The importer's problems in the reader's language."""
    return [(line, p.text(t) if isinstance(p, Problem) else str(p)) for line, p in problems]


def check_members_csv(d, csv_text: str, t: Translator):
    """(rows, problems): the importer's own whole-file check, nothing written."""
    path = writes.csv_rows_path(d.settings.data_dir / "uploads", csv_text)
    try:
        if "\x00" in csv_text:
            raise ImportRejected([(0, problem("not_utf8"))])
        return read_members_csv(path), None
    except ImportRejected as exc:
        return None, readable(exc.problems, t)
    finally:
        path.unlink(missing_ok=True)


async def import_preview(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    csv_text = await _uploaded_text(request)
    if csv_text is None:
        return render(
            request,
            "import.html",
            status=400,
            kind="members",
            problems=[(0, request[TRANSLATOR]("web.import.too_big"))],
            preview=None,
            csv_text="",
            header=MEMBER_HEADER,
        )
    if not csv_text.strip():
        return render(
            request,
            "import.html",
            status=400,
            kind="members",
            problems=[(0, request[TRANSLATOR]("web.import.empty"))],
            preview=None,
            csv_text="",
            header=MEMBER_HEADER,
        )
    rows, problems = check_members_csv(d, csv_text, request[TRANSLATOR])
    confirm = text(form_of(request), "confirm", 3) == "yes"
    if problems:
        return render(
            request,
            "import.html",
            status=400,
            kind="members",
            problems=problems,
            preview=None,
            csv_text="",
            header=MEMBER_HEADER,
        )
    if not confirm:
        known = {
            m.handle.casefold()
            for m in await d.storage.members.list(viewer.network.id, active_only=False)
        }
        new = sum(1 for r in rows if r.handle.casefold() not in known)
        return render(
            request,
            "import.html",
            kind="members",
            problems=None,
            preview=rows[:20],
            count=len(rows),
            new=new,
            csv_text=csv_text,
            header=MEMBER_HEADER,
        )
    try:
        async with writes.writing(d) as ctx:
            imported = await writes.import_members(ctx, viewer.member, rows)
    except ImportRejected as exc:  # chat accounts that belong to other members already
        return render(
            request,
            "import.html",
            status=400,
            kind="members",
            problems=readable(exc.problems, request[TRANSLATOR]),
            preview=None,
            csv_text="",
            header=MEMBER_HEADER,
        )
    if d.app.services.search is not None:
        await d.app.services.search.sync()
    raise redirect(f"/members?imported={imported.created + imported.updated}", "imported")


async def export(request: web.Request) -> web.Response:
    """Every member as CSV, in the importer's columns (it reads back in) plus role and
    consent (10k members: about 2 MB)."""
    d, viewer = dashboard_of(request), viewer_of(request)
    members = await d.storage.dashboard.member_export(viewer.network.id)
    cells = {c.id: c.name for c in await d.storage.networks.cells(viewer.network.id)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*MEMBER_HEADER, "role", "findable", "invitable", "joined"])
    writer.writerows(
        [
            m.handle,
            m.display_name,
            ";".join(m.skills),
            m.about,
            cells.get(m.cell_id, "") if m.cell_id is not None else "",
            m.role,
            "yes" if m.findable else "no",
            "yes" if m.invitable else "no",
            m.joined_at.date().isoformat(),
        ]
        for m in members
    )
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="leden.csv"',
        },
    )


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/members", list_members)
    router.add_get("/members.csv", export)
    router.add_get("/members/import", import_form)
    router.add_post("/members/import", import_preview)
    router.add_get("/members/{id}", show)
    router.add_post("/members/{id}/role", change_role)
    router.add_post("/members/{id}/cell", change_cell)

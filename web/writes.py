"""Every write the dashboard makes, and nothing else: one door, one unit of work per request.

The dashboard decides nothing itself: each function below calls the operation the chat uses
(the role check included, through the same permission table), inside a unit of work, and the
messages it produces (the group post, invitations, notices to pledgers) leave through the
outbox after the commit, exactly as when the same thing is done in the chat.

    async with writing(dashboard, viewer) as ctx:
        posted = await post_call(ctx, viewer.member, new, everyone=False)
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.context import ServiceContext
from bot.core import Button, Reply
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.outbox import Outgoing
from bot.unit_of_work import unit_of_work
from handlers import calls as chat_calls
from handlers.common import when_text
from handlers.permissions import Action, allowed, require
from storage.records import Member, MemberImportRow, Role
from storage.repositories.calls import Call, CallChange, CallStatus, PledgeStatus
from storage.repositories.kennis import Lesson, NewLesson

if TYPE_CHECKING:
    from web.server import Dashboard, Viewer


class WebContext(ServiceContext):
    """What an operation may use when a dashboard request makes it: the services, the
    network and the unit of work; the acting member is passed to each operation."""


@asynccontextmanager
async def writing(dashboard: Dashboard, viewer: Viewer) -> AsyncIterator[WebContext]:
    """One unit of work for one request; its messages are delivered after the commit."""
    app = dashboard.app
    async with unit_of_work(app.services.storage, app.outbox) as work:
        yield WebContext(services=app.services, work=work, network=viewer.network)
    await work.deliver()


# -- calls --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewCall:
    title: str
    starts_at: datetime | None = None
    has_time: bool = False
    cell: str | None = None  # a cell's name; None: the whole network
    people: int | None = None


@dataclass(frozen=True)
class Posted:
    call: Call
    invited: int


class _Acting:
    """The chat's call operations speak to the member who acts (``ctx.member``,
    ``ctx.reply_direct``); from the dashboard that member reads the page instead, so what
    would be said is kept, not sent."""

    def __init__(self, ctx: WebContext, member: Member) -> None:
        self._ctx = ctx
        self.member = member
        self.t = Translator(member.language)
        self.said: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._ctx, name)

    async def reply_direct(self, text: str, *, buttons: Sequence[Button] = ()) -> None:
        self.said.append(text)


async def post_call(ctx: WebContext, member: Member, new: NewCall, *, everyone: bool) -> Posted:
    """Post the call in its group chats and invite the best few (or message everyone)."""
    require(member, Action.POST_CALL)
    draft = chat_calls.Draft(
        title=new.title,
        starts_at=new.starts_at.isoformat() if new.starts_at else None,
        has_time=new.has_time,
        cell=new.cell or "-",
        people=new.people,
    )
    call = await chat_calls.post(_Acting(ctx, member), draft, everyone=everyone)  # type: ignore[arg-type]
    return Posted(call, len(await ctx.storage.calls.invitations(call.id)))


async def _own_call(ctx: WebContext, member: Member, call_id: int, action: Action) -> Call:
    require(member, action)
    call = await ctx.storage.calls.get(call_id)
    if call is None or call.network_id != ctx.network.id:
        raise NotFound("calls.not_found")
    if call.initiator_id != member.id and not allowed(member, Action.SET_ROLE):
        raise UserFacingError("permission.not_your_call")
    return call


async def invite_more(ctx: WebContext, member: Member, call_id: int) -> int:
    """Invite the next best-fitting members (never anyone twice)."""
    call = await _own_call(ctx, member, call_id, Action.CALL_STATUS)
    return await chat_calls.invite_matches(ctx, call, count=chat_calls.invite_count(call))


async def close_call(ctx: WebContext, member: Member, call_id: int) -> Call:
    call = await _own_call(ctx, member, call_id, Action.CLOSE_CALL)
    await ctx.storage.calls.close(call.id)
    return call


async def cancel_call(ctx: WebContext, member: Member, call_id: int, reason: str) -> int:
    """The call is not happening: close it, hand every pledge back and tell those members
    (and the call's chats) once, with the reason. Returns how many members were told.

    Until the use-case layer's ``cancel_call`` lands this is the dashboard's stand-in: close
    plus the pledges' own end (waiting first, so nobody is promoted into a cancelled call)."""
    call = await _own_call(ctx, member, call_id, Action.CLOSE_CALL)
    now = ctx.now()
    if call.status is not CallStatus.CLOSED:
        await ctx.storage.calls.close(call.id)
    pledges = await ctx.storage.pledges.of_call(call.id)
    active = sorted(
        (p for p in pledges if p.status in (PledgeStatus.WAITING, PledgeStatus.PLEDGED)),
        key=lambda p: p.status is PledgeStatus.PLEDGED,
    )
    for pledge in active:
        await ctx.storage.pledges.end(pledge.id, PledgeStatus.WITHDRAWN, now=now)
    people = await ctx.storage.members.get_many(p.member_id for p in active if p.member_id)
    messages = []
    for person in people:
        t = Translator(person.language)
        text = t("web.cancel_notice", title=call.title)
        if reason:
            text += "\n" + t("web.cancel_reason", reason=reason)
        messages.append(
            Outgoing(f"call:{call.id}:cancelled:{person.id}", Reply(text), member_id=person.id)
        )
    t = Translator(ctx.network.language)
    group_text = t("web.cancel_group", title=call.title)
    if reason:
        group_text += "\n" + t("web.cancel_reason", reason=reason)
    messages += [
        Outgoing(
            f"call:{call.id}:cancelled:{chat.platform}:{chat.platform_chat_id}",
            Reply(group_text),
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            kind="call",
        )
        for chat in await chat_calls.call_chats(ctx, call)
    ]
    await ctx.send_many(messages)
    await ctx.storage.audit.record(
        ctx.network.id,
        "call_cancelled",
        actor_id=member.id,
        details={"call_id": call.id, "told": len(people)},
        now=now,
    )
    return len(people)


@dataclass(frozen=True)
class Edited:
    change: CallChange
    told: int  # members told that the call moved (or was renamed)


async def edit_call(ctx: WebContext, member: Member, call_id: int, new: NewCall) -> Edited:
    """Change a call's what, when, where and how many. The open pledges follow; when the
    time, the cell or the title changed, the people taking part and the call's chats hear it
    once; a bigger call gives places to the waiting list in order (they hear it as in the
    chat). Nobody is invited by an edit: "invite the next matches" does that."""
    call = await _own_call(ctx, member, call_id, Action.POST_CALL)
    if call.status is CallStatus.CLOSED:
        raise UserFacingError("web.calls.closed_no_edit", title=call.title)
    name = (new.cell or "").strip().lstrip("#")[:60]
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name) if name else None
    change = await ctx.storage.calls.update(
        call.id,
        title=new.title,
        starts_at=new.starts_at,
        has_time=new.has_time,
        cell_id=cell.id if cell else None,
        people_needed=new.people,
        now=ctx.now(),
    )
    before, after = change.before, change.after
    renamed = before.title != after.title
    edit = uuid.uuid4().hex[:12]  # each edit is news of its own; a retry rolls its rows back
    messages: list[Outgoing] = []
    promoted = {p.member_id for p in change.promoted}
    for pledge in change.promoted:
        if pledge.member_id is None:
            continue
        person = await ctx.storage.members.get(pledge.member_id)
        if person is not None:
            t = Translator(person.language)
            messages.append(
                Outgoing(
                    f"pledge:{pledge.id}:promoted",
                    Reply(t("pledges.promoted", title=after.title, id=pledge.id)),
                    member_id=person.id,
                )
            )
    told = 0
    if change.moved or renamed:
        cell_name = cell.name if cell else None
        people = await ctx.storage.members.get_many(
            p.member_id for p in change.pledges if p.member_id and p.member_id not in promoted
        )
        for person in people:
            t = Translator(person.language)
            messages.append(
                Outgoing(
                    f"call:{call.id}:changed:{edit}:{person.id}",
                    Reply(_change_text(ctx, t, change, cell_name, person.timezone, notice=True)),
                    member_id=person.id,
                )
            )
        told = len(people)
        t = Translator(ctx.network.language)
        group_text = _change_text(ctx, t, change, cell_name, ctx.network.timezone, notice=False)
        messages += [
            Outgoing(
                f"call:{call.id}:changed:{edit}:{chat.platform}:{chat.platform_chat_id}",
                Reply(group_text),
                platform=chat.platform,
                chat_id=chat.platform_chat_id,
                kind="call",
            )
            for chat in await chat_calls.call_chats(ctx, after)
        ]
    await ctx.send_many(messages)
    fields = [
        name
        for name, old, now_ in (
            ("title", before.title, after.title),
            ("when", (before.starts_at, before.has_time), (after.starts_at, after.has_time)),
            ("cell", before.cell_id, after.cell_id),
            ("people", before.people_needed, after.people_needed),
        )
        if old != now_
    ]
    await ctx.storage.audit.record(
        ctx.network.id,
        "call_changed",
        actor_id=member.id,
        details={"call_id": call.id, "fields": fields, "told": told},
        now=ctx.now(),
    )
    return Edited(change, told)


def _change_text(
    ctx: WebContext, t: Translator, change: CallChange, cell: str | None, tz: str, *, notice: bool
) -> str:
    after = change.after
    when = when_text(t, after.starts_at, after.has_time, tz=tz, now=ctx.now())
    key = "web.change_notice" if notice else "web.change_group"
    text = t(key, title=after.title, when=when, where=cell or t("calls.everyone"))
    if change.before.title != after.title:
        text += "\n" + t("web.change_renamed", old=change.before.title)
    return text


# -- members ------------------------------------------------------------------------------------
async def set_role(ctx: WebContext, member: Member, target: Member, role: Role) -> Member:
    """What ``/rol @naam rol`` does: admins only, one audit entry."""
    require(member, Action.SET_ROLE)
    changed = await ctx.storage.members.update(target.id, role=role)
    await ctx.storage.audit.record(
        ctx.network.id,
        "role_change",
        actor_id=member.id,
        target_id=target.id,
        details={"role": role.value, "previous": target.role.value},
        now=ctx.now(),
    )
    return changed


async def set_cell(ctx: WebContext, member: Member, target: Member, cell_name: str) -> Member:
    """Move a member to a cell (created when new); an empty name: no cell."""
    require(member, Action.SET_CHAT_CELL)
    name = cell_name.strip().lstrip("#")[:60]
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name) if name else None
    changed = await ctx.storage.members.update(target.id, cell_id=cell.id if cell else None)
    await ctx.storage.audit.record(
        ctx.network.id,
        "cell_change",
        actor_id=member.id,
        target_id=target.id,
        details={"cell_id": cell.id if cell else None, "previous": target.cell_id},
        now=ctx.now(),
    )
    return changed


async def import_members(
    ctx: WebContext, member: Member, rows: Sequence[MemberImportRow]
) -> tuple[int, int]:
    """What ``vonk import`` does with a checked file: all rows in one transaction."""
    require(member, Action.USE_DASHBOARD)
    created, updated = await ctx.storage.members.import_rows(
        ctx.network.id,
        rows,
        language=ctx.network.language,
        timezone=ctx.network.timezone,
        now=ctx.now(),
    )
    await ctx.storage.audit.record(
        ctx.network.id,
        "import",
        actor_id=member.id,
        details={"created": created, "updated": updated},
        now=ctx.now(),
    )
    return created, updated


async def add_cell(ctx: WebContext, member: Member, name: str) -> None:
    require(member, Action.SET_CHAT_CELL)
    await ctx.storage.networks.ensure_cell(ctx.network.id, name.strip().lstrip("#")[:60])


async def set_language(ctx: WebContext, member: Member, language: str) -> None:
    """The member's own language (what /taal does), for the chat and the dashboard."""
    await ctx.storage.members.update(member.id, language=language)


# -- lessons ------------------------------------------------------------------------------------
async def add_lessons(
    ctx: WebContext, member: Member, lessons: Sequence[NewLesson], *, source: str
) -> list[Lesson]:
    require(member, Action.USE_DASHBOARD)
    return await ctx.storage.lessons.add_many(ctx.network.id, lessons, source=source, now=ctx.now())


async def edit_lesson(
    ctx: WebContext, member: Member, lesson: Lesson, *, title: str, text: str, tags: Sequence[str]
) -> Lesson | None:
    require(member, Action.USE_DASHBOARD)
    return await ctx.storage.lessons.update(lesson.id, title=title, text=text, tags=tags)


# -- the action queue ---------------------------------------------------------------------------
async def dismiss_question(ctx: WebContext, member: Member, question_id: int) -> bool:
    require(member, Action.USE_DASHBOARD)
    return await ctx.storage.questions.resolve(
        question_id, network_id=ctx.network.id, now=ctx.now()
    )


def csv_rows_path(tmp_dir: Path, text: str) -> Path:
    """The importer reads files: an uploaded text is checked from a private temporary file."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".csv", dir=tmp_dir, delete=False
    )
    with handle:
        handle.write(text)
    return Path(handle.name)

"""Every write the dashboard makes, and nothing else: one door, one unit of work per request.

The dashboard decides nothing itself: each function below calls the use-case layer
(:mod:`actions`: the operations the chat, the jobs and the CLI use, the role checks included,
through :mod:`actions.permissions`), inside one unit of work (:meth:`bot.app.App.work`), and
the messages an action produces (the group post, invitations, notices to pledgers) leave
through the outbox after the commit, exactly as when the same thing is done in the chat.

    async with writing(dashboard) as ctx:
        posted = await post_call(ctx, viewer.member, new, everyone=False)

What is the dashboard's alone (lessons written on a page, a question put aside, the member's
own language) is written here directly, still in the request's one unit of work.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from actions import calls as call_actions
from actions import cells as cell_actions
from actions.calls import Cancelled, Changed, NewCall, Posted
from actions.context import ActionContext
from actions.invitations import invite_count, invite_matches
from actions.permissions import Permission, require, require_own_call
from actions.roles import RoleChanged
from actions.roles import set_role as set_role_action
from bot.errors import ImportRejected
from storage.records import Member, MemberImportRow, Role
from storage.repositories.calls import Call
from storage.repositories.kennis import Lesson, NewLesson
from storage.repositories.members import AccountsTaken

if TYPE_CHECKING:
    from web.server import Dashboard

__all__ = [
    "Cancelled",
    "Changed",
    "NewCall",
    "Posted",
    "RoleChanged",
    "writing",
]


@asynccontextmanager
async def writing(dashboard: Dashboard) -> AsyncIterator[ActionContext]:
    """One unit of work for one request; its messages are delivered after the commit."""
    async with dashboard.app.work() as ctx:
        yield ctx


# -- calls --------------------------------------------------------------------------------------
async def post_call(ctx: ActionContext, member: Member, new: NewCall, *, everyone: bool) -> Posted:
    """Post the call in its group chats and invite the best few (or message everyone)."""
    return await call_actions.post_call(ctx, member, new, everyone=everyone)


async def change_call(ctx: ActionContext, member: Member, call_id: int, new: NewCall) -> Changed:
    return await call_actions.change_call(ctx, member, call_id, new)


async def invite_more(ctx: ActionContext, member: Member, call_id: int) -> int:
    """Invite the next best-fitting members (never anyone twice)."""
    require(member, Permission.CALL_STATUS)
    call = await call_actions.find_call(ctx, call_id)
    require_own_call(member, call)
    return await invite_matches(ctx, call, count=invite_count(call))


async def close_call(ctx: ActionContext, member: Member, call_id: int) -> Call:
    return await call_actions.close_call(ctx, member, call_id)


async def cancel_call(ctx: ActionContext, member: Member, call_id: int, reason: str) -> Cancelled:
    return await call_actions.cancel_call(ctx, member, call_id, reason)


# -- members ------------------------------------------------------------------------------------
async def set_role(ctx: ActionContext, member: Member, target: Member, role: Role) -> RoleChanged:
    """What ``/rol @naam rol`` does: admins only, one audit entry."""
    return await set_role_action(ctx, member, target.handle, role)


async def set_cell(ctx: ActionContext, member: Member, target: Member, cell_name: str) -> Member:
    return await cell_actions.move_member(ctx, member, target, cell_name)


async def import_members(
    ctx: ActionContext, member: Member, rows: Sequence[MemberImportRow]
) -> tuple[int, int]:
    """What ``vonk import`` does with a checked file: all rows in one transaction."""
    require(member, Permission.USE_DASHBOARD)
    try:
        created, updated = await ctx.storage.members.import_rows(
            ctx.network.id,
            rows,
            language=ctx.network.language,
            timezone=ctx.network.timezone,
            now=ctx.now(),
        )
    except AccountsTaken as exc:
        raise ImportRejected(exc.problems) from exc
    await ctx.storage.audit.record(
        ctx.network.id,
        "import",
        actor_id=member.id,
        details={"created": created, "updated": updated},
        now=ctx.now(),
    )
    return created, updated


async def add_cell(ctx: ActionContext, member: Member, name: str) -> None:
    await cell_actions.add_cell(ctx, member, name)


async def set_language(ctx: ActionContext, member: Member, language: str) -> None:
    """The member's own language (what /taal does), for the chat and the dashboard."""
    await ctx.storage.members.update(member.id, language=language)


# -- lessons ------------------------------------------------------------------------------------
async def add_lessons(
    ctx: ActionContext, member: Member, lessons: Sequence[NewLesson], *, source: str
) -> list[Lesson]:
    require(member, Permission.USE_DASHBOARD)
    return await ctx.storage.lessons.add_many(ctx.network.id, lessons, source=source, now=ctx.now())


async def edit_lesson(
    ctx: ActionContext,
    member: Member,
    lesson: Lesson,
    *,
    title: str,
    text: str,
    tags: Sequence[str],
) -> Lesson | None:
    require(member, Permission.USE_DASHBOARD)
    return await ctx.storage.lessons.update(lesson.id, title=title, text=text, tags=tags)


# -- the action queue ---------------------------------------------------------------------------
async def dismiss_question(ctx: ActionContext, member: Member, question_id: int) -> bool:
    require(member, Permission.USE_DASHBOARD)
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

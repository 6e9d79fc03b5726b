"""Every write the dashboard makes, and nothing else: one door, one unit of work per request.

The dashboard decides nothing itself: each write is an operation of the use-case layer
(:mod:`actions`: the operations the chat, the jobs and the CLI use, the role checks included,
through :mod:`actions.permissions`), run inside one unit of work (:meth:`bot.app.App.work`);
the messages an action produces (the group post, invitations, notices to pledgers) are outbox
rows committed with the state and delivered after the commit, exactly as when the same thing is
done in the chat.

    async with writing(dashboard) as ctx:
        posted = await post_call(ctx, viewer.member, new, everyone=False)

The names below are the actions themselves; the two adapters only turn what a page holds (a
member it showed) into what the action takes.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from actions.calls import (
    Cancelled,
    Changed,
    NewCall,
    Posted,
    cancel_call,
    change_call,
    close_call,
    invite_more,
    post_call,
)
from actions.cells import add_cell, move_member
from actions.context import ActionContext
from actions.lessons import add_lessons, edit_lesson
from actions.members import Imported, import_members, set_language
from actions.questions import dismiss_question
from actions.roles import RoleChanged
from actions.roles import set_role as set_role_by_handle
from storage.records import Member, Role

if TYPE_CHECKING:
    from web.server import Dashboard

__all__ = [
    "Cancelled",
    "Changed",
    "Imported",
    "NewCall",
    "Posted",
    "RoleChanged",
    "add_cell",
    "add_lessons",
    "cancel_call",
    "change_call",
    "close_call",
    "csv_rows_path",
    "dismiss_question",
    "edit_lesson",
    "import_members",
    "invite_more",
    "post_call",
    "set_cell",
    "set_language",
    "set_role",
    "writing",
]


@asynccontextmanager
async def writing(dashboard: Dashboard) -> AsyncIterator[ActionContext]:
    """One unit of work for one request: it commits when the block ends (a refusal or an
    error rolls everything back), then its messages are delivered, or left in the outbox for
    the running bot."""
    async with dashboard.app.work() as ctx:
        yield ctx


async def set_role(ctx: ActionContext, member: Member, target: Member, role: Role) -> RoleChanged:
    """What ``/rol @naam rol`` does, for the member a page showed."""
    return await set_role_by_handle(ctx, member, target.handle, role)


async def set_cell(ctx: ActionContext, member: Member, target: Member, cell_name: str) -> Member:
    """Put the member a page showed in a cell (created when new; empty: in none)."""
    return await move_member(ctx, member, target, cell_name)


def csv_rows_path(tmp_dir: Path, text: str) -> Path:
    """The importer reads files: an uploaded text is checked from a private temporary file."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".csv", dir=tmp_dir, delete=False
    )
    with handle:
        handle.write(text)
    return Path(handle.name)

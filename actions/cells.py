"""Cells: linking a group chat to one (calls for that cell are posted there), adding one,
putting a member in one."""

from __future__ import annotations

from actions.context import ActionContext
from actions.permissions import Permission, require
from bot.clean import clean_name
from bot.errors import UserFacingError
from storage.records import Cell, Chat, Member

CELL_NAME_MAX = 60


async def link_chat_to_cell(
    ctx: ActionContext, member: Member | None, chat: Chat, cell_name: str | None
) -> Cell | None:
    """The group ``chat`` now belongs to the cell (created if new); None unlinks it."""
    require(member, Permission.SET_CHAT_CELL)
    if chat.kind != "group":
        raise UserFacingError("cells.group_only")
    name = clean_name(cell_name or "").lstrip("#")[:CELL_NAME_MAX]
    if cell_name is not None and not name:
        raise UserFacingError("cells.usage")
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name) if name else None
    await ctx.storage.chats.set_cell(chat.id, cell.id if cell else None)
    return cell


async def add_cell(ctx: ActionContext, member: Member | None, name: str) -> Cell:
    """A new cell (or the one already called so)."""
    require(member, Permission.SET_CHAT_CELL)
    cleaned = clean_name(name).lstrip("#")[:CELL_NAME_MAX]
    if not cleaned:
        raise UserFacingError("cells.usage")
    return await ctx.storage.networks.ensure_cell(ctx.network.id, cleaned)


async def move_member(
    ctx: ActionContext, member: Member | None, target: Member, cell_name: str
) -> Member:
    """Put ``target`` in a cell (created when new); an empty name: in no cell. One audit
    entry."""
    require(member, Permission.SET_CHAT_CELL)
    name = clean_name(cell_name).lstrip("#")[:CELL_NAME_MAX]
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name) if name else None
    changed = await ctx.storage.members.update(target.id, cell_id=cell.id if cell else None)
    await ctx.storage.audit.record(
        ctx.network.id,
        "cell_change",
        actor_id=member.id if member else None,
        target_id=target.id,
        details={"cell_id": cell.id if cell else None, "previous": target.cell_id},
        now=ctx.now(),
    )
    return changed

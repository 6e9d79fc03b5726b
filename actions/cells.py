"""Linking a group chat to a cell, so calls for that cell are posted there."""

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

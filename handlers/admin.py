"""Roles: admins make members initiators (or admins); operators use `vonk role`."""

from __future__ import annotations

from bot.clean import clean_name
from bot.context import Context
from bot.core import Event
from bot.errors import UserFacingError
from bot.router import Router
from handlers.permissions import Action, require
from storage.records import Role

ROLE_WORDS = {
    "lid": Role.MEMBER,
    "member": Role.MEMBER,
    "deelnemer": Role.MEMBER,
    "initiatiefnemer": Role.INITIATOR,
    "initiator": Role.INITIATOR,
    "aanleider": Role.INITIATOR,
    "beheerder": Role.ADMIN,
    "admin": Role.ADMIN,
}


def parse_role(word: str) -> Role | None:
    return ROLE_WORDS.get(word.strip().casefold())


async def set_role(_event: Event, ctx: Context) -> None:
    """``/rol @naam initiatiefnemer``."""
    require(ctx.member, Action.SET_ROLE)
    parts = ctx.args.split()
    if len(parts) != 2 or parse_role(parts[1]) is None:
        raise UserFacingError("roles.usage")
    handle, role = parts[0].lstrip("@"), parse_role(parts[1])
    target = await ctx.storage.members.by_handle(ctx.network.id, handle)
    if target is None:
        raise UserFacingError("roles.unknown_member", handle=handle)
    await ctx.storage.members.update(target.id, role=role)
    await ctx.storage.audit.record(
        ctx.network.id,
        "role_change",
        actor_id=ctx.member.id,
        target_id=target.id,
        details={"role": role.value, "previous": target.role.value},
        now=ctx.now(),
    )
    await ctx.reply(
        ctx.t("roles.changed", name=target.display_name, role=ctx.t(f"role.{role.value}"))
    )


async def chat_cell(_event: Event, ctx: Context) -> None:
    """``/cel Oost`` in a group chat: calls for cell Oost are posted here (``/cel -`` undoes)."""
    require(ctx.member, Action.SET_CHAT_CELL)
    if ctx.in_direct_chat:
        raise UserFacingError("cells.group_only")
    name = ctx.args.strip().lstrip("#")
    if not name:
        raise UserFacingError("cells.usage")
    if name == "-":
        await ctx.storage.chats.set_cell(ctx.chat.id, None)
        await ctx.reply(ctx.t("cells.chat_cleared"))
        return
    cell_name = clean_name(name)[:60]
    if not cell_name:
        raise UserFacingError("cells.usage")
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, cell_name)
    await ctx.storage.chats.set_cell(ctx.chat.id, cell.id)
    await ctx.reply(ctx.t("cells.chat_set", cell=cell.name))


def register(router: Router) -> None:
    router.command("rol", "role")(set_role)
    router.command("cel", "cell", "buurt")(chat_cell)

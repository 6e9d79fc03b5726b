"""Roles and cells in the chat: ``/rol @naam initiatiefnemer`` (admins) and ``/cel Oost`` (a
group chat belongs to a cell). The decisions are :mod:`actions.roles` and :mod:`actions.cells`,
the same ones ``vonk role`` and a web dashboard use."""

from __future__ import annotations

from actions.cells import link_chat_to_cell
from actions.permissions import Permission, require
from actions.roles import set_role
from bot.context import Context
from bot.core import Event
from bot.errors import UserFacingError
from bot.router import Router
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


async def role_command(_event: Event, ctx: Context) -> None:
    """``/rol @naam initiatiefnemer``."""
    require(ctx.member, Permission.SET_ROLE)  # a refusal before a usage lesson
    parts = ctx.args.split()
    role = parse_role(parts[1]) if len(parts) == 2 else None
    if role is None:
        raise UserFacingError("roles.usage")
    changed = await set_role(ctx, ctx.member, parts[0], role)
    await ctx.reply(
        ctx.t("roles.changed", name=changed.member.display_name, role=ctx.t(f"role.{role.value}"))
    )


async def cell_command(_event: Event, ctx: Context) -> None:
    """``/cel Oost`` in a group chat: calls for cell Oost are posted here (``/cel -`` undoes)."""
    name = ctx.args.strip()
    cell = await link_chat_to_cell(ctx, ctx.member, ctx.chat, None if name == "-" else name)
    if cell is None:
        await ctx.reply(ctx.t("cells.chat_cleared"))
    else:
        await ctx.reply(ctx.t("cells.chat_set", cell=cell.name))


def register(router: Router) -> None:
    router.command("rol", "role")(role_command)
    router.command("cel", "cell", "buurt")(cell_command)

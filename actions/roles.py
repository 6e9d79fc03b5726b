"""Roles: admins make members initiators (or admins) in the chat; operators with `vonk role`.
Either way one action, one audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from actions.context import ActionContext
from actions.permissions import Permission, require
from bot.errors import NotFound
from storage.records import Member, Role


@dataclass(frozen=True)
class RoleChanged:
    member: Member  # as it is now
    previous: Role


async def set_role(
    ctx: ActionContext, actor: Member | None, handle: str, role: Role
) -> RoleChanged:
    """Give the member with ``handle`` a role. ``actor`` None is an operator outside the
    chat (the audit entry says so)."""
    require(actor, Permission.SET_ROLE)
    handle = handle.strip().lstrip("@")
    target = await ctx.storage.members.by_handle(ctx.network.id, handle) if handle else None
    if target is None:
        raise NotFound("roles.unknown_member", handle=handle)
    changed = await ctx.storage.members.update(target.id, role=role)
    details = {"role": role.value, "previous": target.role.value}
    if actor is None:
        details["by"] = "operator"
    await ctx.storage.audit.record(
        ctx.network.id,
        "role_change",
        actor_id=actor.id if actor else None,
        target_id=target.id,
        details=details,
        now=ctx.now(),
    )
    return RoleChanged(changed, target.role)

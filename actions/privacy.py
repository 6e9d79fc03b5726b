"""A member's data is theirs: export all of it, or forget it, at once and for good.

``/mijngegevens`` and ``vonk export`` are one action, and so are ``/vergeet-mij`` and
``vonk forget``: open pledges are handed back the usual way (the first on a waiting list is
told they are in, or the next fitting member is invited), export files are removed, and every
row about the member is deleted or anonymised (see :mod:`storage.repositories.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.context import ActionContext
from actions.pledges import withdraw_all
from bot.exports import export_document, remove_exports
from storage.records import Member


@dataclass(frozen=True)
class MemberExport:
    document: dict[str, Any]  # bot.exports.export_document
    rows: int


@dataclass(frozen=True)
class Forgotten:
    touched: dict[str, int]  # rows removed or anonymised, per table
    promoted: int  # waiting members who got a place the member held
    invited: int  # members invited to a place the member held


async def export_member_data(ctx: ActionContext, member: Member) -> MemberExport:
    """Every table, with the rows that are the member's."""
    tables = await ctx.storage.privacy.export(member.id) or {}
    document = export_document(
        tables, network=ctx.network.name, handle=member.handle, now=ctx.now()
    )
    return MemberExport(document, sum(len(rows) for rows in tables.values()))


async def forget_member(ctx: ActionContext, member: Member) -> Forgotten:
    """Forget the member (they asked, or an operator does it for them). Cannot be undone."""
    reopened = await withdraw_all(ctx, member)
    remove_exports(ctx.settings.data_dir, member.id)
    touched = await ctx.storage.privacy.forget(member.id, now=ctx.now())
    return Forgotten(
        touched or {},
        promoted=sum(1 for r in reopened if r.promoted is not None),
        invited=sum(r.invited for r in reopened),
    )

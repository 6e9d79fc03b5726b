"""A member's data is theirs: export all of it, or forget it, at once and for good.

``/mijngegevens`` and ``vonk export`` are one action, and so are ``/vergeet-mij`` and
``vonk forget``: open pledges are handed back the usual way (the first on a waiting list is
told they are in, or the next fitting member is invited), export files are removed, every row
about the member is deleted or anonymised (see :mod:`storage.repositories.privacy`), the
buttons about them stop working, and after the commit SQLite's write-ahead log is emptied so
no readable copy stays behind while the bot runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from actions.buttons import (
    AskContact,
    ContactAnswer,
    PledgeDone,
    PledgeHours,
    PledgeLater,
    PledgeWithdraw,
    UndoStory,
)
from actions.context import ActionContext
from actions.pledges import withdraw_all
from bot.exports import export_document, remove_exports
from storage.records import Member

log = logging.getLogger(__name__)


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
    storage = ctx.storage
    exact, prefixes = await _buttons_about(ctx, member)
    reopened = await withdraw_all(ctx, member)
    remove_exports(ctx.settings.data_dir, member.id)
    touched = await storage.privacy.forget(
        member.id, now=ctx.now(), buttons=exact, button_prefixes=prefixes
    )
    ctx.after_commit(lambda: _empty_the_log(ctx))
    return Forgotten(
        touched or {},
        promoted=sum(1 for r in reopened if r.promoted is not None),
        invited=sum(r.invited for r in reopened),
    )


async def _buttons_about(ctx: ActionContext, member: Member) -> tuple[set[str], list[str]]:
    """The payloads of buttons that refer to the member or to rows of theirs: exactly, and
    by their start (those ending in free text or a number chosen later)."""
    tables = await ctx.storage.privacy.export(member.id) or {}
    pledges = [row["id"] for row in tables.get("pledges", [])]
    exact = {
        kind(pledge).encode()
        for pledge in pledges
        for kind in (PledgeDone, PledgeWithdraw, PledgeLater)
    }
    exact |= {UndoStory(row["id"]).encode() for row in tables.get("stories", [])}
    exact |= {
        ContactAnswer(answer, row["id"]).encode()
        for row in tables.get("contact_requests", [])
        for answer in (True, False)
    }
    prefixes = [AskContact.starting_with(member.id)]
    prefixes += [PledgeHours.starting_with(pledge) for pledge in pledges]
    return exact, prefixes


async def _empty_the_log(ctx: ActionContext) -> None:
    if not await ctx.storage.checkpoint():
        log.warning("after a forget, SQLite's write-ahead log could not be emptied at once")

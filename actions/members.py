"""Members in bulk and in small: a checked CSV import (``vonk import`` and the dashboard) and
a member's own language (``/taal`` and the dashboard's settings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.context import ActionContext
from actions.permissions import Permission, require
from bot.config import SUPPORTED_LANGUAGES
from bot.errors import ImportRejected, UserFacingError
from storage.records import Member, MemberImportRow
from storage.repositories.members import AccountsTaken


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int


async def import_members(
    ctx: ActionContext, member: Member | None, rows: Sequence[MemberImportRow]
) -> Imported:
    """Rows already checked whole (:func:`bot.importer.read_members_csv`), written in the
    unit of work: all of them or, when a chat account belongs to another member already,
    none (:class:`ImportRejected` with the line numbers). One audit entry."""
    require(member, Permission.IMPORT)
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
    details: dict[str, object] = {"created": created, "updated": updated}
    if member is None:
        details["by"] = "operator"
    await ctx.storage.audit.record(
        ctx.network.id,
        "import",
        actor_id=member.id if member else None,
        details=details,
        now=ctx.now(),
    )
    return Imported(created, updated)


async def set_language(ctx: ActionContext, member: Member, code: str) -> Member:
    """The member's own language, for the chat and the dashboard alike."""
    if code not in SUPPORTED_LANGUAGES:
        raise UserFacingError("language.choose")
    return await ctx.storage.members.update(member.id, language=code)

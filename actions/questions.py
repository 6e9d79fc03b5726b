"""Help questions nobody could answer (recorded by the chat's search): an initiator turns
one into a call or puts it aside."""

from __future__ import annotations

from actions.context import ActionContext
from actions.permissions import Permission, require
from storage.records import Member


async def dismiss_question(ctx: ActionContext, member: Member | None, question_id: int) -> bool:
    """Put a question of this network aside; False when it was not open (or not ours)."""
    require(member, Permission.TRIAGE_QUESTIONS)
    return await ctx.storage.questions.resolve(
        question_id, network_id=ctx.network.id, now=ctx.now()
    )

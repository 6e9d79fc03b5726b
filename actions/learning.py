"""Learning from outcomes: when a need was met by a member (a contact request accepted, a
call's pledge done, thanks after an introduction), that need becomes evidence for the search
that this member fits similar needs. Recorded with the skill of theirs nearest to the need,
so the "why" line can say which of their skills it was."""

from __future__ import annotations

from actions.context import ActionContext
from storage.records import Member


async def learn(ctx: ActionContext, member: Member, need: str, *, source: str) -> bool:
    """Remember that ``member`` met ``need``; False when there is nothing to learn (no
    skills, no search, or already known)."""
    if not member.skills or not need.strip() or ctx.search is None:
        return False
    closeness = await ctx.search.similarity(need, list(member.skills))
    skill = member.skills[max(range(len(closeness)), key=closeness.__getitem__)]
    return await ctx.storage.learned.record(
        ctx.network.id, member.id, need=need, skill=skill, source=source, now=ctx.now()
    )

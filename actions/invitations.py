"""Personal invitations to a call for help: the best-fitting members, each at most once.

The invitation record is the guard (one per member and call, never twice); the message is
written in the invited member's own language and carries the buttons to answer it.
"""

from __future__ import annotations

from actions.buttons import DeclineCall, JoinCall
from actions.context import ActionContext
from actions.reach import reach
from actions.wording import first_name, when_text
from bot.core import Button, Reply
from bot.i18n import Translator
from bot.outbox import Outgoing
from storage.records import Member
from storage.repositories.calls import Call

INVITE_AT_MOST = 5


def invite_count(call: Call) -> int:
    """'The best few': a little more than the places, never a crowd."""
    return min(INVITE_AT_MOST, (call.people_needed or 2) + 1)


async def invite_matches(
    ctx: ActionContext, call: Call, *, count: int, collect: list[Outgoing] | None = None
) -> int:
    """Invite the best-fitting members the bot can reach, not invited or pledged before.
    The messages are queued, or added to ``collect`` for the caller to queue with its own.
    Returns how many were invited."""
    search = ctx.search
    if search is None or count <= 0:
        return 0
    storage = ctx.storage
    already = set(await storage.calls.invitations(call.id))
    already |= {p.member_id for p in await storage.pledges.of_call(call.id) if p.member_id}
    if call.initiator_id is not None:
        already.add(call.initiator_id)
    matches = await search.invitees(
        call.title + " " + call.details,
        network_id=call.network_id,
        exclude=already,
        limit=count * 2,  # room for members who cannot be reached yet
        prefer_cell=call.cell_id,
    )
    reachable = {m.id for m in (await reach(ctx, [m.member for m in matches])).reachable}
    messages: list[Outgoing] = []
    for match in matches:
        if len(messages) == count or match.member.id not in reachable:
            continue
        if await storage.calls.invite(call.id, match.member.id, score=match.score, now=ctx.now()):
            messages.append(await invitation(ctx, call, match.member, why=match.why))
    if collect is not None:
        collect.extend(messages)
    elif messages:
        await ctx.send_many(messages)
    return len(messages)


async def invitation(
    ctx: ActionContext, call: Call, member: Member, *, why: str | None
) -> Outgoing:
    """The personal invitation, in the member's language and timezone."""
    t = Translator(member.language)
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    when = when_text(t, call.starts_at, call.has_time, tz=member.timezone, now=ctx.now())
    text = t(
        "calls.invitation",
        name=first_name(member.display_name),
        title=call.title,
        when=when,
        initiator=initiator.display_name if initiator else t("calls.the_network"),
    )
    if why:
        text += "\n" + t("calls.invitation_why", why=why)
    buttons = (
        Button(t("calls.join"), JoinCall(call.id).encode(), "👍"),
        Button(t("calls.decline"), DeclineCall(call.id).encode()),
    )
    return Outgoing(
        f"call:{call.id}:invite:{member.id}",
        Reply(text, buttons),
        member_id=member.id,
        kind="invitation",
    )

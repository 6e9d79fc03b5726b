"""Doe-bijdragen: make a pledge, mark it done, hand it back, give it more time; and what a
place that reopens means for others (the waiting list, or the next fitting member).

Paid and volunteer effort count the same: hours are recorded as hours, nothing else. Handing
a task back is graceful: no questions, and the place goes to someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from actions.calls import refresh_posts
from actions.context import ActionContext
from actions.invitations import invite_matches
from actions.learning import learn
from bot.core import Reply
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.outbox import Outgoing
from storage.ids import is_row_id
from storage.records import Member
from storage.repositories.calls import ACTIVE, Call, Pledge, PledgeOutcome, PledgeStatus

WHAT_MAX = 300
MAX_HOURS = 24.0  # hours per pledge: more than a day for one pledge is a typing slip


@dataclass(frozen=True)
class Reopened:
    """What a pledge that ended did for others: the first on the waiting list got the place
    (and was told), or fitting members were invited."""

    promoted: Pledge | None = None
    invited: int = 0


# -- making -------------------------------------------------------------------------------------
async def make_pledge(
    ctx: ActionContext, member: Member, what: str, due_at: datetime | None, has_time: bool
) -> Pledge:
    what = " ".join(what.split())[:WHAT_MAX]
    if not what:
        raise UserFacingError("pledges.usage")
    outcome = await ctx.storage.pledges.create(
        ctx.network.id, member.id, what=what, due_at=due_at, due_has_time=has_time, now=ctx.now()
    )
    return outcome.pledge


async def own_pledge(ctx: ActionContext, member: Member, pledge_id: int) -> Pledge:
    """The member's own pledge with this id, or a polite NotFound (also for someone else's)."""
    pledge = await ctx.storage.pledges.get(pledge_id) if is_row_id(pledge_id) else None
    if pledge is None or pledge.member_id != member.id:
        raise NotFound("pledges.not_found", id=pledge_id)
    return pledge


async def past_due(ctx: ActionContext, member: Member) -> list[Pledge]:
    """The member's open pledges whose moment has passed: what "Gelukt?" asks about, and
    what a typed answer to it ("gelukt", "nee het regende") is about."""
    mine = await ctx.storage.pledges.of_member(member.id, ACTIVE)
    return [p for p in mine if p.due_at is not None and p.due_at <= ctx.now()]


# -- ending well --------------------------------------------------------------------------------
def check_hours(hours: float) -> float:
    if not 0 < hours <= MAX_HOURS:
        raise UserFacingError("pledges.hours_invalid", max=int(MAX_HOURS))
    return hours


async def mark_done(
    ctx: ActionContext, member: Member, pledge: Pledge, hours: float | None = None
) -> Pledge:
    """Done, with the hours it took if the member said. A lapsed pledge can still be done."""
    if pledge.member_id != member.id:
        raise NotFound("pledges.not_found", id=pledge.id)
    if pledge.status is PledgeStatus.DONE:
        raise UserFacingError("pledges.already_done", what=pledge.what)
    if pledge.status not in ACTIVE and pledge.status is not PledgeStatus.LAPSED:
        raise UserFacingError("pledges.not_open", what=pledge.what)
    if hours is not None:
        check_hours(hours)
    done = await ctx.storage.pledges.complete(pledge.id, hours=hours, now=ctx.now())
    if pledge.call_id is not None and (call := await ctx.storage.calls.get(pledge.call_id)):
        await learn(ctx, member, call.title, source="pledge")  # a call's need, met by them
    return done


async def record_hours(ctx: ActionContext, member: Member, pledge: Pledge, hours: float) -> None:
    """The hours of a pledge that is done (asked right after 'klaar')."""
    if pledge.member_id != member.id:
        raise NotFound("pledges.not_found", id=pledge.id)
    await ctx.storage.pledges.set_hours(pledge.id, check_hours(hours))


async def reschedule(
    ctx: ActionContext, member: Member, pledge: Pledge, due_at: datetime, has_time: bool
) -> None:
    """More time: a new date (a lapsed pledge is open again)."""
    if pledge.member_id != member.id:
        raise NotFound("pledges.not_found", id=pledge.id)
    if pledge.status not in (*ACTIVE, PledgeStatus.LAPSED):
        raise UserFacingError("pledges.not_open", what=pledge.what)
    await ctx.storage.pledges.reschedule(pledge.id, due_at, has_time, now=ctx.now())


# -- handing back -------------------------------------------------------------------------------
async def withdraw(ctx: ActionContext, member: Member, pledge: Pledge) -> Reopened:
    """The member hands the pledge back; its place goes to someone else."""
    if pledge.member_id != member.id:
        raise NotFound("pledges.not_found", id=pledge.id)
    if pledge.status not in ACTIVE:
        raise UserFacingError("pledges.not_open", what=pledge.what)
    outcome = await ctx.storage.pledges.end(pledge.id, PledgeStatus.WITHDRAWN, now=ctx.now())
    reopened = await place_reopened(ctx, outcome)
    if outcome.call is not None and pledge.status is PledgeStatus.PLEDGED:
        await tell_initiator_if_late(ctx, outcome.call, reopened)
    return reopened


LATE = timedelta(hours=48)  # a drop-out this close to the call is news for its initiator


async def tell_initiator_if_late(ctx: ActionContext, call: Call, reopened: Reopened) -> None:
    """A place handed back within 48 hours of the call: its initiator hears at once (the
    member who left is not named), with what happened to the place; plainly when nobody is
    left."""
    now = ctx.now()
    if call.status.ended or call.starts_at is None or not now <= call.starts_at <= now + LATE:
        return
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    if initiator is None:
        return
    t = Translator(initiator.language)
    taken = await ctx.storage.calls.counted(call.id)
    if taken == 0 and reopened.promoted is None:
        text = t("pledges.late_nobody_left", title=call.title)
    else:
        text = t("pledges.late_dropout", title=call.title, taken=taken)
    if reopened.promoted is not None:
        text += " " + t("pledges.late_promoted")
    elif reopened.invited:
        text += " " + t.n("pledges.late_invited", reopened.invited)
    key = f"call:{call.id}:late:{int(now.timestamp())}:{taken}"
    await ctx.send_many([Outgoing(key, Reply(text), member_id=initiator.id)])


async def lapse(ctx: ActionContext, pledge: Pledge) -> Reopened:
    """Nobody answered "Gelukt?": the pledge lapses quietly and its place reopens."""
    outcome = await ctx.storage.pledges.end(pledge.id, PledgeStatus.LAPSED, now=ctx.now())
    return await place_reopened(ctx, outcome)


async def withdraw_all(ctx: ActionContext, member: Member) -> list[Reopened]:
    """Every open pledge of the member handed back the usual way (before forgetting them)."""
    done = []
    for pledge in await ctx.storage.pledges.of_member(member.id):
        outcome = await ctx.storage.pledges.end(pledge.id, PledgeStatus.WITHDRAWN, now=ctx.now())
        done.append(await place_reopened(ctx, outcome))
    return done


async def place_reopened(ctx: ActionContext, outcome: PledgeOutcome) -> Reopened:
    """After a pledge for a call ended: tell the first on the waiting list they are in, or
    invite the next fitting member. The member who left is never named to anyone."""
    call = outcome.call
    if call is not None:
        await refresh_posts(ctx, call.id)  # the live count in the call's group posts
    if call is None or (call.status.ended and outcome.promoted is None):
        return Reopened()
    promoted = outcome.promoted
    if promoted is not None:
        member = await ctx.storage.members.get(promoted.member_id) if promoted.member_id else None
        if member is not None:
            t = Translator(member.language)
            await ctx.send_many(
                [
                    Outgoing(
                        f"pledge:{promoted.id}:promoted",
                        Reply(t("pledges.promoted", title=call.title, id=promoted.id)),
                        member_id=member.id,
                    )
                ]
            )
        return Reopened(promoted=promoted)
    if outcome.place_reopened:
        return Reopened(invited=await invite_matches(ctx, call, count=1))
    return Reopened()

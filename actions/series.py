"""Recurring calls: a series ("elke zaterdag 10:00") makes one ordinary call per day of its
rule, a few weeks ahead, each with its own pledges, reminders and post. Pausing stops new
occurrences; ending also cancels the future ones nobody pledged for yet. One occurrence is
cancelled alone like any call (its day stays claimed, so it never comes back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.calls import (
    CELL_NAME_MAX,
    Cancelled,
    NewCall,
    Posted,
    cancel_call,
    passed,
    post_call,
)
from actions.context import ActionContext
from actions.permissions import Permission, allowed, require, require_own_series
from bot.clean import clean_name
from bot.errors import NotFound
from bot.when import Recurrence
from storage.ids import is_row_id
from storage.records import Member, Series, SeriesStatus
from storage.repositories.calls import ACTIVE, Call

AHEAD = timedelta(days=21)  # occurrences exist this far ahead
LOOK_AT = time(9, 0)  # the daily look, local time: new posts in daytime, never at night


@dataclass(frozen=True)
class Started:
    series: Series
    posted: tuple[Posted, ...]  # the occurrences made at once


@dataclass(frozen=True)
class Ended:
    series: Series
    cancelled: tuple[Cancelled, ...]  # future occurrences nobody had pledged for
    kept: tuple[Call, ...]  # future occurrences people pledged for: still on


async def find_series(ctx: ActionContext, series_id: int) -> Series:
    series = await ctx.storage.series.get(series_id) if is_row_id(series_id) else None
    if series is None or series.network_id != ctx.network.id:
        raise NotFound("series.not_found")
    return series


async def start_series(
    ctx: ActionContext,
    initiator: Member,
    new: NewCall,
    rule: Recurrence,
    *,
    everyone: bool,
    timezone: str,
) -> Started:
    """Make the series (``new.starts_at`` is its first moment) and its first occurrences."""
    require(initiator, Permission.POST_CALL)
    assert new.starts_at is not None
    storage, now = ctx.storage, ctx.now()
    cell_name = clean_name(new.cell or "")[:CELL_NAME_MAX]
    cell = None
    if cell_name and cell_name != "-":
        cell = await storage.networks.ensure_cell(ctx.network.id, cell_name)
    local = new.starts_at.astimezone(ZoneInfo(timezone))
    series = await storage.series.create(
        ctx.network.id,
        initiator.id,
        title=new.title,
        rule=rule.as_data(),
        hour=local.hour,
        minute=local.minute,
        timezone=timezone,
        first_at=new.starts_at,
        cell_id=cell.id if cell else None,
        people_needed=new.people,
        everyone=everyone,
        now=now,
    )
    posted = await make_occurrences(ctx, series)
    await storage.audit.record(
        ctx.network.id,
        "series_started",
        actor_id=initiator.id,
        details={"series_id": series.id, "calls": [p.call.id for p in posted]},
        now=now,
    )
    return Started(series, tuple(posted))


def occurrence_moments(series: Series, now: datetime) -> list[tuple[date, datetime]]:
    """The days (and moments) of the series from now up to :data:`AHEAD`."""
    tz = ZoneInfo(series.timezone)
    rule = Recurrence.from_data(series.rule)
    first = series.first_at.astimezone(tz).date()
    today = now.astimezone(tz).date()
    out = []
    for day in rule.days(first, today, (now + AHEAD).astimezone(tz).date()):
        at = datetime.combine(day, time(series.hour, series.minute), tzinfo=tz)
        if at > now:
            out.append((day, at))
    return out


async def make_occurrences(ctx: ActionContext, series: Series) -> list[Posted]:
    """Make the calls of the days ahead that have none yet. Each day is claimed once, in
    this unit of work: a repeated or restarted job never makes a day twice, and a day whose
    call was cancelled alone stays cancelled. Every call is posted in its chats; only the
    first of a batch invites members personally (the others invite when still short two
    days ahead, as any call does), so nobody gets three invitations at once."""
    if series.status is not SeriesStatus.ACTIVE:
        return []
    initiator = await ctx.storage.members.get(series.initiator_id) if series.initiator_id else None
    if initiator is None or not allowed(initiator, Permission.POST_CALL):
        await ctx.storage.series.set_status(series.id, SeriesStatus.PAUSED, now=ctx.now())
        return []  # nobody may post it any more: it waits for /reeks hervat
    cell = await ctx.storage.networks.get_cell(series.cell_id) if series.cell_id else None
    posted: list[Posted] = []
    for day, at in occurrence_moments(series, ctx.now()):
        if not await ctx.storage.series.claim_day(series.id, day.isoformat(), now=ctx.now()):
            continue
        new = NewCall(series.title, at, True, cell.name if cell else None, series.people_needed)
        made = await post_call(ctx, initiator, new, everyone=series.everyone, invite=not posted)
        await ctx.storage.series.set_call(series.id, day.isoformat(), made.call.id)
        posted.append(made)
    return posted


def next_look(series: Series, now: datetime) -> datetime:
    """Tomorrow morning in the series' timezone."""
    tz = ZoneInfo(series.timezone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, LOOK_AT, tzinfo=tz)


async def keep_ahead(ctx: ActionContext, series_id: int) -> datetime | None:
    """The series' job: make what is missing, then look again tomorrow (none once it is
    paused or ended: resuming brings the job back)."""
    series = await ctx.storage.series.get(series_id)
    if series is None or series.status is not SeriesStatus.ACTIVE:
        return None
    await make_occurrences(ctx, series)
    fresh = await ctx.storage.series.get(series_id)
    if fresh is None or fresh.status is not SeriesStatus.ACTIVE:
        return None
    return next_look(fresh, ctx.now())


async def series_calls(ctx: ActionContext, series: Series) -> list[Call]:
    """The series' calls still ahead and not ended, soonest first."""
    calls = await ctx.storage.calls.get_many(await ctx.storage.series.calls(series.id))
    now = ctx.now()
    ahead = [c for c in calls if not c.status.ended and not passed(c, now)]
    return sorted(ahead, key=lambda c: (c.starts_at or now, c.id))


async def pause_series(ctx: ActionContext, member: Member | None, series_id: int) -> Series:
    """No new occurrences; those already made stay (cancel one alone if needed)."""
    require(member, Permission.POST_CALL)
    series = await find_series(ctx, series_id)
    require_own_series(member, series)
    if series.status is not SeriesStatus.ACTIVE:
        return series
    return await ctx.storage.series.set_status(series.id, SeriesStatus.PAUSED, now=ctx.now())


async def resume_series(
    ctx: ActionContext, member: Member | None, series_id: int
) -> tuple[Series, list[Posted]]:
    """Active again: the days ahead get their calls now (days passed meanwhile stay empty)."""
    require(member, Permission.POST_CALL)
    series = await find_series(ctx, series_id)
    require_own_series(member, series)
    if series.status is not SeriesStatus.PAUSED:
        return series, []
    series = await ctx.storage.series.set_status(series.id, SeriesStatus.ACTIVE, now=ctx.now())
    return series, await make_occurrences(ctx, series)


async def end_series(
    ctx: ActionContext, member: Member | None, series_id: int, reason: str = ""
) -> Ended:
    """No more occurrences. The future ones nobody pledged for are cancelled (the cancel
    action: their chats hear it); the ones people pledged for stay, named in the result,
    so the initiator decides about each (``/oproep annuleer N``) and nobody is let down
    silently."""
    require(member, Permission.CLOSE_CALL)
    series = await find_series(ctx, series_id)
    require_own_series(member, series)
    if series.status is SeriesStatus.ENDED:
        return Ended(series, (), ())
    ahead = await series_calls(ctx, series)
    series = await ctx.storage.series.set_status(series.id, SeriesStatus.ENDED, now=ctx.now())
    cancelled, kept = [], []
    for call in ahead:
        pledges = await ctx.storage.pledges.of_call(call.id)
        if any(p.status in ACTIVE for p in pledges):
            kept.append(call)
        else:
            cancelled.append(await cancel_call(ctx, member, call.id, reason))
    await ctx.storage.audit.record(
        ctx.network.id,
        "series_ended",
        actor_id=member.id if member else None,
        details={"series_id": series.id, "cancelled": [c.call.id for c in cancelled]},
        now=ctx.now(),
    )
    return Ended(series, tuple(cancelled), tuple(kept))

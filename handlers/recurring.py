"""Recurring work on the scheduler: the weekly digest, the monthly story digest, the daily
retention clean-up, and each series of recurring calls keeping its occurrences made a few
weeks ahead (the work itself is in :mod:`actions`). Each job answers with its next
moment, so one ``ensure`` at start-up is all the set-up there is (and a restart never doubles
them)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.digests import monthly_story_digest, next_weekly_digest
from actions.retention import prune_retention
from actions.series import keep_ahead
from bot.context import ServiceContext
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

STORY_DIGEST_AT = time(9, 30)  # on the first of the month, after the quiet hours
PRUNE_AT = time(4, 0)  # nobody is waiting for anything at four in the morning


def next_month_start(ctx: ServiceContext, after: datetime) -> datetime:
    tz = ZoneInfo(ctx.network.timezone)
    local = after.astimezone(tz)
    first = local.date().replace(day=1)
    at = datetime.combine(first, STORY_DIGEST_AT, tzinfo=tz)
    if at <= after:
        first = (first + timedelta(days=32)).replace(day=1)
        at = datetime.combine(first, STORY_DIGEST_AT, tzinfo=tz)
    return at


def next_prune(ctx: ServiceContext, after: datetime) -> datetime:
    tz = ZoneInfo(ctx.network.timezone)
    at = datetime.combine(after.astimezone(tz).date(), PRUNE_AT, tzinfo=tz)
    return at if at > after else at + timedelta(days=1)


async def story_digest(ctx: ServiceContext, _network_id: int) -> datetime:
    sent = await monthly_story_digest(ctx)
    log.info("monthly story digest: %d messages", sent)
    return next_month_start(ctx, ctx.now())


async def prune(ctx: ServiceContext, _network_id: int) -> datetime:
    pruned = await prune_retention(ctx.storage, ctx.services.clock, ctx.settings)
    log.info("retention: pruned %s", pruned)
    return next_prune(ctx, ctx.now())


async def ensure_recurring(ctx: ServiceContext) -> None:
    """Create the recurring jobs of this network if they are not there yet."""
    now, jobs, network_id = ctx.now(), ctx.storage.jobs, ctx.network.id
    await jobs.ensure("digest", network_id, next_weekly_digest(ctx, now))
    await jobs.ensure("stories", network_id, next_month_start(ctx, now))
    await jobs.ensure("prune", network_id, next_prune(ctx, now))


async def series_ahead(ctx: ServiceContext, series_id: int) -> datetime | None:
    """A series' daily look: the calls of the coming weeks that are not made yet. Its job is
    made with the series (and again on resuming), so nothing needs ensuring at start-up."""
    return await keep_ahead(ctx, series_id)


def register_jobs(scheduler: Scheduler) -> None:
    scheduler.register("series", series_ahead)
    scheduler.register("stories", story_digest)
    scheduler.register("prune", prune)

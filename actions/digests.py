"""The digests initiators receive: the weekly one (calls, pledges, who is late, who is new)
and the monthly stories, ready to share. Scheduled jobs run them; who receives them is a
permission (:mod:`actions.permissions`), like every other role check.

Keys name the network, the period and the reader, so running a digest twice sends nothing
twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from actions.context import ActionContext
from actions.periods import previous_month
from actions.permissions import Permission, allowed
from actions.wording import hours_phrase, names_list
from bot.config import WEEKDAYS
from bot.core import Reply
from bot.i18n import Translator
from bot.outbox import Outgoing
from storage.records import Member
from storage.repositories.social import Story


async def readers(ctx: ActionContext, permission: Permission) -> list[Member]:
    return [m for m in await ctx.storage.members.list(ctx.network.id) if allowed(m, permission)]


# -- weekly -------------------------------------------------------------------------------------
def next_weekly_digest(ctx: ActionContext, after: datetime) -> datetime:
    """The configured weekday and hour (``VONK_DIGEST_DAY``, ``VONK_DIGEST_HOUR``) after
    ``after``, in the network's timezone."""
    tz = ZoneInfo(ctx.network.timezone)
    weekday = WEEKDAYS.index(ctx.settings.digest_day)
    local = after.astimezone(tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    at = datetime.combine(day, time(ctx.settings.digest_hour), tzinfo=tz)
    return at if at > after else at + timedelta(days=7)


NEW_NAMES_SHOWN = 5  # the digest names a few newcomers, then counts the rest


async def weekly_digest(ctx: ActionContext) -> int:
    """Last week's open calls, pledges, hours, late and lapsed pledges and new members, to
    every initiator. Returns how many messages were queued."""
    now = ctx.now()
    network_id = ctx.network.id
    figures = await ctx.storage.pledges.weekly_figures(
        network_id, since=now - timedelta(days=7), now=now
    )
    week = now.astimezone(ZoneInfo(ctx.network.timezone)).strftime("%G-W%V")
    messages = []
    for reader in await readers(ctx, Permission.WEEKLY_DIGEST):
        t = Translator(reader.language)
        lines = [t("digest.title"), t("digest.open_calls", count=len(figures.open_calls))]
        lines += [
            t(
                "digest.call_line",
                id=c.id,
                title=c.title,
                taken=taken,
                needed=c.people_needed or "–",
            )
            for c, taken in figures.open_calls
        ]
        lines.append(
            t.n(
                "digest.pledges",
                figures.new_pledges,
                done=figures.done,
                hours=hours_phrase(t, figures.hours),
            )
        )
        if figures.overdue:
            lines.append(t("digest.overdue"))
            lines += [f"• {name}: {what}" for name, what in figures.overdue]
        if figures.lapsed:
            lines.append(t("digest.lapsed"))
            lines += [f"• {name}: {what}" for name, what in figures.lapsed]
        lines.append(
            t(
                "digest.new_members",
                count=len(figures.new_members),
                names=names_list(t, figures.new_members, shown=NEW_NAMES_SHOWN) or "–",
            )
        )
        messages.append(
            Outgoing(
                f"digest:{network_id}:{week}:{reader.id}",
                Reply("\n".join(lines)),
                member_id=reader.id,
                kind="digest",
            )
        )
    return await ctx.send_many(messages)


# -- monthly stories ----------------------------------------------------------------------------
def story_line(t: Translator, story: Story) -> str:
    """One story; the author is named only when they agreed to be findable."""
    who = story.author_name if story.author_findable else t("stories.someone")
    key = "stories.line_with_what" if story.what else "stories.line"
    return t(key, text=story.text, name=who, what=story.what)


async def monthly_story_digest(ctx: ActionContext) -> int:
    """Send every initiator last month's stories, ready to share; returns messages queued.

    Run it once on the first of each month (any time that day, after quiet hours). A month
    without stories sends nothing at all."""
    network = ctx.network
    start, end = previous_month(ctx.now(), ZoneInfo(network.timezone))
    stories = await ctx.storage.stories.between(network.id, start, end, limit=200)
    if not stories:
        return 0
    messages = []
    for reader in await readers(ctx, Permission.STORY_DIGEST):
        t = Translator(reader.language)
        month = format_date(start.date(), "LLLL yyyy", locale=t.language)
        lines = [t("stories.digest_intro", month=month, count=len(stories))]
        lines += [story_line(t, s) for s in reversed(stories)]  # oldest first, as it happened
        lines.append(t("stories.digest_outro"))
        messages.append(
            Outgoing(
                f"stories:digest:{network.id}:{start:%Y-%m}:{reader.id}",
                Reply("\n".join(lines)),
                member_id=reader.id,
                kind="digest",
            )
        )
    return await ctx.send_many(messages)

"""Stories: "Hoe ging het?" after a pledge is done, ``/verhalen``, and the monthly digest.

A story is one sentence in the member's own words. Asking is optional and skipping is one
press; a saved story can be taken back at once. Others see the author's name only when the
author agreed to be findable; otherwise "iemand".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.clock import Clock
from bot.context import Context
from bot.core import Button, Event, Reply
from bot.i18n import Translator
from bot.outbox import Outgoing
from bot.router import Router
from handlers.common import yes_or_no
from handlers.impact import end_of_today, month_start, previous_month_start
from handlers.permissions import Action, allowed
from storage import Storage
from storage.records import Network
from storage.repositories.calls import Pledge
from storage.repositories.social import Story

FLOW = "story"
MAX_LENGTH = 500
RECENT = timedelta(days=60)
SHOWN = 10
SKIP_WORDS = {"-", "skip", "overslaan", "sla over", "geen", "none", "nee", "no"}


class Queue(Protocol):
    """What the digest needs from the outbox."""

    async def enqueue_many(self, messages: Sequence[Outgoing]) -> int: ...


async def offer_story(ctx: Context, pledge: Pledge) -> None:
    """After a pledge is done: ask, privately, how it went. Called by the pledges feature."""
    await ctx.expect(FLOW, "text", pledge=pledge.id)
    await ctx.reply_direct(
        ctx.t("stories.ask", what=pledge.what),
        buttons=[Button(ctx.t("stories.skip"), "story:skip")],
    )


async def answer(_event: Event, ctx: Context) -> None:
    """The typed story (or a typed 'skip')."""
    data = ctx.conversation.data if ctx.conversation else {}
    text = " ".join(ctx.args.split())
    await ctx.finish()
    if not text or text.casefold() in SKIP_WORDS or yes_or_no(text) is False:
        await ctx.reply(ctx.t("stories.skipped"))
        return
    story = await ctx.storage.stories.add(
        ctx.network.id,
        ctx.member.id,
        text[:MAX_LENGTH],
        pledge_id=data.get("pledge"),
        now=ctx.now(),
    )
    await ctx.reply(
        ctx.t("stories.saved"),
        buttons=[Button(ctx.t("stories.undo"), f"story:undo:{story.id}")],
    )


async def pressed(_event: Event, ctx: Context) -> None:
    action, _, ref = ctx.args.partition(":")
    if action == "skip":
        if ctx.conversation is not None and ctx.conversation.flow == FLOW:
            await ctx.finish()
        await ctx.reply(ctx.t("stories.skipped"))
    elif action == "undo" and ref.isdigit():
        removed = await ctx.storage.stories.delete(int(ref), ctx.member.id)
        await ctx.reply(ctx.t("stories.removed" if removed else "common.button_expired"))


def story_line(t: Translator, story: Story) -> str:
    who = story.author_name if story.author_findable else t("stories.someone")
    key = "stories.line_with_what" if story.what else "stories.line"
    return t(key, text=story.text, name=who, what=story.what)


async def recent(_event: Event, ctx: Context) -> None:
    """``/verhalen``: the network's recent stories."""
    end = end_of_today(ctx.now(), ZoneInfo(ctx.network.timezone))
    stories = await ctx.storage.stories.between(ctx.network.id, end - RECENT, end, limit=SHOWN)
    if not stories:
        await ctx.reply(ctx.t("stories.none"))
        return
    lines = [ctx.t("stories.recent_intro")] + [story_line(ctx.t, s) for s in stories]
    await ctx.reply("\n".join(lines))


# -- scheduled work ------------------------------------------------------------------------------
def digest_month(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month before ``now``'s month, in the network's timezone."""
    end = month_start(now, tz)
    return previous_month_start(end), end


async def monthly_story_digest(
    storage: Storage, outbox: Queue, clock: Clock, network: Network
) -> int:
    """Send every initiator last month's stories, ready to share; returns messages queued.

    Run it once on the first of each month (any time that day, after quiet hours). Keys name
    the network, the month and the reader, so running it twice sends nothing twice; a month
    without stories sends nothing at all."""
    start, end = digest_month(clock.now(), ZoneInfo(network.timezone))
    stories = await storage.stories.between(network.id, start, end, limit=200)
    if not stories:
        return 0
    readers = [m for m in await storage.members.list(network.id) if allowed(m, Action.STORY_DIGEST)]
    messages = []
    for reader in readers:
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
    return await outbox.enqueue_many(messages)


def register(router: Router) -> None:
    router.command("verhalen", "stories", "verhaal")(recent)
    router.flow(FLOW)(answer)
    router.button("story")(pressed)

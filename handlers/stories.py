"""Stories: the answer to "Hoe ging het?" after a pledge is done, and ``/verhalen``.

A story is one sentence in the member's own words. Asking is optional and skipping is one
press; a saved story can be taken back at once. Others see the author's name only when the
author agreed to be findable; otherwise "iemand". The monthly digest of stories is
:func:`actions.digests.monthly_story_digest`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from actions.buttons import SkipStory, UndoStory
from actions.digests import story_line
from actions.periods import end_of_today
from bot.context import Context
from bot.core import Button, Event
from bot.router import Router
from handlers.common import STORY_FLOW, skipped, something_new, yes_or_no

MAX_LENGTH = 500
RECENT = timedelta(days=60)
SHOWN = 10
NOTHING_WORDS = {"geen", "none"}  # no story to tell


#: "Hoe ging het?" takes the story for a day; later, what the member says ("wie kan mijn
#: fiets maken?") is read on its own instead of being saved as their story.
STORY_QUESTION_LASTS = timedelta(hours=24)


async def answer(_event: Event, ctx: Context) -> None:
    """The typed story (or a typed 'skip')."""
    data = ctx.conversation.data if ctx.conversation else {}
    text = " ".join(ctx.args.split())
    await ctx.finish()
    if not text or skipped(text) or text.casefold() in NOTHING_WORDS or yes_or_no(text) is False:
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
        buttons=[Button(ctx.t("stories.undo"), UndoStory(story.id).encode())],
    )


async def skip_pressed(_press: SkipStory, ctx: Context) -> None:
    if ctx.conversation is not None and ctx.conversation.flow == STORY_FLOW:
        await ctx.finish()
    await ctx.reply(ctx.t("stories.skipped"))


async def undo_pressed(press: UndoStory, ctx: Context) -> None:
    removed = await ctx.storage.stories.delete(press.story_id, ctx.member.id)
    await ctx.reply(ctx.t("stories.removed" if removed else "common.button_expired"))


async def recent(_event: Event, ctx: Context) -> None:
    """``/verhalen``: the network's recent stories."""
    end = end_of_today(ctx.now(), ZoneInfo(ctx.network.timezone))
    stories = await ctx.storage.stories.between(ctx.network.id, end - RECENT, end, limit=SHOWN)
    if not stories:
        await ctx.reply(ctx.t("stories.none"))
        return
    lines = [ctx.t("stories.recent_intro")] + [story_line(ctx.t, s) for s in stories]
    await ctx.reply("\n".join(lines))


# Said ahead, not told of what was done: "I'll walk the neighbour's dog next week", "ik ga
# zaterdag de heg snoeien", "I can bring soup on Friday".
_AHEAD = re.compile(
    r"^\W*(?:ik\s+(?:ga|zal|kom|kan)|i(?:'ll|\s+will|\s+can)|we(?:'ll|\s+will|\s+can|\s+gaan))\b"
    # not "I can't believe how much fun it was", "ik kan niet geloven hoe leuk het was"
    r"(?!'t|\s+not\b|\s+niet\b|t\b)",
    re.IGNORECASE,
)


def _not_a_story(text: str) -> bool:
    """Router.flow's ``lets_go`` for "How did it go?": something new (a request, thanks) or a
    pledge for what comes next is read on its own, not kept as the story."""
    return something_new(text) or bool(_AHEAD.match(text))


def register(router: Router) -> None:
    router.command("verhalen", "stories", "verhaal")(recent)
    router.flow(STORY_FLOW, lasts=STORY_QUESTION_LASTS, lets_go=lambda text, _: _not_a_story(text))(
        answer
    )
    router.button(SkipStory)(skip_pressed)
    router.button(UndoStory)(undo_pressed)

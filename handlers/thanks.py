"""``/bedankt @naam voor …``: record who helped whom; it feeds reciprocity and impact.

The thanked member always hears it privately. In a group the bot repeats the name only when
that member agreed to be findable; the thanker's own words stay theirs.
"""

from __future__ import annotations

import re
from datetime import timedelta

from actions.learning import learn
from actions.wording import bullets
from bot.context import Context
from bot.core import Event, Reply
from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.router import Router
from storage.records import Member

_THANKS = re.compile(
    r"^@?(?P<who>[^\s,:]+)[\s,:]*(?:(?:voor|for|om|omdat|because)\b\s*)?(?P<why>.*)$",
    re.IGNORECASE | re.DOTALL,
)
RECEIVED_SHOWN = timedelta(days=90)
REASON_MAX = 300
INTRODUCTION_THANKED_WITHIN = timedelta(days=60)  # thanks this soon after a yes: it helped


async def find_member(ctx: Context, who: str) -> Member | None:
    """By handle, or by a display name that only one member has."""
    member = await ctx.storage.members.by_handle(ctx.network.id, who)
    if member is None:
        named = [
            m
            for m in await ctx.storage.members.list(ctx.network.id)
            if m.display_name.casefold() == who.casefold()
        ]
        member = named[0] if len(named) == 1 else None
    return member if member is not None and member.active else None


async def thank(_event: Event, ctx: Context) -> None:
    if not ctx.args.strip():
        await received(ctx)
        return
    match = _THANKS.match(ctx.args.strip())
    if match is None:
        raise UserFacingError("thanks.usage")
    who, why = match.group("who"), " ".join(match.group("why").split())[:REASON_MAX]
    receiver = await find_member(ctx, who)
    if receiver is None:
        raise UserFacingError("thanks.unknown", name=who.lstrip("@"))
    if receiver.id == ctx.member.id:
        raise UserFacingError("thanks.self")
    thanks = await ctx.storage.thanks.add(
        ctx.network.id, ctx.member.id, receiver.id, why, now=ctx.now()
    )
    introduced = await ctx.storage.contacts.latest_accepted(
        ctx.member.id, receiver.id, since=ctx.now() - INTRODUCTION_THANKED_WITHIN
    )
    if introduced is not None:  # thanks after an introduction: that need was met
        await learn(ctx, receiver, introduced.topic, source="thanks")
    theirs = Translator(receiver.language)
    key = "thanks.received_why" if why else "thanks.received"
    await ctx.send_to_member(
        receiver,
        Reply(theirs(key, giver=ctx.member.display_name, why=why)),
        key=f"thanks:{thanks.id}",
    )
    named = ctx.in_direct_chat or receiver.findable
    await ctx.reply(
        ctx.t("thanks.noted", name=receiver.display_name)
        if named
        else ctx.t("thanks.noted_unnamed")
    )


async def received(ctx: Context) -> None:
    """Without a name: the thanks this member received lately (their own data, privately)."""
    thanks = await ctx.storage.thanks.received(ctx.member.id, since=ctx.now() - RECEIVED_SHOWN)
    if not thanks:
        await ctx.reply_direct(ctx.t("thanks.none_received"))
        return
    givers = {
        m.id: m.display_name
        for m in await ctx.storage.members.get_many(t.giver_id for t in thanks if t.giver_id)
    }
    lines = [
        ctx.t("thanks.line_why", giver=givers.get(t.giver_id, "?"), why=t.reason)
        if t.reason
        else ctx.t("thanks.line", giver=givers.get(t.giver_id, "?"))
        for t in thanks
        if t.giver_id
    ]
    await ctx.reply_direct(
        "\n".join([ctx.t.n("thanks.received_intro", len(thanks)), bullets(lines)])
    )


async def thanked(_event: Event, ctx: Context) -> None:
    """Thanks said to the bot: a warm word back, and how to thank the neighbour who helped
    (that is what makes help visible)."""
    await ctx.reply(ctx.t("thanks.you_are_welcome"))


def register(router: Router) -> None:
    router.command("bedankt", "thanks", "dankjewel", "dank")(thank)
    router.understood("thanks")(thanked)

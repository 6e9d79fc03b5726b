"""Doe-bijdragen: concrete pledges (what, by when), done or handed back without blame.

Paid and volunteer effort count the same: hours are recorded as hours, nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context, ServiceContext
from bot.core import Button, Event, Reply
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.numbers import parse_decimal, parse_id
from bot.outbox import Outgoing
from bot.router import Router
from bot.when import InvalidWhen, parse_when
from handlers.calls import invite_matches
from handlers.common import date_words, when_text
from handlers.stories import offer_story
from storage.repositories.calls import ACTIVE, Pledge, PledgeOutcome, PledgeStatus

FLOW = "pledge"
_HOURS = re.compile(
    r"([0-9]+(?:[.,][0-9]+)?)\s*(u|uur|uren|h|hours?|min|minuten|minutes)\b", re.IGNORECASE
)
_REF = re.compile(r"#?([0-9]+)\b")
MAX_HOURS = 1000.0  # more than a few weeks of full days for one pledge is a typing slip
HOUR_CHOICES = (("½", 0.5), ("1", 1.0), ("2", 2.0), ("4", 4.0), ("8", 8.0))
END_OF_DAY = (20, 0)  # a pledge given only a day is due that evening


def pledge_line(t: Translator, pledge: Pledge, *, tz: str, now: datetime) -> str:
    when = when_text(t, pledge.due_at, pledge.due_has_time, tz=tz, now=now)
    return t(f"pledges.line_{pledge.status.value}", id=pledge.id, what=pledge.what, when=when)


# -- making a pledge --------------------------------------------------------------------------
async def do_command(_event: Event, ctx: Context) -> None:
    """``/doe flyers rondbrengen vrijdag``."""
    if not ctx.args.strip():
        raise UserFacingError("pledges.usage")
    await pledge_from_text(ctx, ctx.args)


async def do_phrase(_event: Event, ctx: Context) -> None:
    """'ik ga vrijdag de flyers rondbrengen' (in a direct chat, or when the bot is addressed)."""
    match = ctx.route.match
    await pledge_from_text(ctx, match.group("what") if match else ctx.text)


async def pledge_from_text(ctx: Context, text: str) -> None:
    found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    if isinstance(found, InvalidWhen):
        what = " ".join(text.replace(found.matched, " ").split())
        await ctx.expect(FLOW, "when", what=what)
        await ctx.reply_direct(ctx.t("pledges.bad_date", text=date_words(found.matched)))
        return
    what = clean_what(found.rest if found else text)
    if not what:
        raise UserFacingError("pledges.usage")
    if found is None:
        await ctx.expect(FLOW, "when", what=what)
        await ctx.reply_direct(
            ctx.t("pledges.ask_when", what=what),
            buttons=[Button(ctx.t("pledges.no_date"), "pledge:nodate")],
        )
        return
    await create(ctx, what, *due(found.at, found.has_time))


def clean_what(text: str) -> str:
    text = re.sub(r"^\s*/\w+(?:@\w+)?\s*", "", text)
    return " ".join(text.split()).strip(" ,.!")[:300]


def due(at: datetime, has_time: bool) -> tuple[datetime, bool]:
    if has_time:
        return at, True
    return at.replace(hour=END_OF_DAY[0], minute=END_OF_DAY[1]), False


async def create(ctx: Context, what: str, due_at: datetime | None, has_time: bool) -> None:
    await ctx.finish()
    outcome = await ctx.storage.pledges.create(
        ctx.network.id,
        ctx.member.id,
        what=what,
        due_at=due_at,
        due_has_time=has_time,
        now=ctx.now(),
    )
    when = when_text(ctx.t, due_at, has_time, tz=ctx.member.timezone, now=ctx.now())
    await ctx.reply(ctx.t("pledges.saved", what=what, when=when, id=outcome.pledge.id))


async def answer(_event: Event, ctx: Context) -> None:
    data = ctx.conversation.data if ctx.conversation else {}
    step, text = ctx.conversation.step if ctx.conversation else "", ctx.args.strip()
    if step == "when":
        if text.casefold() in ("geen", "nee", "none", "no", "-"):
            await create(ctx, data["what"], None, False)
            return
        found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        if found is None or isinstance(found, InvalidWhen):
            await ctx.reply(ctx.t("pledges.bad_date", text=text))
            return
        await create(ctx, data["what"], *due(found.at, found.has_time))
    elif step == "new_date":
        found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        if found is None or isinstance(found, InvalidWhen):
            await ctx.reply(ctx.t("pledges.bad_date", text=text))
            return
        await ctx.finish()
        at, has_time = due(found.at, found.has_time)
        await ctx.storage.pledges.reschedule(int(data["pledge"]), at, has_time, now=ctx.now())
        await ctx.reply(
            ctx.t(
                "pledges.rescheduled",
                when=when_text(ctx.t, at, has_time, tz=ctx.member.timezone, now=ctx.now()),
            )
        )


# -- ending a pledge ----------------------------------------------------------------------------
async def own_pledge(
    ctx: Context, ref: str, *, statuses: tuple[PledgeStatus, ...] = ACTIVE
) -> Pledge | None:
    """The pledge named by ``ref``, or the only open one; None when a choice is needed."""
    match = _REF.match(ref.strip())
    if match:
        pledge_id = parse_id(match.group(1))
        pledge = await ctx.storage.pledges.get(pledge_id) if pledge_id else None
        if pledge is None or pledge.member_id != ctx.member.id:
            raise NotFound("pledges.not_found", id=match.group(1))
        return pledge
    mine = await ctx.storage.pledges.of_member(ctx.member.id, statuses)
    if not mine:
        raise UserFacingError("pledges.none_open")
    return mine[0] if len(mine) == 1 else None


async def choose(ctx: Context, action: str) -> None:
    mine = await ctx.storage.pledges.of_member(ctx.member.id)
    buttons = [Button(f"#{p.id} {p.what}"[:60], f"pledge:{action}:{p.id}") for p in mine[:8]]
    await ctx.reply(ctx.t(f"pledges.choose_{action}"), buttons=buttons)


async def done_command(_event: Event, ctx: Context) -> None:
    """``/klaar``, ``/klaar 12``, ``/klaar 12 2 uur``."""
    args = ctx.args
    hours = None
    if match := _HOURS.search(args):
        value = parse_decimal(match.group(1), high=MAX_HOURS * 60)
        hours = value / 60 if value and match.group(2).lower().startswith("min") else value
        if hours is None or not 0 < hours <= MAX_HOURS:
            raise UserFacingError("pledges.hours_invalid", max=int(MAX_HOURS))
        args = args[: match.start()] + args[match.end() :]
    pledge = await own_pledge(ctx, args)
    if pledge is None:
        await choose(ctx, "done")
        return
    await complete(ctx, pledge, hours)


async def complete(ctx: Context, pledge: Pledge, hours: float | None) -> None:
    if pledge.status is PledgeStatus.DONE:
        await ctx.reply(ctx.t("pledges.already_done", what=pledge.what))
        return
    if pledge.status not in ACTIVE and pledge.status is not PledgeStatus.LAPSED:
        raise UserFacingError("pledges.not_open", what=pledge.what)
    await ctx.storage.pledges.complete(pledge.id, hours=hours, now=ctx.now())
    if hours is not None:
        await ctx.reply(ctx.t("pledges.done_thanks", what=pledge.what))
        await offer_story(ctx, pledge)
        return
    buttons = [
        Button(ctx.t("pledges.hours_button", hours=label), f"pledge:hours:{pledge.id}:{h}")
        for label, h in HOUR_CHOICES
    ]
    buttons.append(Button(ctx.t("pledges.skip"), f"pledge:hours:{pledge.id}:-"))
    await ctx.reply(ctx.t("pledges.done_ask_hours", what=pledge.what), buttons=buttons)


async def withdraw_command(_event: Event, ctx: Context) -> None:
    pledge = await own_pledge(ctx, ctx.args)
    if pledge is None:
        await choose(ctx, "withdraw")
        return
    await withdraw(ctx, pledge)


async def withdraw(ctx: Context, pledge: Pledge) -> None:
    """Handing a task back is graceful: thanks, no questions; the place goes to someone else."""
    if pledge.status not in ACTIVE:
        raise UserFacingError("pledges.not_open", what=pledge.what)
    outcome = await ctx.storage.pledges.end(pledge.id, PledgeStatus.WITHDRAWN, now=ctx.now())
    await ctx.reply(ctx.t("pledges.withdrawn", what=pledge.what))
    await place_reopened(ctx, outcome)


async def place_reopened(ctx: ServiceContext, outcome: PledgeOutcome) -> None:
    """After a pledge ended: welcome the first on the waiting list, or invite the next match."""
    call = outcome.call
    if call is None:
        return
    if outcome.promoted is not None and outcome.promoted.member_id is not None:
        member = await ctx.storage.members.get(outcome.promoted.member_id)
        if member is not None:
            t = Translator(member.language)
            await ctx.send_many(
                [
                    Outgoing(
                        f"pledge:{outcome.promoted.id}:promoted",
                        Reply(t("pledges.promoted", title=call.title, id=outcome.promoted.id)),
                        member_id=member.id,
                    )
                ]
            )
    elif outcome.place_reopened:
        await invite_matches(ctx, call, count=1)


async def pressed(_event: Event, ctx: Context) -> None:
    action, _, rest = ctx.args.partition(":")
    ref, _, value = rest.partition(":")
    if action == "nodate":
        data = ctx.conversation.data if ctx.conversation else {}
        if "what" not in data:
            await ctx.reply(ctx.t("common.button_expired"))
            return
        await create(ctx, data["what"], None, False)
        return
    pledge = await own_pledge(ctx, ref, statuses=tuple(PledgeStatus))
    if pledge is None:
        return
    if action == "done":
        await complete(ctx, pledge, None)
    elif action == "withdraw":
        await withdraw(ctx, pledge)
    elif action == "hours":
        if value != "-":
            await ctx.storage.pledges.set_hours(pledge.id, float(value))
        await ctx.reply(ctx.t("pledges.done_thanks", what=pledge.what))
        await offer_story(ctx, pledge)
    elif action == "later":
        await ctx.expect(FLOW, "new_date", pledge=pledge.id)
        await ctx.reply(ctx.t("pledges.ask_new_date", what=pledge.what))


async def mine(_event: Event, ctx: Context) -> None:
    open_ones = await ctx.storage.pledges.of_member(ctx.member.id)
    recent_done = [
        p
        for p in await ctx.storage.pledges.of_member(ctx.member.id, (PledgeStatus.DONE,))
        if p.done_at and p.done_at > ctx.now() - timedelta(days=30)
    ]
    if not open_ones and not recent_done:
        await ctx.reply(ctx.t("pledges.nothing_yet"))
        return
    lines = [ctx.t("pledges.mine_intro")]
    lines += [
        pledge_line(ctx.t, p, tz=ctx.member.timezone, now=ctx.now())
        for p in [*open_ones, *recent_done]
    ]
    buttons = [
        Button(ctx.t("pledges.done_button", id=p.id), f"pledge:done:{p.id}") for p in open_ones[:4]
    ]
    if not ctx.in_direct_chat:  # one's own list is nobody else's business
        await ctx.reply(ctx.t("common.sent_privately"))
    await ctx.reply_direct("\n".join(lines), buttons=buttons)


def register(router: Router) -> None:
    router.command("doe", "do", "toezeggen", "pledge")(do_command)
    router.command("klaar", "done", "gedaan")(done_command)
    router.command("afzeggen", "withdraw", "teruggeven")(withdraw_command)
    router.command("mijn", "mine", "toezeggingen", "pledges")(mine)
    router.flow(FLOW)(answer)
    router.button("pledge")(pressed)
    router.phrase(r"^\s*(?:ik\s+(?:ga|zal|kom)|i(?:'ll|\s+will))\s+(?P<what>.+)$")(do_phrase)

"""``/hulp`` and the friendly answer to anything the bot did not understand."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actions.buttons import AskNevermind, JoinCall, PledgeLater, PledgeMove, PledgeWithdraw
from actions.calls import call_meant
from actions.permissions import Permission, allowed
from actions.pledges import past_due
from actions.wording import first_name, when_text
from bot.context import Context
from bot.core import Button, Event
from bot.router import Router
from bot.when import When, parse_when
from handlers.common import (
    call_by_meaning,
    calls_to_answer,
    never_mind,
    offer_for_changed_plans,
)
from kennis.need import need
from kennis.understanding import (
    asks_a_fact,
    asks_about_own_call,
    asks_call_details,
    asks_if_ok,
    bad_news,
    bare_help,
    call_words,
    glad_news,
    good_night,
    hard_day,
    invitation,
    laughing,
    lost_or_found,
    news,
    opinion,
    praise,
    said_to_all,
    solved,
    to_a_member,
    wants_nothing,
)
from storage.repositories.calls import Call, CallStatus, Pledge, PledgeStatus


def make_help(topics: Sequence[str]):
    """The help handler lists one catalog line per feature, in the order features register."""

    async def show_help(_event: Event, ctx: Context) -> None:
        # Examples name a cell that exists (none: the example goes without one); a cell added
        # by another process may take half a minute to show up here.
        cells = await ctx.storage.networks.cells_recent(ctx.network.id)
        cell = f" #{cells[0].name}" if cells else ""
        lines = [ctx.t("help.intro")] + [ctx.t(f"help.{topic}", cell=cell) for topic in topics]
        links = ctx.platforms.group_links()
        if links and allowed(ctx.member, Permission.GROUP_NEWS):  # who adds the bot to groups
            lines.append(ctx.t("help.add_to_group", links=" ".join(links)))
        await ctx.reply("\n".join(lines))

    return show_help


async def not_understood(_event: Event, ctx: Context) -> None:
    suggestion = ctx.route.name if ctx.route.kind == "fallback" else ""
    if suggestion:  # "/oproepn": the command meant, most likely
        await ctx.reply(ctx.t("help.unknown_command", command=f"/{suggestion}"))
        return
    key = "help.not_understood" if ctx.member.onboarded else "help.not_understood_new"
    await ctx.reply(ctx.t(key))


async def greeted(_event: Event, ctx: Context) -> None:
    """Hello back, by first name, with what to ask (or how to join, for a newcomer); good
    night back to a good night."""
    name = first_name(ctx.member.display_name)
    if good_night(ctx.text):
        await ctx.reply(ctx.t("help.good_night", name=name))
        return
    key = "help.greeting" if ctx.member.onboarded else "help.greeting_new"
    await ctx.reply(ctx.t(key, name=name))


async def chatted(_event: Event, ctx: Context) -> None:
    """Spoken to with something that is no request, question or pledge: a friendly pointer
    to what the bot is for, never a bare "I did not understand". Asking whether a way of
    taking part is all right ("I can only come after 3, is that ok?") is for the organiser
    of the call the member joined last: the bot names them rather than decide."""
    details = asks_call_details(ctx.text)  # "wat moet ik meenemen?"
    if details or asks_if_ok(ctx.text):
        organiser = await last_joined_organiser(ctx)
        if organiser is not None:
            name, title = organiser
            key = "help.organiser_knows" if details else "help.ask_organiser"
            await ctx.reply(ctx.t(key, name=name, title=title))
            return
        if details:  # about a call they are not in: which one, then?
            await ctx.reply(ctx.t("help.which_call"))
            return
    if asks_about_own_call(ctx.text):
        named = await _named_call_news(ctx)
        if named is None and (other := await _open_call_named(ctx)) is not None:
            # "gaat de kerstmarkt nog door?" from someone not in it: yes, and join?
            when = when_text(
                ctx.t, other.starts_at, other.has_time, tz=ctx.member.timezone, now=ctx.now()
            )
            await ctx.reply(
                ctx.t("help.open_call_on", title=other.title, when=when),
                buttons=[Button(ctx.t("calls.join"), JoinCall(other.id).encode())],
            )
            return
        # "is it still on?" with no call of one's own: which one, then?
        said = named or await own_call_news(ctx, named=False)
        await ctx.reply(said if said is not None else ctx.t("help.which_call"))
        return
    where = "direct" if ctx.in_direct_chat else "group"
    if await offer_for_changed_plans(ctx):  # "de kerstmarkt verzetten naar 20 december"
        return
    if to_a_member(ctx.text):
        # "@vonk @Kees jij zou toch de ballen oppompen?": for Kees; in the group the bot keeps
        # out of it, in a direct chat it says it passes no messages on
        if ctx.in_direct_chat:
            await ctx.reply(ctx.t("help.to_a_member"))
        return
    wanted = need(ctx.text)
    if solved(wanted) or said_to_all(ctx.text):
        # "de wasmachine is gemaakt, dus mijn vraag mag van de lijst", "houses that want to
        # join can put a light in the window": good to know, and the neighbours should hear it
        await ctx.reply(ctx.t(f"help.news_{where}"))
        return
    if wants_nothing(ctx.text):  # "I don't need anything, I just had to say it"
        await ctx.reply(ctx.t("help.shared"))
        return
    if lost_or_found(ctx.text):  # the neighbours read along; the bot keeps no lost property
        await ctx.reply(ctx.t(f"help.lost_or_found_{where}"))
        return
    if invitation(wanted):  # company for an outing: the neighbours, not the bot
        await ctx.reply(ctx.t(f"help.invitation_{where}"))
        return
    if asks_a_fact(wanted):  # a fact, which the bot does not know; the neighbours may
        await ctx.reply(ctx.t(f"help.fact_{where}"))
        return
    if praise(wanted):  # "goeie sessie gisteren": the organisers will be glad to hear it
        await ctx.reply(ctx.t(f"help.praise_{where}"))
        return
    if news(wanted):  # "de ludieke actie is goedgekeurd": good news all the same
        await ctx.reply(ctx.t(f"help.news_{where}"))
        return
    if bad_news(wanted):  # a theft or damage: sympathy, and the neighbours should know
        await ctx.reply(ctx.t(f"help.bad_news_{where}"))
        return
    if never_mind(ctx.text):  # "hmm nee laat maar", after an answer it did not want
        await ctx.reply(ctx.t("ask.nevermind"))
        return
    if laughing(ctx.text):  # a joke told to the bot ("… ? to get its quarter back 😂")
        await ctx.reply(ctx.t("help.laugh"))
        return
    if hard_day(ctx.text):  # "dad was so confused again today, exhausting": to be heard
        await ctx.reply(ctx.t("help.shared"))
        return
    if glad_news(ctx.text):  # "vannacht voor het eerst in maanden doorgeslapen"
        await ctx.reply(ctx.t("help.glad"))
        return
    if opinion(ctx.text):  # a view can become a call: that is what the network is for
        await ctx.reply(ctx.t("help.opinion"))
        return
    if (moved := await typed_new_moment(ctx)) is not None:
        # "volgende week zaterdag dan?" after "Gelukt?": that pledge, to that moment?
        pledge, at, has_time = moved
        when = when_text(ctx.t, at, has_time, tz=ctx.member.timezone, now=ctx.now())
        minute = int(at.timestamp()) // 60
        await ctx.reply(
            ctx.t("help.move_pledge_offer", what=pledge.what, when=when),
            buttons=[
                Button(
                    ctx.t("help.move_pledge_yes"), PledgeMove(pledge.id, minute, has_time).encode()
                ),
                Button(ctx.t("common.no"), AskNevermind().encode()),
            ],
        )
        return
    if _NOT_DONE.match(ctx.text) and (passed := await passed_pledge(ctx)) is not None:
        # "nee het regende te hard" after "Gelukt?": not done; another time, or hand it back
        await ctx.reply(
            ctx.t("help.not_done_choice", what=passed.what),
            buttons=[
                Button(ctx.t("nudges.more_time"), PledgeLater(passed.id).encode()),
                Button(ctx.t("nudges.hand_back"), PledgeWithdraw(passed.id).encode()),
            ],
        )
        return
    key = "help.chatter" if ctx.member.onboarded else "help.not_understood_new"
    await ctx.reply(ctx.t(key))


CALLED_OFF_NEWS = timedelta(days=14)  # how long "is it still on?" hears a call was called off


# "nee, het regende te hard", "no, the weather was awful": a no with a reason, no question.
_NOT_DONE = re.compile(r"^\W*(?:nee|no|nope|helaas|jammer\s+genoeg)\b[^?]*\w[^?]*$", re.IGNORECASE)


# What may stand around a typed moment that offers a new date: "volgende week zaterdag dan?",
# "morgen?", "how about friday?".
_ONLY_A_MOMENT = re.compile(
    r"^\W*(?:dan|then|misschien|maybe|of|or|anders|otherwise|how\s+about|what\s+about|kan\s+het"
    r"|kan\s+ook|is\s+dat\s+goed|instead|in\s+plaats\s+daarvan|\s)*\W*$",
    re.IGNORECASE,
)


#: How recent a pledge of one's own is for a moment typed on its own to correct its day
#: ("na de kerst" recorded, then "eind januari dan").
JUST_MADE = timedelta(minutes=15)


async def typed_new_moment(ctx: Context) -> tuple[Pledge, datetime, bool] | None:
    """A moment typed on its own, ahead, while one pledge's moment has passed, or right after
    one pledge of one's own was recorded: the member proposes a new one for it."""
    found = parse_when(ctx.text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    if not isinstance(found, When) or not _ONLY_A_MOMENT.match(found.rest):
        return None
    if found.at <= ctx.now():
        return None
    pledge = await passed_pledge(ctx) or await _just_made(ctx)
    if pledge is None:
        return None
    tz = ZoneInfo(ctx.member.timezone)
    if (
        not found.has_time
        and pledge.due_at is not None
        and pledge.due_at.astimezone(tz).date() == found.at.astimezone(tz).date()
    ):
        return None  # "monday" right after a pledge for Monday: that is when it is already
    at = found.at if found.has_time else found.at.replace(hour=20)  # a day: that evening
    return pledge, at, found.has_time


async def _just_made(ctx: Context) -> Pledge | None:
    """The one pledge of one's own (not for a call, whose moment it follows) recorded in the
    last minutes, else None."""
    recent = [
        p
        for p in await ctx.storage.pledges.of_member(ctx.member.id)
        if p.call_id is None and p.created_at >= ctx.now() - JUST_MADE
    ]
    return recent[0] if len(recent) == 1 else None


async def passed_pledge(ctx: Context) -> Pledge | None:
    """The member's only open pledge whose moment has passed (the one "Gelukt?" asks
    about), else None."""
    passed = await past_due(ctx, ctx.member)
    return passed[0] if len(passed) == 1 else None


async def own_call_news(ctx: Context, *, named: bool = True) -> str | None:
    """For "is it still on?", "hoe laat was het ook alweer?": the member's next call (where
    they take part or wait for a place) with its moment, else that their call already
    happened (nothing reported yet), or that the one they took part in was called off (its
    moment at most two weeks ago); None when there is none of these."""
    said = await _named_call_news(ctx) if named else None
    if said is not None:
        return said
    # The pledge's own moment: it follows its call, and moves when the member is given more
    # time ("volgende week zaterdag dan?" after "Gelukt?").
    active = [p for p in await ctx.storage.pledges.of_member(ctx.member.id) if p.call_id]
    upcoming = [p for p in active if p.due_at is None or p.due_at >= ctx.now()]
    pledge: Pledge | None
    if upcoming:
        # Dated ones first, soonest first (two undated ones compare equal: None == None).
        pledge = min(upcoming, key=lambda p: (p.due_at is None, p.due_at))
        waiting = pledge.status == PledgeStatus.WAITING
        key = "help.own_call_waiting" if waiting else "help.own_call"
    else:
        # Its moment has passed and nothing was reported yet: it already happened.
        passed = [
            p
            for p in await past_due(ctx, ctx.member)
            if p.call_id and p.status != PledgeStatus.WAITING
        ]
        pledge = max(passed, key=lambda p: (p.due_at, p.id)) if passed else None
        key = "help.own_call_past"
    if pledge is not None and (call := await ctx.storage.calls.get(pledge.call_id or 0)):
        tz = ctx.member.timezone
        when = when_text(ctx.t, pledge.due_at, pledge.due_has_time, tz=tz, now=ctx.now())
        return ctx.t(key, title=call.title, when=when, id=pledge.id)
    handed_back = await ctx.storage.pledges.of_member(
        ctx.member.id, statuses=(PledgeStatus.WITHDRAWN,)
    )
    for back in sorted(handed_back, key=lambda p: p.id, reverse=True):
        ended = await ctx.storage.calls.get(back.call_id or 0)
        if ended is not None and _called_off_lately(ended, ctx.now()):
            return ctx.t("calls.closed_cancelled", title=ended.title)
    return None


async def _named_call_news(ctx: Context) -> str | None:
    """For "is the bench painting still on?": the member's call the words name, when they
    name one of them (their next call may be another one): ahead, waiting, passed, or called
    off (handed back for it at most two weeks ago, as below). None when the words name none."""
    active = [p for p in await ctx.storage.pledges.of_member(ctx.member.id) if p.call_id]
    handed_back = [
        p
        for p in await ctx.storage.pledges.of_member(
            ctx.member.id, statuses=(PledgeStatus.WITHDRAWN,)
        )
        if p.call_id
    ]
    calls = {
        c.id: c
        for c in await ctx.storage.calls.get_many(
            p.call_id for p in active + handed_back if p.call_id
        )
    }
    called_off = [
        calls[p.call_id]
        for p in handed_back
        if p.call_id in calls and _called_off_lately(calls[p.call_id], ctx.now())
    ]
    theirs = [calls[p.call_id] for p in active if p.call_id in calls] + called_off
    tz = ctx.member.timezone
    meant = call_meant(theirs, ctx.text, None, tz=ZoneInfo(tz))
    if meant is None:
        return None
    pledge = next((p for p in active if p.call_id == meant.id), None)
    if pledge is None:
        return ctx.t("calls.closed_cancelled", title=meant.title)
    when = when_text(ctx.t, pledge.due_at, pledge.due_has_time, tz=tz, now=ctx.now())
    if pledge.due_at is not None and pledge.due_at < ctx.now():
        key = "help.own_call_past"
    else:
        waiting = pledge.status == PledgeStatus.WAITING
        key = "help.own_call_waiting" if waiting else "help.own_call"
    return ctx.t(key, title=meant.title, when=when, id=pledge.id)


async def _open_call_named(ctx: Context) -> Call | None:
    """The open call (of someone else) the words name by its title, for a member who does not
    take part in it ("gaat de kerstmarkt nog door?")."""
    calls = await calls_to_answer(ctx)
    named = call_meant(calls, ctx.text, None, tz=ZoneInfo(ctx.member.timezone))
    if named is None and (words := call_words(ctx.text)):
        # "is the soup thing still happening?" for "Soep koken voor de buurtmaaltijd"
        named = await call_by_meaning(ctx, calls, words, naming=True)
    return named


def _called_off_lately(call: Call, now: datetime) -> bool:
    """Cancelled, its moment at most CALLED_OFF_NEWS ago (or without one)."""
    return call.status == CallStatus.CANCELLED and (
        call.starts_at is None or call.starts_at >= now - CALLED_OFF_NEWS
    )


async def last_joined_organiser(ctx: Context) -> tuple[str, str] | None:
    """The organiser's name and the title of the call the member most recently joined and
    still takes part in (None: no such call, or its organiser is gone)."""
    pledges = [p for p in await ctx.storage.pledges.of_member(ctx.member.id) if p.call_id]
    if not pledges:
        return None
    newest = max(pledges, key=lambda p: (p.created_at, p.id))
    call = await ctx.storage.calls.get(newest.call_id or 0)
    if call is None or call.initiator_id is None or call.initiator_id == ctx.member.id:
        return None
    initiator = await ctx.storage.members.get(call.initiator_id)
    if initiator is None:
        return None
    return initiator.display_name, call.title


def register(router: Router, topics: Sequence[str]) -> None:
    show_help = make_help(topics)
    router.command("hulp", "help", "h")(show_help)
    router.understood("greeting")(greeted)

    async def other(event: Event, ctx: Context) -> None:
        if bare_help(ctx.text):  # "help", "menu", "?" typed without the slash: /hulp itself
            await show_help(event, ctx)
        else:
            await chatted(event, ctx)

    router.understood("other")(other)
    router.fallback(not_understood)

"""Doe-bijdragen in the chat: ``/doe``, ``/klaar``, ``/afzeggen``, ``/mijn`` and their buttons.

Deciding and writing is :mod:`actions.pledges`; this module reads what the member typed or
pressed and words the replies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from actions.buttons import (
    JoinCall,
    PledgeAsTyped,
    PledgeDone,
    PledgeHours,
    PledgeLater,
    PledgeMove,
    PledgeNoDate,
    PledgeWithdraw,
    SkipStory,
)
from actions.calls import call_meant
from actions.pledges import (
    MAX_HOURS,
    make_pledge,
    mark_done,
    own_pledge,
    past_due,
    record_hours,
    reschedule,
    withdraw,
)
from actions.wording import when_text
from bot.context import Context
from bot.core import Button, Event
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.numbers import parse_hours, parse_id
from bot.router import Router
from bot.when import InvalidWhen, parse_when
from handlers.common import (
    HAND_BACK_FLOW,
    PLEDGE_FOR_CALL_FLOW,
    STORY_FLOW,
    calls_to_answer,
    date_words,
    join_and_tell,
    never_mind,
    not_yes_or_no,
    pledge_named,
    pledges_on_the_day_named,
    ruled_out,
    skipped,
    something_new,
    yes_or_no,
)
from kennis.need import offered
from kennis.understanding import giving_away, standing_offer
from storage.repositories.calls import ACTIVE, Call, Pledge, PledgeStatus

if TYPE_CHECKING:
    from storage.records import Conversation

FLOW = "pledge"
#: "Wanneer denk je het te doen?", "Hoeveel uur?" and "Welke nieuwe datum?" stay open this
#: long; later, what the member says is read on its own (not refused as a date). An unanswered
#: "when" records no pledge: the member never confirmed it.
PLEDGE_QUESTION_LASTS = timedelta(hours=24)
#: "Hoort dat bij oproep 3?" takes a typed "ja" or "nee" this long.
PLEDGE_FOR_CALL_LASTS = timedelta(minutes=30)
_UNIT = re.compile(
    r"^(?:[^\W_]*?(?:u|uur|uurtjes?|uren|h|hours?|min|minuten|minuut|minutes?)|kwartier)$",
    re.IGNORECASE,
)
_NUMBERISH = re.compile(r"[0-9]")
_REF = re.compile(r"#?([0-9]+)\b")
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
    await pledge_or_join(ctx, match.group("what") if match else ctx.text)


async def understood_pledge(_event: Event, ctx: Context) -> None:
    """Words read as a pledge ("ik kan zaterdag flyers rondbrengen"): recorded as one, asking
    for a date when none was said. An offer to whoever needs it ("anyone can borrow my bike
    pump") has no date and nothing to report back: it belongs in the profile, where the next
    question for it finds the member. A thing given away is for the neighbours to claim: the
    bot matches skills, not things."""
    if giving_away(ctx.text):
        where = "direct" if ctx.in_direct_chat else "group"
        await ctx.reply(ctx.t(f"pledges.giving_away_{where}"))
        return
    if not ctx.member.onboarded:
        # "i can fix bikes": from someone not signed up yet, a skill rather than a pledge
        await ctx.reply(ctx.t("pledges.sign_up_first"))
        return
    if standing_offer(ctx.text):
        await ctx.reply(ctx.t("pledges.standing_offer"))
        return
    await pledge_or_join(ctx, offered(ctx.text))


async def pledge_or_join(ctx: Context, text: str) -> None:
    """A pledge typed in words; one that names an open call is asked about first."""
    call = await _call_meant(ctx, text)
    if call is not None:
        # "I'll come to the fence thing on saturday": joining that call, most likely; a
        # pledge of its own would leave the call's count short. The member says which.
        when = when_text(
            ctx.t, call.starts_at, call.has_time, tz=ctx.member.timezone, now=ctx.now()
        )
        # Asked privately: in a group anyone could press "Nee, iets van mezelf" and take
        # these words as their own pledge. A typed "ja" or "nee" counts too.
        await ctx.reply_direct(
            ctx.t("pledges.about_call", id=call.id, title=call.title, when=when),
            buttons=[
                Button(ctx.t("pledges.join_that_call", id=call.id), JoinCall(call.id).encode()),
                Button(ctx.t("pledges.own_pledge"), PledgeAsTyped(text).encode()),
            ],
        )
        await ctx.expect(PLEDGE_FOR_CALL_FLOW, "answer", call_id=call.id, text=text)
        return
    await pledge_from_text(ctx, text)


async def typed_for_call(_event: Event, ctx: Context) -> None:
    """ "ja" under "Hoort dat bij oproep 3?" joins the call; "nee" records the pledge as typed
    (anything else is read on its own: the flow lets it go)."""
    data = ctx.conversation.data if ctx.conversation else {}
    await ctx.finish()
    if yes_or_no(ctx.args):
        call = await ctx.storage.calls.get(int(data.get("call_id", 0)))
        if call is not None:
            await join_and_tell(ctx, call)
            return
    await pledge_from_text(ctx, str(data.get("text", "")))


async def _call_meant(ctx: Context, text: str) -> Call | None:
    """The open call a pledge's words are about, if one plainly is: on the day the pledge
    names, sharing a title word (not the member's own call, nor one they answered already).
    A pledge without a day is never taken for a call: "ik kan de heg van het buurthuis
    snoeien" shares only the place with "Bankjes schilderen bij het buurthuis"."""
    tz = ZoneInfo(ctx.member.timezone)
    found = parse_when(text, now=ctx.now(), tz=tz)
    if found is None or isinstance(found, InvalidWhen):
        return None
    return call_meant(await calls_to_answer(ctx), found.rest, found.at.astimezone(tz).date(), tz=tz)


async def typed_pledge_pressed(press: PledgeAsTyped, ctx: Context) -> None:
    """Not about that call after all: the pledge as the member typed it."""
    await pledge_from_text(ctx, press.text)


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
            buttons=[Button(ctx.t("pledges.no_date"), PledgeNoDate().encode())],
        )
        return
    await create(ctx, what, *due(found.at, found.has_time))


# A repetition word the date took its day from ("walk the dog every morning next week" left
# "walk the dog every"): it says nothing without that day.
_DANGLING = re.compile(r"\s+(?:every|each|elke|iedere|ieder|om\s+de)$", re.IGNORECASE)


def clean_what(text: str) -> str:
    text = re.sub(r"^\s*/\w+(?:@\w+)?\s*", "", text)
    return _DANGLING.sub("", " ".join(text.split()).strip(" ,.!")).strip(" ,.!")[:300]


def due(at: datetime, has_time: bool) -> tuple[datetime, bool]:
    if has_time:
        return at, True
    return at.replace(hour=END_OF_DAY[0], minute=END_OF_DAY[1]), False


async def create(ctx: Context, what: str, due_at: datetime | None, has_time: bool) -> None:
    await ctx.finish()
    pledge = await make_pledge(ctx, ctx.member, what, due_at, has_time)
    when = when_text(ctx.t, due_at, has_time, tz=ctx.member.timezone, now=ctx.now())
    await ctx.reply(ctx.t("pledges.saved", what=pledge.what, when=when, id=pledge.id))


async def answer(_event: Event, ctx: Context) -> None:
    data = ctx.conversation.data if ctx.conversation else {}
    step, text = ctx.conversation.step if ctx.conversation else "", ctx.args.strip()
    if step == "when":
        if never_mind(text):  # "laat maar", "stop": nothing was promised yet
            await ctx.finish()
            await ctx.reply(ctx.t("pledges.not_recorded"))
            return
        if text.casefold() in ("geen", "nee", "none", "no", "-") or skipped(text):
            await create(ctx, data["what"], None, False)
            return
        no_date = [Button(ctx.t("pledges.no_date"), PledgeNoDate().encode())]
        if (moment := await typed_due(ctx, text, no_date)) is not None:
            await create(ctx, data["what"], *moment)
    elif step == "hours":
        pledge = await own_pledge(ctx, ctx.member, int(data["pledge"]))
        if skipped(text):
            await ctx.finish()
        else:
            hours = parse_hours(text, high=MAX_HOURS)
            if hours is None:
                await ctx.reply(ctx.t("pledges.hours_again", max=int(MAX_HOURS)))
                return
            await ctx.finish()
            await record_hours(ctx, ctx.member, pledge, hours)
        await ctx.reply(ctx.t("pledges.done_thanks", what=pledge.what))
        await offer_story(ctx, pledge)
    elif step == "new_date":
        if (moment := await typed_due(ctx, text)) is None:
            return
        await ctx.finish()
        at, has_time = moment
        pledge = await own_pledge(ctx, ctx.member, int(data["pledge"]))
        await reschedule(ctx, ctx.member, pledge, at, has_time)
        await ctx.reply(
            ctx.t(
                "pledges.rescheduled",
                when=when_text(ctx.t, at, has_time, tz=ctx.member.timezone, now=ctx.now()),
            )
        )


async def typed_due(
    ctx: Context, text: str, buttons: Sequence[Button] = ()
) -> tuple[datetime, bool] | None:
    """The due moment typed as an answer to "when?"; None, after saying so and asking again,
    when the words hold no date or rule the one they name out ("zondag kan ik niet")."""
    found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    if found is None or isinstance(found, InvalidWhen):
        await ctx.reply(ctx.t("pledges.bad_date", text=text), buttons=buttons)
        return None
    if ruled_out(text):
        await ctx.reply(ctx.t("pledges.when_ruled_out"), buttons=buttons)
        return None
    return due(found.at, found.has_time)


async def no_date_pressed(_press: PledgeNoDate, ctx: Context) -> None:
    data = ctx.conversation.data if ctx.conversation and ctx.conversation.flow == FLOW else {}
    if "what" not in data:
        await ctx.reply(ctx.t("common.button_expired"))
        return
    await create(ctx, data["what"], None, False)


# -- ending a pledge ----------------------------------------------------------------------------
async def named_pledge(ctx: Context, ref: str) -> Pledge | None:
    """The pledge named by ``ref``, or the only open one; None when a choice is needed."""
    match = _REF.match(ref.strip())
    if match:
        pledge_id = parse_id(match.group(1))
        if pledge_id is None:
            raise NotFound("pledges.not_found", id=match.group(1))
        return await own_pledge(ctx, ctx.member, pledge_id)
    mine = await ctx.storage.pledges.of_member(ctx.member.id, ACTIVE)
    if not mine:
        raise UserFacingError("pledges.none_open")
    return mine[0] if len(mine) == 1 else None


async def choose(ctx: Context, action: str) -> None:
    kind = PledgeDone if action == "done" else PledgeWithdraw
    mine = await ctx.storage.pledges.of_member(ctx.member.id)
    buttons = [Button(f"#{p.id} {p.what}"[:60], kind(p.id).encode()) for p in mine[:8]]
    await ctx.reply(ctx.t(f"pledges.choose_{action}"), buttons=buttons)


def typed_hours(text: str) -> tuple[float | None, str]:
    """'2 uur', '1,5 u', 'anderhalf uur', '90 minuten' -> hours, and the text without them.
    A number with an hours word that is not 0 < h <= MAX_HOURS ('-5 uur', '1e9 uur',
    '99999 uur') is refused, never read as something else."""
    words = [w.strip(",.;:!?") or w for w in text.split()]  # "2 hours, everyone loved it"
    for end, word in enumerate(words):
        if not _UNIT.match(word):
            continue
        for start in range(max(0, end - 4), end + 1):  # the longest amount first
            hours = parse_hours(" ".join(words[start : end + 1]), high=MAX_HOURS)
            if hours is not None:
                return hours, " ".join(words[:start] + words[end + 1 :])
        before = words[end - 1] if end else word
        if _NUMBERISH.search(before) or _NUMBERISH.search(word):
            raise UserFacingError("pledges.hours_invalid", max=int(MAX_HOURS))
    return None, text


async def done_command(_event: Event, ctx: Context) -> None:
    """``/klaar``, ``/klaar 12``, ``/klaar 12 2 uur``."""
    hours, rest = typed_hours(ctx.args)
    pledge = await named_pledge(ctx, rest)
    if pledge is None:
        await choose(ctx, "done")
        return
    await complete(ctx, pledge, hours)


async def complete(ctx: Context, pledge: Pledge, hours: float | None) -> None:
    await mark_done(ctx, ctx.member, pledge, hours)
    if hours is not None:
        await ctx.reply(ctx.t("pledges.done_thanks", what=pledge.what))
        await offer_story(ctx, pledge)
        return
    buttons = [
        Button(ctx.t("pledges.hours_button", hours=label), PledgeHours(pledge.id, h).encode())
        for label, h in HOUR_CHOICES
    ]
    buttons.append(Button(ctx.t("pledges.skip"), PledgeHours(pledge.id, None).encode()))
    await ctx.expect(FLOW, "hours", pledge=pledge.id)  # a typed answer counts as well
    await ctx.reply(ctx.t("pledges.done_ask_hours", what=pledge.what), buttons=buttons)


async def offer_story(ctx: Context, pledge: Pledge) -> None:
    """After a pledge is done: ask, privately, how it went (handlers/stories.py answers)."""
    await ctx.expect(STORY_FLOW, "text", pledge=pledge.id)
    await ctx.reply_direct(
        ctx.t("stories.ask", what=pledge.what),
        buttons=[Button(ctx.t("stories.skip"), SkipStory().encode())],
    )


async def withdraw_command(_event: Event, ctx: Context) -> None:
    pledge = await named_pledge(ctx, ctx.args)
    if pledge is None:
        await choose(ctx, "withdraw")
        return
    await hand_back(ctx, pledge)


async def hand_back(ctx: Context, pledge: Pledge) -> None:
    """Handing a task back is graceful: thanks, no questions; the place goes to someone else."""
    await withdraw(ctx, ctx.member, pledge)
    await ctx.reply(ctx.t("pledges.withdrawn", what=pledge.what))


async def asked_about(ctx: Context) -> Pledge | None:
    """The pledge a typed "gelukt" or "lukt niet" answers: the only open one whose moment has
    passed (the one "Gelukt?" asked about), else the only open one; None when a choice is
    needed."""
    mine = await ctx.storage.pledges.of_member(ctx.member.id, ACTIVE)
    if not mine:
        raise UserFacingError("pledges.none_open")
    for candidates in (pledges_on_the_day_named(ctx, mine), await past_due(ctx, ctx.member), mine):
        if len(candidates) == 1:
            return candidates[0]
    return None


#: How long after its day a pledge that lapsed unanswered can still be reported done in words.
LAPSED_STILL_DONE = timedelta(days=60)


async def done_typed(_event: Event, ctx: Context) -> None:
    """'Gelukt!', 'ja, gedaan, 2 uur', 'done': the answer to "Gelukt?" in words. With nothing
    open, the one pledge that lapsed unanswered in the last two months is the one meant: the
    work was done all the same, and is counted."""
    hours, _ = typed_hours(ctx.args)
    active = await ctx.storage.pledges.of_member(ctx.member.id, ACTIVE)
    since = ctx.now() - LAPSED_STILL_DONE
    lapsed = [
        p
        for p in await ctx.storage.pledges.of_member(ctx.member.id, (PledgeStatus.LAPSED,))
        if p.due_at is not None and p.due_at >= since
    ]
    # The pledge the words name ("did it! everyone loved the soup"); else, with none open
    # that is due by today (a call next week is not done yet), the one that lapsed.
    named = await pledge_named(ctx, [*active, *lapsed], ctx.args)
    end_of_today = ctx.now() + timedelta(days=1)
    due = [p for p in active if p.due_at is None or p.due_at <= end_of_today]
    if named is None and not due and len(lapsed) == 1:
        named = lapsed[0]
    if named is not None:
        await complete(ctx, named, hours)
        return
    pledge = await asked_about(ctx)
    if pledge is None:
        await choose(ctx, "done")
        return
    await complete(ctx, pledge, hours)


# 'Lukt niet', 'lukt toch niet, sorry', 'sorry, ik kan toch niet komen', 'actually I can't
# make it saturday': a pledge handed back in words, before or after its day. Only short lines
# with a few words of time or regret after it: "het lukt niet om in te loggen" asks for help.
NOT_GOING = (
    r"^\W*(?:(?:nee|no|sorry|helaas|actually|eigenlijk|oh|oops|oeps|oei|wacht|wait|hmm+|ah|ai"
    r"|ugh|damn|shoot)\W+)*"
    # "zaterdag gaat toch niet lukken", "saturday I can't make it"
    r"(?:(?:\w+dag|morgen|vanavond|vandaag|tomorrow|tonight|today|\w+day)\W+)?"
    r"(?:het\s+)?(?:is\s+)?(?:niet\s+gelukt|lukt(?:e)?\s+(?:het\s+)?(?:me\s+|mij\s+)?"
    r"(?:toch\s+|helaas\s+|echt\s+)?niet|ging\s+niet(?:\s+door)?|ik\s+geef\s+het\s+terug"
    r"|gaat\s+(?:me\s+|mij\s+|het\s+)?(?:toch\s+|helaas\s+|echt\s+)?niet\s+lukken"
    r"|(?:ik\s+)?red\s+het\s+(?:toch\s+|helaas\s+)?niet"
    r"|teruggeven|(?:ik\s+)?kan\s+(?:toch\s+|helaas\s+|echt\s+)?niet(?:\s+(?:komen|meer))?"
    # after a moment, the verb first: "zondag kan ik niet"
    r"|kan\s+ik\s+(?:toch\s+|helaas\s+|echt\s+)?niet(?:\s+(?:komen|meer))?"
    r"|didn'?t\s+work|i\s+couldn'?t(?:\s+make\s+it)?|i\s+can'?t(?:\s+(?:make\s+it|come))?"
    r"|can'?t\s+make\s+it|(?:i\s+)?won'?t\s+(?:be\s+able\s+to\s+)?(?:make\s+it|come)"
    r"|i\s+(?:have|need)\s+to\s+cancel|hand\s+(?:it\s+)?back)"
    r"(?:\W+(?:sorry|helaas|meer|toch|after\s+all|anymore|this\s+time|vandaag|morgen|today"
    r"|tomorrow|(?:op|on)\s+\w+|\w+dag|\w+day)){0,3}"
    # ... with a reason after a comma or 'want'/'omdat'/'because' ("…, mijn schoonmoeder is
    # jarig"), as long as it asks nothing ("het lukt niet, wie kan helpen?" is a request) and
    # describes no problem ("het lukt niet, mijn laptop start niet op" is one too).
    r"(?:(?:\s*[,;:.!-]+\s*|\s+(?=want\b|omdat\b|because\b|since\b))"
    r"(?![^?]*\b(?:iemand|anyone|anybody|someone|help|helpen|hulp|wie|who|niet|geen|kapot"
    r"|broken|not|cannot|\w+n't)\b)[^?]*)?"
    r"[^\w?]*$"
)


# 'Gelukt!', 'ja, gedaan, 2 uur', 'did it! took about 2 hours', 'het ging prima', 'het was
# super, we hebben alles ingepakt!': the work reported done in words.
DONE_WORDS = (
    r"^\W*(?:ja\W+|yes\W+|jazeker\W+|yep\W+)?"
    # how it was, before what was done: "het was super, …", "it was great, we …"
    r"(?:(?:het\s+was|it\s+was|was)\s+(?:echt\s+|heel\s+|really\s+|so\s+)?(?:super|leuk|gezellig"
    r"|geweldig|top|fijn|mooi|great|fun|lovely|amazing|brilliant)\W+)?"
    r"(?:het\s+is\s+|it\s+|it'?s\s+)?"
    r"(?:gelukt|gedaan|klaar|done|worked|all\s+done|finished"
    # "did it! took about 2 hours", "I managed it", "it went well", "het ging prima"
    r"|(?:i\s+|we\s+)?(?:did|managed)\s+it|went\s+(?:well|fine|great|ok(?:ay)?)"
    r"|(?:het\s+)?ging\s+(?:heel\s+|echt\s+)?(?:goed|prima|super|top|lekker)"
    # "we hebben alles ingepakt", "ik heb het gedaan", "we finished it"
    r"|(?:we|wij|ik)\s+(?:hebben|heb)\s+(?:het|alles|ze|hem)\s+"
    r"(?:(?!niet\b|nog\b|geen\b)\w+\s+){0,2}?(?:gedaan"
    r"|ingepakt|opgeruimd|gemaakt|afgemaakt|geschilderd|bezorgd|rondgebracht|gebracht|af|klaar)"
    r"|(?:we|i)\s+(?:finished|completed|packed|cleaned|painted|delivered)\s+(?:it|everything"
    r"|them|all))\b[^?]*$"
)


async def not_done_typed(_event: Event, ctx: Context) -> None:
    """'Lukt niet', 'niet gelukt', 'I couldn't': handing it back, in words."""
    if not await ctx.storage.pledges.of_member(ctx.member.id, ACTIVE):
        # "het lukt niet, mijn laptop start niet op": nothing to hand back, maybe a need.
        await ctx.reply(ctx.t("pledges.nothing_to_hand_back"))
        return
    pledge = await asked_about(ctx)
    if pledge is None:
        await choose(ctx, "withdraw")
        return
    await hand_back(ctx, pledge)


async def typed_hand_back(_event: Event, ctx: Context) -> None:
    """ "ja" or "nee" typed under "Wil je '…' teruggeven?" (anything else is read on its own:
    the flow lets it go)."""
    data = ctx.conversation.data if ctx.conversation else {}
    await ctx.finish()
    if yes_or_no(ctx.args):
        await hand_back(ctx, await own_pledge(ctx, ctx.member, int(data.get("pledge", 0))))
    else:
        await ctx.reply(ctx.t("ask.nevermind"))


async def more_time_typed(event: Event, ctx: Context) -> None:
    """'Meer tijd', 'more time': a new date is asked, as with the button."""
    pledge = await asked_about(ctx)
    if pledge is None:
        await mine(event, ctx)  # several open: the list, each with its own buttons
        return
    await ctx.expect(FLOW, "new_date", pledge=pledge.id)
    await ctx.reply(ctx.t("pledges.ask_new_date", what=pledge.what))


async def done_pressed(press: PledgeDone, ctx: Context) -> None:
    await complete(ctx, await own_pledge(ctx, ctx.member, press.pledge_id), None)


async def withdraw_pressed(press: PledgeWithdraw, ctx: Context) -> None:
    await hand_back(ctx, await own_pledge(ctx, ctx.member, press.pledge_id))


async def hours_pressed(press: PledgeHours, ctx: Context) -> None:
    pledge = await own_pledge(ctx, ctx.member, press.pledge_id)
    if press.hours is not None:
        await record_hours(ctx, ctx.member, pledge, press.hours)
    await ctx.reply(ctx.t("pledges.done_thanks", what=pledge.what))
    await offer_story(ctx, pledge)


async def move_pressed(press: PledgeMove, ctx: Context) -> None:
    """Yes to "Zal ik '…' verzetten naar …?"."""
    pledge = await own_pledge(ctx, ctx.member, press.pledge_id)
    at = datetime.fromtimestamp(press.minute * 60, UTC)
    await reschedule(ctx, ctx.member, pledge, at, press.has_time)
    tz = ctx.member.timezone
    when = when_text(ctx.t, at, press.has_time, tz=tz, now=ctx.now())
    await ctx.reply(ctx.t("pledges.rescheduled", when=when))


async def later_pressed(press: PledgeLater, ctx: Context) -> None:
    pledge = await own_pledge(ctx, ctx.member, press.pledge_id)
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
        Button(ctx.t("pledges.done_button", id=p.id), PledgeDone(p.id).encode())
        for p in open_ones[:4]
    ]
    if not ctx.in_direct_chat:  # one's own list is nobody else's business
        await ctx.reply(ctx.t("common.sent_privately"))
    await ctx.reply_direct("\n".join(lines), buttons=buttons)


# Typed where the bot asked "when?": a moment takes a few words; this many with none in them
# tell something else ("I'm a hopeless cook, honestly, and dad needs soft food now", after a
# "haha" that left the question open). Not for "how did it go?", whose answer is a story.
TOLD_AT_LENGTH = 8


def something_else_than_a_moment(text: str) -> bool:
    """Whether a message typed at this flow's questions is read on its own (the question stays
    open): :func:`handlers.common.something_new`, or a story of its own naming no moment."""
    if something_new(text):
        return True
    if len(text.split()) < TOLD_AT_LENGTH:
        return False
    # Only whether a moment is named: the clock does not matter.
    return parse_when(text, now=datetime.now(UTC), tz=ZoneInfo("UTC")) is None


# A new pledge, said ahead: "I'll walk the dog every morning next week", "ik ga morgen …".
_SAID_AHEAD = re.compile(r"^\W*(?:ik\s+(?:ga|zal|kom)|i(?:'ll|\s+will))\s+\w", re.IGNORECASE)


def _not_for_this_question(text: str, question: Conversation) -> bool:
    """Router.flow's ``lets_go``: asked for the hours, anything with no amount of time in it
    ("I'll walk the dog every morning next week", a question, a new pledge) is read on its
    own, and the question stays open; asked for a moment, see something_else_than_a_moment."""
    if question.step == "hours":
        try:
            hours, _ = typed_hours(text)
        except UserFacingError:
            return False  # "99999 uur": the answer, refused with its reason
        unanswered = hours is None and parse_hours(text, high=MAX_HOURS) is None
        # something new or said ahead, not an odd answer ("weet ik veel, een paar": asked again)
        ahead = _SAID_AHEAD.match(text) is not None
        return unanswered and not skipped(text) and (ahead or something_new(text))
    return something_else_than_a_moment(text)


def register(router: Router) -> None:
    router.command("doe", "do", "toezeggen", "pledge")(do_command)
    router.command("klaar", "done", "gedaan")(done_command)
    router.command("afzeggen", "withdraw", "teruggeven")(withdraw_command)
    router.command("mijn", "mine", "my", "toezeggingen", "pledges")(mine)
    router.flow(
        FLOW,
        lasts=PLEDGE_QUESTION_LASTS,
        lets_go=_not_for_this_question,
    )(answer)
    router.button(PledgeNoDate)(no_date_pressed)
    router.button(PledgeAsTyped)(typed_pledge_pressed)
    router.flow(HAND_BACK_FLOW, lasts=PLEDGE_FOR_CALL_LASTS, lets_go=not_yes_or_no, waits=False)(
        typed_hand_back
    )
    router.flow(PLEDGE_FOR_CALL_FLOW, lasts=PLEDGE_FOR_CALL_LASTS, lets_go=not_yes_or_no)(
        typed_for_call
    )
    router.button(PledgeDone)(done_pressed)
    router.button(PledgeWithdraw)(withdraw_pressed)
    router.button(PledgeHours)(hours_pressed)
    router.button(PledgeLater)(later_pressed)
    router.button(PledgeMove)(move_pressed)
    router.phrase(r"^\s*(?:ik\s+(?:ga|zal|kom)|i(?:'ll|\s+will))\s+(?P<what>.+)$")(do_phrase)
    # Typed answers to "Gelukt?" (its buttons: done, more time, hand back).
    router.phrase(DONE_WORDS)(done_typed)
    router.phrase(NOT_GOING)(not_done_typed)
    router.phrase(r"^\W*(?:ik\s+heb\s+|i\s+need\s+)?(?:meer\s+tijd|more\s+time)(?:\s+nodig)?\W*$")(
        more_time_typed
    )
    router.understood("pledge")(understood_pledge)

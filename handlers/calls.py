"""Calls for help (oproep) in the chat: writing one step by step, answering one, overviews.

Deciding and writing is :mod:`actions.calls`; this module reads what the member typed or
pressed, keeps the draft in the conversation, and words the replies.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from actions.buttons import (
    CallFromQuestion,
    CallMove,
    DeclineCall,
    DraftCancel,
    DraftCell,
    DraftNoDate,
    DraftPeople,
    DraftPost,
    EndCall,
    JoinCall,
    MoreAboutCall,
    PledgeWithdraw,
)
from actions.calls import (
    CELL_NAME_MAX,
    Cancelled,
    NewCall,
    Posted,
    call_replied_to,
    calls_open_in_chat,
    change_call,
    decline_invitation,
    describe,
    end_call,
    find_call,
    post_call,
    titled,
)
from actions.permissions import Permission, require, require_own_call
from actions.series import Started, start_series
from actions.wording import bullets, names_list, rule_text, when_text
from bot.clean import clean_name
from bot.context import Context
from bot.core import Button, Event
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.numbers import parse_amount, parse_id, parse_int
from bot.router import Router
from bot.when import (
    InvalidWhen,
    Recurrence,
    VagueRecurrence,
    When,
    first_occurrence,
    parse_recurrence,
    parse_when,
)
from handlers.common import (
    CALL_OFFER_FLOW,
    MOVE_OFFER_FLOW,
    call_by_meaning,
    date_words,
    join_and_tell,
    moment_changed,
    never_mind,
    not_yes_or_no,
    own_open_calls,
    something_new,
    yes_or_no,
)
from storage.records import Conversation
from storage.repositories.calls import Call, PledgeStatus

FLOW = "call"
INVITATION_ANSWERABLE = timedelta(days=7)  # a typed "ja" answers invitations this recent
#: How long "Zal ik er een oproep van maken?" takes a typed yes or no.
CALL_OFFER_LASTS = timedelta(minutes=30)
_CELL = re.compile(r"(?<![\w#])#([^\W\d][\w-]*)")
_PEOPLE = re.compile(
    r"\b([0-9]+)\s*(?:mensen|personen|man|vrijwilligers|helpers|people|persons|volunteers)\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"(?<!\w)(?:vanaf|from|starting)(?!\w)", re.IGNORECASE)
_CALL_REF = re.compile(r"(?:oproep\s*|call\s*)?#?([0-9]+)\b", re.IGNORECASE)
END_FLOW = "call_end"
DEFAULT_HOUR = 10  # a call given only a day starts at 10:00
#: Typed for the "Geen datum" button (not "weet ik nog niet": for a repetition without a day
#: that asks again).
NO_DATE_WORDS = {
    "geen", "nee", "none", "no", "-", "geen datum", "no date", "zonder datum", "without a date",
    "nog geen datum", "no date yet",
}  # fmt: skip
MAX_PEOPLE = 500
STATUS_WORDS = ("status", "stand")
# Each ends the call: cancelled (everyone told, with the reason typed after the number), or
# closed when its moment already passed (it took place).
CANCEL_WORDS = (
    "annuleer", "annuleren", "afgelast", "afgeblazen", "sluit", "sluiten", "cancel", "close",
)  # fmt: skip
# Moves the call to another moment ('/oproep verzet 3 zondag 14:00'): everyone taking part
# is told once (actions.calls.change_call).
MOVE_WORDS = (
    "verzet", "verzetten", "verplaats", "verplaatsen", "uitstellen", "move", "reschedule",
    "postpone",
)  # fmt: skip


@dataclass
class Draft:
    """A call being written; kept in the conversation so a restart loses nothing."""

    title: str = ""
    starts_at: str | None = None  # ISO, aware
    has_time: bool = False
    cell: str | None = None
    people: int | None = None
    guided: bool = False
    too_many: bool = False  # a number of people past MAX_PEOPLE was typed: ask again
    rule: dict[str, Any] | None = None  # a recurring call: Recurrence.as_data()
    vague: str = ""  # "elke week": a repetition without a day, asked back

    @property
    def when(self) -> datetime | None:
        return datetime.fromisoformat(self.starts_at) if self.starts_at else None

    def new_call(self) -> NewCall:
        cell = self.cell if self.cell and self.cell != "-" else None
        return NewCall(self.title, self.when, self.has_time, cell, self.people)


def parse_call(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[Draft, InvalidWhen | None]:
    """``Opruimen speelveld zaterdag 10:00 #Oost 5 mensen`` -> a draft (and a bad date, if any)."""
    draft = Draft()
    if match := _CELL.search(text):
        draft.cell = match.group(1)
        text = text[: match.start()] + text[match.end() :]
    if match := _PEOPLE.search(text):
        people = parse_int(match.group(1), high=MAX_PEOPLE)
        draft.people, draft.too_many = people or None, people is None
        text = text[: match.start()] + text[match.end() :]
    repeats = parse_recurrence(text, now=now, tz=tz)
    if isinstance(repeats, InvalidWhen):  # "vanaf 31 november": the rule stays, the start is asked
        rule = parse_recurrence(_FROM.sub(" ", text.replace(repeats.matched, " ")), now=now, tz=tz)
        if isinstance(rule, Recurrence):
            set_rule(draft, rule, now=now, tz=tz)
            draft.title = tidy_title(rule.rest)
        return draft, repeats
    if isinstance(repeats, VagueRecurrence):
        draft.vague = repeats.matched
        text = text.replace(repeats.matched, " ")
        repeats = None
    if repeats is not None:
        set_rule(draft, repeats, now=now, tz=tz)
        draft.title = tidy_title(repeats.rest)
        return draft, None
    found = parse_when(text, now=now, tz=tz)
    invalid = None
    if isinstance(found, InvalidWhen):
        invalid = found
        text = text.replace(found.matched, " ")
    elif found is not None:
        at = found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR)
        draft.starts_at, draft.has_time = at.isoformat(), True
        text = found.rest
    draft.title = tidy_title(text)
    return draft, invalid


_LEFT_PUNCTUATION = re.compile(r"\s*([,;])(?:\s*[,;])+")  # "maken, , 3 uur" once "4 mensen" left


def tidy_title(text: str) -> str:
    """What is left of a call's text once the date, cell and number of people are taken out:
    single spaces, no doubled commas, no punctuation at the ends."""
    text = _LEFT_PUNCTUATION.sub(r"\1", " ".join(text.split()))
    return text.replace(" ,", ",").strip(" ,;.-")


def set_rule(draft: Draft, rule: Recurrence, *, now: datetime, tz: ZoneInfo) -> None:
    """A recurring call: the rule, and its first moment as the draft's date."""
    at = first_occurrence(rule, now=now, tz=tz, hour=DEFAULT_HOUR)
    draft.rule = {**rule.as_data(), "hour": at.hour, "minute": at.minute}
    draft.starts_at, draft.has_time, draft.vague = at.isoformat(), True, ""


def typed_rule(text: str, vague: str, *, now: datetime, tz: ZoneInfo) -> Recurrence | None:
    """The day asked for after a vague repetition: 'zaterdag' after 'elke week' is every
    Saturday, 'dinsdag' after 'om de week' every other Tuesday."""
    for said in (f"{vague} op {text}", f"elke {text}", text):
        found = parse_recurrence(said, now=now, tz=tz)
        if isinstance(found, Recurrence):
            return found
    return None


def call_ref_and_rest(text: str) -> tuple[int, str]:
    """'4 het regent' -> (4, 'het regent'): the call named first, then an optional reason."""
    match = _CALL_REF.match(text.strip())
    call_id = parse_id(match.group(1)) if match else None
    if match is None or call_id is None:
        raise NotFound("calls.not_found")
    return call_id, text.strip()[match.end() :].strip(" :,-")


def ended_text(t: Translator, ended: Cancelled | Call) -> str:
    """The initiator's answer after ending a call: who was told, or that it was closed."""
    if isinstance(ended, Call):
        return t("calls.closed_now", title=ended.title)
    title = ended.call.title
    if ended.already:
        return t("calls.cancel_already", title=title)
    if ended.told:
        return t.n("calls.cancel_done", ended.told, title=title)
    return t("calls.cancel_done_nobody", title=title)


def call_ref(text: str) -> int:
    """The call a member named ('3', '#3', 'oproep 3'); NotFound when it names none we
    could have (no number, or one no call can have)."""
    match = _CALL_REF.search(text)
    call_id = parse_id(match.group(1)) if match else None
    if call_id is None:
        raise NotFound("calls.not_found")
    return call_id


# -- writing a call ---------------------------------------------------------------------------
async def call_command(_event: Event, ctx: Context) -> None:
    args = ctx.args.strip()
    first, _, rest = args.partition(" ")
    first = first.casefold()
    if first in STATUS_WORDS:
        await status(ctx, rest)
        return
    if first in CANCEL_WORDS:
        named = await _own_call_named(ctx, rest, "calls.which_to_end")
        if named is not None:
            call_id, reason = named
            await ctx.reply(ended_text(ctx.t, await end_call(ctx, ctx.member, call_id, reason)))
        return
    if first in MOVE_WORDS:
        named = await _own_call_named(ctx, rest, "calls.which_to_move")
        if named is not None:
            await move(ctx, *named)
        return
    require(ctx.member, Permission.POST_CALL)  # before the questions, not after them
    if not args:
        await ctx.expect(FLOW, "title", draft=asdict(Draft(guided=True)))
        await ctx.reply_direct(ctx.t("calls.ask_title"))
        return
    draft, invalid = parse_call(args, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    await continue_draft(ctx, draft, invalid)


async def _own_call_named(ctx: Context, rest: str, which: str) -> tuple[int, str] | None:
    """The call a cancel or move names first, and the rest of the words. Without a number:
    the member's one open call ("/oproep annuleer het regent"); several: they are listed to
    choose from (None); none: NotFound."""
    rest = rest.strip()
    first = rest.split()[0] if rest else ""
    numbered = _CALL_REF.match(rest) or any(c.isdigit() for c in first)
    found = parse_when(rest, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone)) if numbered else None
    # "/oproep verzet 26 december": a date that starts with a number, not call 26
    a_date = isinstance(found, When) and rest.casefold().startswith(found.matched.casefold())
    if numbered and not a_date:
        return call_ref_and_rest(rest)  # a number, of any script: that call, or "ken ik niet"
    own = await own_open_calls(ctx)
    if not own:
        raise NotFound("calls.none_of_yours")
    if len(own) == 1:
        return own[0].id, rest.strip(" :,-")
    newest = sorted(own, key=lambda c: c.id)[-5:]
    lines = [ctx.t(which, id=newest[-1].id)]
    for c in newest:
        when = when_text(ctx.t, c.starts_at, c.has_time, tz=ctx.member.timezone, now=ctx.now())
        lines.append(ctx.t("calls.which_line", id=c.id, title=c.title, when=when))
    buttons = (
        [
            Button(f"{c.id}. {ctx.t('calls.end_button')}", EndCall(c.id, False).encode())
            for c in newest
        ]
        if which == "calls.which_to_end"
        else []
    )
    await ctx.reply("\n".join(lines), buttons=buttons)
    return None


async def move_pressed(press: CallMove, ctx: Context) -> None:
    """ "Ja, verzetten" under "Zal ik oproep 3 verzetten naar …?" (handlers.common)."""
    await move_to(ctx, press.call_id, datetime.fromtimestamp(press.minute * 60, tz=UTC))


async def typed_move_offer(_event: Event, ctx: Context) -> None:
    """ "ja" or "nee" typed under "Zal ik oproep 3 verzetten naar …?" (anything else is read
    on its own, and drops the offer: the flow lets it go)."""
    data = ctx.conversation.data if ctx.conversation else {}
    await ctx.finish()
    if yes_or_no(ctx.args):
        await move_pressed(CallMove(int(data.get("call", 0)), int(data.get("minute", 0))), ctx)
    else:
        await ctx.reply(ctx.t("ask.nevermind"))


async def from_question_pressed(press: CallFromQuestion, ctx: Context) -> None:
    """ "Maak er een oproep van" under "nobody fits yet": the guided call, its title written."""
    require(ctx.member, Permission.POST_CALL)
    await continue_draft(ctx, Draft(title=tidy_title(press.title), guided=True))


async def typed_call_offer(_event: Event, ctx: Context) -> None:
    """ "ja" or "nee" typed under "Zal ik er een oproep van maken?" (anything else is read on
    its own: the flow lets it go)."""
    title = str(ctx.conversation.data.get("title", "")) if ctx.conversation else ""
    await ctx.finish()
    if yes_or_no(ctx.args) and title:
        await from_question_pressed(CallFromQuestion(title), ctx)
    else:
        await ctx.reply(ctx.t("calls.offer_declined"))


_MOVE_TO = re.compile(r"^\s*(?:naar|to|till|until|tot)\s+", re.IGNORECASE)


async def move(ctx: Context, call_id: int, text: str) -> None:
    """The call to another moment; what, where and how many stay as they were."""
    text = _MOVE_TO.sub("", text)  # "/oproep verzet 3 naar vrijdag", "/call move 3 to …"
    found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone)) if text else None
    if found is None or isinstance(found, InvalidWhen) or found.rest.strip(" ,.!"):
        await ctx.reply(ctx.t("calls.move_bad_date", text=text, id=call_id))
        return
    await move_to(ctx, call_id, found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR))


async def move_to(ctx: Context, call_id: int, at: datetime) -> None:
    """The call to moment ``at``; everyone taking part is told once."""
    call = await find_call(ctx, call_id)
    cell = await ctx.storage.networks.get_cell(call.cell_id) if call.cell_id else None
    new = NewCall(call.title, at, True, cell.name if cell else None, call.people_needed)
    changed = await change_call(ctx, ctx.member, call_id, new)
    when = when_text(ctx.t, at, True, tz=ctx.member.timezone, now=ctx.now())
    if changed.told:
        await ctx.reply(ctx.t.n("calls.moved", changed.told, title=call.title, when=when))
    else:
        await ctx.reply(ctx.t("calls.moved_nobody", title=call.title, when=when))


async def continue_draft(ctx: Context, draft: Draft, invalid: InvalidWhen | None = None) -> None:
    """Ask for what is still missing, then for confirmation."""
    if not draft.title:
        await ask(ctx, draft, "title", ctx.t("calls.ask_title"))
    elif invalid is not None:
        await ask(ctx, draft, "when", ctx.t("calls.bad_date", text=date_words(invalid.matched)))
    elif draft.vague:
        await ask(ctx, draft, "when", ctx.t("series.ask_day", text=draft.vague))
    elif draft.starts_at is None and draft.guided:
        await ask(
            ctx,
            draft,
            "when",
            ctx.t("calls.ask_when"),
            [Button(ctx.t("calls.no_date"), DraftNoDate().encode())],
        )
    elif draft.guided and draft.cell is None:
        cells = await ctx.storage.networks.cells(ctx.network.id)
        await ask(ctx, draft, "cell", ctx.t("calls.ask_cell"), cell_buttons(ctx, cells))
    elif draft.too_many:
        draft.too_many = False
        await ask(ctx, draft, "people", ctx.t("calls.too_many_people", max=MAX_PEOPLE))
    elif draft.guided and draft.people is None:
        buttons = [Button(str(n), DraftPeople(n).encode()) for n in (1, 2, 3, 5, 10)]
        buttons.append(Button(ctx.t("calls.any_number"), DraftPeople(0).encode()))
        await ask(ctx, draft, "people", ctx.t("calls.ask_people"), buttons)
    else:
        await ask(
            ctx,
            draft,
            "confirm",
            summary(ctx, draft),
            [
                Button(ctx.t("calls.post"), DraftPost("group").encode()),
                Button(ctx.t("calls.post_everyone"), DraftPost("all").encode()),
                Button(ctx.t("calls.cancel"), DraftCancel().encode()),
            ],
        )


async def ask(
    ctx: Context, draft: Draft, step: str, text: str, buttons: list[Button] | None = None
) -> None:
    await ctx.expect(FLOW, step, draft=asdict(draft))
    await ctx.reply_direct(text, buttons=buttons or [])


def current_draft(ctx: Context) -> Draft | None:
    """The draft of the open question, or None when no call is being written."""
    if ctx.conversation is None or ctx.conversation.flow != FLOW:
        return None
    data = ctx.conversation.data.get("draft")
    return Draft(**data) if data else Draft(guided=True)


def summary(ctx: Context, draft: Draft) -> str:
    t = ctx.t
    when = when_text(t, draft.when, draft.has_time, tz=ctx.member.timezone, now=ctx.now())
    cell = draft.cell if draft.cell and draft.cell != "-" else t("calls.everyone")
    people = str(draft.people) if draft.people else t("calls.any_number")
    if draft.rule is not None:
        when = rule_text(
            t, draft.rule, hour=draft.rule["hour"], minute=draft.rule["minute"], first=draft.when
        )
        return t("series.confirm", title=draft.title, when=when, where=cell, people=people)
    return t("calls.confirm", title=draft.title, when=when, where=cell, people=people)


async def answer(_event: Event, ctx: Context) -> None:
    """A typed answer during the guided steps."""
    draft = current_draft(ctx) or Draft(guided=True)
    step = ctx.conversation.step if ctx.conversation else "title"
    text = ctx.args.strip()
    if step == "title":
        parsed, invalid = parse_call(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        draft.title = parsed.title or text
        for name in ("starts_at", "has_time", "cell", "people", "rule", "vague"):
            if getattr(parsed, name) not in (None, False):
                setattr(draft, name, getattr(parsed, name))
        await continue_draft(ctx, draft, invalid)
    elif step == "when":
        if " ".join(text.casefold().strip(" .!").split()) in NO_DATE_WORDS:
            draft.guided, draft.vague = False, ""
            await continue_draft(ctx, draft)
            return
        tz = ZoneInfo(ctx.member.timezone)
        repeats = parse_recurrence(text, now=ctx.now(), tz=tz)
        if draft.vague or isinstance(repeats, (Recurrence, VagueRecurrence)):
            rule = typed_rule(text, draft.vague, now=ctx.now(), tz=tz)
            if rule is None:
                vague = repeats.matched if isinstance(repeats, VagueRecurrence) else draft.vague
                await ask(ctx, draft, "when", ctx.t("series.ask_day", text=vague or text))
                return
            set_rule(draft, rule, now=ctx.now(), tz=tz)
            await continue_draft(ctx, draft)
            return
        found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        if found is None or isinstance(found, InvalidWhen):
            await ask(ctx, draft, "when", ctx.t("calls.bad_date", text=text))
            return
        if draft.rule is not None:  # the start of a series, asked again: the rule stays
            rule = replace(
                Recurrence.from_data(draft.rule),
                hour=int(draft.rule["hour"]),
                minute=int(draft.rule["minute"]),
                start=found.at.date(),
            )
            set_rule(draft, rule, now=ctx.now(), tz=tz)
            await continue_draft(ctx, draft)
            return
        at = found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR)
        draft.starts_at, draft.has_time = at.isoformat(), True
        await continue_draft(ctx, draft)
    elif step == "cell":
        await typed_cell(ctx, draft, text)
    elif step == "cell_new":
        yes = yes_or_no(text)
        asked = str(ctx.conversation.data.get("cell", "")) if ctx.conversation else ""
        if yes is None:
            await ask_new_cell(ctx, draft, asked)
            return
        if yes:
            draft.cell = asked[:CELL_NAME_MAX] or "-"
        await continue_draft(ctx, draft)
    elif step == "people":
        people = typed_people(text)
        if people is None:
            await ask(ctx, draft, "people", ctx.t("calls.ask_people_number"))
            return
        draft.people = people or None
        draft.guided = False
        await continue_draft(ctx, draft)
    elif step == "confirm":
        said = text.casefold().strip(" .!")
        yes = True if said in ("plaatsen", "post", "post it") else yes_or_no(text)
        if said in ("annuleren", "annuleer", "cancel"):
            yes = False
        if yes is None:
            # "kan het een uur later? om 11 uur", "8 mensen": changed here, not lost (a yes
            # after it used to post the call as it was); else the summary and its choices.
            changed = changed_draft(ctx, draft, text)
            if not changed:
                await ctx.reply_direct(ctx.t("calls.confirm_unclear"))
            await continue_draft(ctx, draft)
        elif yes:
            await post_pressed(DraftPost("group"), ctx)
        else:
            await cancel_pressed(DraftCancel(), ctx)
    else:
        await continue_draft(ctx, draft)


def changed_draft(ctx: Context, draft: Draft, text: str) -> bool:
    """Applies a change typed at the confirmation ("om 11 uur", "een uur later", "zondag",
    "8 mensen") to the draft; False when the words change nothing."""
    if _PEOPLE_WORDS.search(text):
        people = typed_people(_PEOPLE_NUMBER.sub(r"\1", text))
        if people is not None:
            draft.people = people or None
            return True
    if draft.rule is not None:
        return False  # a series: its day and hour are asked for in their own steps
    tz = ZoneInfo(ctx.member.timezone)
    if draft.starts_at is not None:
        was = datetime.fromisoformat(draft.starts_at)
        at = moment_changed(text, was, now=ctx.now(), tz=tz)
        if at is None:
            return False
        draft.starts_at, draft.has_time = at.isoformat(), True
        return True
    found = parse_when(text, now=ctx.now(), tz=tz)
    if not isinstance(found, When):
        return False
    at = found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR)
    draft.starts_at, draft.has_time = at.isoformat(), True
    return True


_ANY_NUMBER = ("maakt niet uit", "maakt niet uit hoeveel", "any", "doesn't matter", "geen")
_PEOPLE_WORDS = re.compile(r"\b(?:mensen|personen|man|people|persons)\b", re.IGNORECASE)
# The number before those words in a longer line ("liever 8 mensen graag").
_PEOPLE_NUMBER = re.compile(r"^.*?\b(\d+|\w+)\s+(?:mensen|personen|man|people|persons)\b.*$", re.I)
_NOT_A_NAME = re.compile(r"[0-9?!@/:]")


def typed_people(text: str) -> int | None:
    """'5', 'vijf', '5 mensen', 'maakt niet uit' (0: any number), up to MAX_PEOPLE."""
    words = _PEOPLE_WORDS.sub(" ", text).strip(" .!").casefold()
    if words in _ANY_NUMBER:
        return 0
    value = parse_amount(words, high=MAX_PEOPLE)
    return int(value) if value is not None and value == int(value) else None


async def typed_cell(ctx: Context, draft: Draft, text: str) -> None:
    """An existing cell's name, 'iedereen' / '-', or a new name (asked before it is made).
    A date, a question or a sentence is not a cell: the question comes again."""
    name = clean_name(text.lstrip("#")).strip(" .!")
    if name.casefold() in ("-", "iedereen", "everyone", "geen", "none", "alle", "all"):
        draft.cell = "-"
        await continue_draft(ctx, draft)
        return
    cells = await ctx.storage.networks.cells(ctx.network.id)
    known = next((c for c in cells if c.name.casefold() == name.casefold()), None)
    if known is not None:
        draft.cell = known.name
        await continue_draft(ctx, draft)
        return
    looks_like_date = parse_when(name, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    if not name or _NOT_A_NAME.search(name) or len(name.split()) > 3 or looks_like_date:
        await ask(ctx, draft, "cell", ctx.t("calls.ask_cell_again"), cell_buttons(ctx, cells))
        return
    await ask_new_cell(ctx, draft, name[:CELL_NAME_MAX])


def cell_buttons(ctx: Context, cells: list) -> list[Button]:
    buttons = [Button(c.name, DraftCell(c.name).encode()) for c in cells[:8]]
    buttons.append(Button(ctx.t("calls.everyone"), DraftCell("-").encode()))
    return buttons


async def ask_new_cell(ctx: Context, draft: Draft, name: str) -> None:
    await ctx.expect(FLOW, "cell_new", draft=asdict(draft), cell=name)
    await ctx.reply_direct(
        ctx.t("calls.new_cell", cell=name),
        buttons=[
            Button(ctx.t("calls.new_cell_yes", cell=name), DraftCell(name).encode()),
            Button(ctx.t("calls.everyone"), DraftCell("-").encode()),
        ],
    )


async def _draft_or_explain(ctx: Context) -> Draft | None:
    """A button of the draft steps only means something while a call is being written."""
    draft = current_draft(ctx)
    if draft is None:
        await ctx.reply(ctx.t("common.button_expired"))
    return draft


async def no_date_pressed(_press: DraftNoDate, ctx: Context) -> None:
    if draft := await _draft_or_explain(ctx):
        draft.starts_at, draft.guided = None, False
        await continue_draft(ctx, draft)


async def cell_pressed(press: DraftCell, ctx: Context) -> None:
    if draft := await _draft_or_explain(ctx):
        draft.cell = press.name
        await continue_draft(ctx, draft)


async def people_pressed(press: DraftPeople, ctx: Context) -> None:
    if draft := await _draft_or_explain(ctx):
        draft.people, draft.guided = (min(press.count, MAX_PEOPLE) or None), False
        await continue_draft(ctx, draft)


async def cancel_pressed(_press: DraftCancel, ctx: Context) -> None:
    if await _draft_or_explain(ctx):
        await ctx.finish()
        await ctx.reply(ctx.t("calls.cancelled"))


async def post_pressed(press: DraftPost, ctx: Context) -> None:
    if draft := await _draft_or_explain(ctx):
        everyone = press.audience == "all"
        if draft.rule is not None:
            rule = Recurrence.from_data(draft.rule)
            tz = ctx.member.timezone
            started = await start_series(
                ctx, ctx.member, draft.new_call(), rule, everyone=everyone, timezone=tz
            )
            await ctx.finish()
            await ctx.reply_direct(started_text(ctx.t, started))
            return
        posted = await post_call(ctx, ctx.member, draft.new_call(), everyone=everyone)
        await ctx.finish()
        await ctx.reply_direct(posted_text(ctx.t, posted))


def started_text(t: Translator, started: Started) -> str:
    """What the initiator hears when a series starts: its rule and the calls made now."""
    series = started.series
    rule = rule_text(t, series.rule, hour=series.hour, minute=series.minute, first=None)
    if not started.posted:
        return t("series.started_later", id=series.id, rule=rule)
    calls = ", ".join(str(p.call.id) for p in started.posted)
    return t.n("series.started", len(started.posted), id=series.id, rule=rule, calls=calls)


def posted_text(t: Translator, posted: Posted) -> str:
    """What the initiator hears: where it went, how many it reaches, and honestly who it
    cannot reach yet, with the link that fixes that."""
    if posted.everyone:
        members = t.n("calls.members_wanting", posted.invited)
        text = t("calls.posted_everyone", id=posted.call.id, members=members)
    else:
        invited = (
            t.n("calls.invited", posted.invited) if posted.invited else t("calls.invited_none")
        )
        text = t("calls.posted", id=posted.call.id, invited=invited)
    if posted.unreachable:
        names, count = names_list(t, posted.unreachable), len(posted.unreachable)
        if posted.links:
            text += "\n" + t.n(
                "calls.unreachable", count, names=names, links=" ".join(posted.links)
            )
        else:
            text += "\n" + t.n("calls.unreachable_no_link", count, names=names)
    return text


# -- answering a call -------------------------------------------------------------------------
async def join_pressed(press: JoinCall, ctx: Context) -> None:
    await join_and_tell(ctx, await find_call(ctx, press.call_id))


async def more_pressed(press: MoreAboutCall, ctx: Context) -> None:
    call = await find_call(ctx, press.call_id)
    await ctx.reply_direct(
        await describe(ctx, call, ctx.t, tz=ctx.network.timezone),
        buttons=[Button(ctx.t("calls.join"), JoinCall(call.id).encode(), "👍")],
    )


async def decline_pressed(press: DeclineCall, ctx: Context) -> None:
    await decline_invitation(ctx, ctx.member, await find_call(ctx, press.call_id))
    await ctx.reply(ctx.t("calls.declined"))


async def invitations_open(ctx: Context) -> list[Call]:
    """The invitations this member has not answered yet (newest first), in a direct chat."""
    if not ctx.in_direct_chat:
        return []
    return await ctx.storage.calls.awaiting_answer(
        ctx.member.id, since=ctx.now() - INVITATION_ANSWERABLE, now=ctx.now()
    )


async def invitation_typed(_event: Event, ctx: Context) -> None:
    """'ja', 'ja hoor', 'nee dank je' typed after "Doe je mee?": the newest invitation not
    yet answered, as its buttons would; with none open, the member is pointed to the
    buttons of whatever was asked (never read as thanks or a greeting)."""
    open_ones = await invitations_open(ctx)
    answer = yes_or_no(ctx.args)
    if not open_ones and answer is not None and await reminder_answered(ctx, answer):
        return
    if not open_ones or answer is None:
        await ctx.reply(ctx.t("calls.nothing_to_answer", text=ctx.args.strip(" .!")))
        return
    if answer:
        await join_and_tell(ctx, open_ones[0])
        return
    await decline_invitation(ctx, ctx.member, open_ones[0])
    await ctx.reply(ctx.t("calls.declined"))


#: A pledge this close is the one "Morgen staat … op je lijst. Lukt het nog?" asked about.
REMINDED_AHEAD = timedelta(hours=36)


async def reminder_answered(ctx: Context, answer: bool) -> bool:
    """'ja' or 'nee' to the reminder's "Lukt het nog?": the member's only pledge due within
    a day and a half. Yes: a kind word. No: the way to hand it back (a button, not done on a
    bare 'nee'). False when no such pledge is open (the caller points to the buttons)."""
    if not ctx.in_direct_chat:
        return False
    now = ctx.now()
    soon = [
        p
        for p in await ctx.storage.pledges.of_member(ctx.member.id, (PledgeStatus.PLEDGED,))
        if p.due_at is not None and now <= p.due_at <= now + REMINDED_AHEAD
    ]
    if len(soon) != 1:
        return False
    pledge = soon[0]
    when = when_text(ctx.t, pledge.due_at, pledge.due_has_time, tz=ctx.member.timezone, now=now)
    if answer:
        await ctx.reply(ctx.t("pledges.still_on", what=pledge.what, when=when))
    else:
        await ctx.reply(
            ctx.t("pledges.hand_back_offer", what=pledge.what, when=when),
            buttons=[Button(ctx.t("nudges.hand_back"), PledgeWithdraw(pledge.id).encode())],
        )
    return True


async def join_phrase(event: Event, ctx: Context) -> None:
    """Typed 'ik doe mee' (platforms without buttons): the call named; else the call whose
    post the message replies to; else the only call taking people in this chat; else the
    member is asked which, never guessed."""
    match = ctx.route.match
    ref = match.group("ref") if match and match.group("ref") else None
    if ref:
        await join_and_tell(ctx, await find_call(ctx, call_ref(ref)))
        return
    named = match.group("title") if match and match.group("title") else None
    if named:
        await join_titled(ctx, named)
        return
    chat = event.chat
    replied = getattr(event, "reply_to", None)
    call = await call_replied_to(ctx, chat.platform, chat.chat_id, replied) if replied else None
    if call is not None:
        await join_and_tell(ctx, call)
        return
    candidates = (
        (await invitations_open(ctx))[:1]  # in private: the invitation it answers
        if chat.is_direct
        else await calls_open_in_chat(ctx, chat.platform, chat.chat_id)
    )
    if not candidates:
        candidates = await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now())
    if len(candidates) == 1:
        await join_and_tell(ctx, candidates[0])
        return
    if not candidates:
        await ctx.reply(ctx.t("calls.none_open"))
        return
    await ask_which(ctx, candidates, ctx.t("calls.which_one"))


#: How far back a call named by its title may have ended and still be recognised.
TITLED_LOOKBACK = timedelta(days=60)


async def join_titled(ctx: Context, words: str) -> None:
    """'ik doe mee met de speeltuin': the one open call its title names; several: the member
    chooses among them; one that ended or was cancelled: that is said (as for its number);
    none: the open calls to choose from."""
    open_now = await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now())
    found = titled(open_now, words)
    if not found:
        recent = await ctx.storage.calls.created_since(ctx.network.id, ctx.now() - TITLED_LOOKBACK)
        ended = titled([c for c in recent if c.id not in {o.id for o in open_now}], words)
        if len(ended) == 1:
            await join_and_tell(ctx, ended[0])  # "... is al gesloten" / "... gaat niet door"
            return
    if len(found) == 1:
        await join_and_tell(ctx, found[0])
        return
    if not open_now:
        await ctx.reply(ctx.t("calls.none_open"))
        return
    if not found and (meant := await call_by_meaning(ctx, open_now, words, naming=True)):
        # "can I join the soup cooking?" for "Soep koken voor de buurtmaaltijd": no title word
        # in common, the meaning clearly leads; the member confirms with the button
        await ask_which(ctx, [meant], ctx.t("calls.which_one"))
        return
    intro = "calls.which_one" if found else "calls.which_one_unnamed"
    await ask_which(ctx, found or open_now, ctx.t(intro, words=words.strip()))


async def ask_which(ctx: Context, candidates: list[Call], intro: str) -> None:
    """The member picks the call (at most the five newest), never guessed."""
    newest = sorted(candidates, key=lambda c: c.id)[-5:]
    lines = [intro]
    for c in newest:
        when = when_text(ctx.t, c.starts_at, c.has_time, tz=ctx.member.timezone, now=ctx.now())
        lines.append(ctx.t("calls.which_line", id=c.id, title=c.title, when=when))
    buttons = [
        Button(ctx.t("calls.join_numbered", id=c.id), JoinCall(c.id).encode()) for c in newest
    ]
    await ctx.reply("\n".join(lines), buttons=buttons)


# -- overviews ----------------------------------------------------------------------------------
async def list_calls(_event: Event, ctx: Context) -> None:
    calls = await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now())
    if not calls:
        await ctx.reply(ctx.t("calls.none_open"))
        return
    lines = [ctx.t("calls.open_intro")]
    for call in calls[:10]:
        taken = await ctx.storage.calls.counted(call.id)
        when = when_text(
            ctx.t, call.starts_at, call.has_time, tz=ctx.member.timezone, now=ctx.now()
        )
        places = f"{taken}/{call.people_needed}" if call.people_needed else str(taken)
        lines.append(
            ctx.t("calls.open_line", id=call.id, title=call.title, when=when, places=places)
        )
    buttons = [
        Button(ctx.t("calls.join_numbered", id=c.id), JoinCall(c.id).encode()) for c in calls[:5]
    ]
    await ctx.reply("\n".join(lines), buttons=buttons)


async def status(ctx: Context, ref: str) -> None:
    """For the initiator: who pledged, who is done, who waits, how the invitations went."""
    require(ctx.member, Permission.CALL_STATUS)
    if ref.strip():
        call = await find_call(ctx, call_ref(ref))
    else:
        mine = [
            c
            for c in await ctx.storage.calls.open_calls(ctx.network.id)
            if c.initiator_id == ctx.member.id
        ]
        if not mine:
            raise UserFacingError("calls.no_own_calls")
        call = max(mine, key=lambda c: (c.created_at, c.id))  # the newest, also within a tick
    require_own_call(ctx.member, call)
    pledges = await ctx.storage.pledges.of_call(call.id)
    names = {
        m.id: m.display_name
        for m in await ctx.storage.members.get_many(p.member_id for p in pledges if p.member_id)
    }
    t = ctx.t

    def who(*statuses: PledgeStatus) -> str:
        found = [names.get(p.member_id or 0, "?") for p in pledges if p.status in statuses]
        return bullets(found) if found else t("calls.nobody")

    invitations = await ctx.storage.calls.invitations(call.id)
    buttons = (
        [Button(t("calls.end_button"), EndCall(call.id, False).encode(), "🛑")]
        if not call.status.ended
        else []
    )
    text = "\n".join(
        [
            await describe(ctx, call, t, tz=ctx.network.timezone),
            t("calls.status_pledged"),
            who(PledgeStatus.PLEDGED),
            t("calls.status_done"),
            who(PledgeStatus.DONE),
            t("calls.status_waiting"),
            who(PledgeStatus.WAITING),
            t(
                "calls.status_invitations",
                invited=len(invitations),
                declined=sum(s == "declined" for s in invitations.values()),
            ),
        ]
    )
    await ctx.reply_direct(text, buttons=buttons)


async def end_pressed(press: EndCall, ctx: Context) -> None:
    """The status's cancel button: first the reason (optional), then the call ends."""
    call = await find_call(ctx, press.call_id)
    require(ctx.member, Permission.CLOSE_CALL)
    require_own_call(ctx.member, call)
    if press.confirmed:
        if ctx.conversation is not None and ctx.conversation.flow == END_FLOW:
            await ctx.finish()
        await ctx.reply(ended_text(ctx.t, await end_call(ctx, ctx.member, call.id)))
        return
    await ctx.expect(END_FLOW, "reason", call_id=call.id)
    await ctx.reply_direct(
        ctx.t("calls.end_ask_reason", title=call.title),
        buttons=[Button(ctx.t("calls.end_without_reason"), EndCall(call.id, True).encode())],
    )


async def end_reason(_event: Event, ctx: Context) -> None:
    """The reason typed after the cancel button ('toch niet' keeps the call)."""
    text = ctx.args.strip()
    call_id = int(ctx.conversation.data.get("call_id", 0)) if ctx.conversation else 0
    await ctx.finish()
    if never_mind(text) or yes_or_no(text) is False:
        await ctx.reply(ctx.t("calls.end_kept"))
        return
    await ctx.reply(ended_text(ctx.t, await end_call(ctx, ctx.member, call_id, text)))


def _not_for_the_draft(text: str, question: Conversation) -> bool:
    """A new question typed while a call is being written ("wie kan mijn fiets maken?" where
    the bot asked for the date or the cell) is read on its own; the draft waits. A title may
    itself be a question, so the first step takes anything."""
    return question.step != "title" and something_new(text)


def register(router: Router) -> None:
    router.command("oproep", "call", "hulpvraag")(call_command)
    router.command("oproepen", "calls")(list_calls)
    router.flow(FLOW, lets_go=_not_for_the_draft)(answer)
    router.flow(END_FLOW)(end_reason)
    router.flow(MOVE_OFFER_FLOW, lasts=CALL_OFFER_LASTS, lets_go=not_yes_or_no, waits=False)(
        typed_move_offer
    )
    router.button(EndCall)(end_pressed)
    router.button(CallMove)(move_pressed)
    router.button(JoinCall)(join_pressed)
    router.button(MoreAboutCall)(more_pressed)
    router.button(DeclineCall)(decline_pressed)
    router.button(CallFromQuestion)(from_question_pressed)
    router.flow(CALL_OFFER_FLOW, lasts=CALL_OFFER_LASTS, lets_go=not_yes_or_no)(typed_call_offer)
    router.button(DraftNoDate)(no_date_pressed)
    router.button(DraftCell)(cell_pressed)
    router.button(DraftPeople)(people_pressed)
    router.button(DraftCancel)(cancel_pressed)
    router.button(DraftPost)(post_pressed)
    router.phrase(
        r"^\s*(?:(?:ja|yes|graag|ja\s+graag|ja\s+hoor)\W+)?"
        r"(?:ik\s+doe\s+(?:ook\s+|graag\s+|wel\s+|zeker\s+)?mee|doe\s+(?:ook\s+)?mee"
        r"|ik\s+ben\s+(?:er\s+(?:ook\s+)?bij|(?:ook\s+)?erbij)|count\s+me\s+in(?:\s+too)?"
        r"|i'?m\s+in(?:\s+too)?)"
        r"(?:\s+(?:met|with|voor|for|bij)?\s*(?:oproep\s+|call\s+)?(?P<ref>#?[0-9]+)"
        # "ik doe mee met de speeltuin": a call named by its title
        r"|\s+(?:met|with|voor|for|bij|aan|on)\s+(?P<title>[^\d\W][^,.;!?]*?))?"
        # "doe mee, maar ik weet nog niet wanneer": a remark after it does not stop the join
        r"(?:\s*[,.;!]\s*\S.*|\s+(?:maar|but)\b.*)?\W*$",
        clear_in_groups=True,
    )(join_phrase)
    router.phrase(
        # asked rather than said: "kan ik meedoen met de kerstmarkt?", "mag ik ook meehelpen
        # bij de speeltuin?", "can I join the christmas market thing? but only until 12", "I'd
        # like to help out with the cleanup"; in a group only when the bot is addressed ("can
        # I join you for lunch?" is for the neighbours)
        r"^\s*(?:(?:hoi|hi|hey|hallo|hello)\W+)?"
        r"(?:(?:kan|mag)\s+ik\s+(?:ook\s+|nog\s+|misschien\s+)*(?:mee\s*doen|mee\s*helpen|helpen)"
        r"|ik\s+wil\s+(?:graag\s+|ook\s+|wel\s+)*(?:mee\s*doen|mee\s*helpen)"
        r"|(?:can|could|may)\s+i\s+(?:still\s+|also\s+)*(?:join(?=\s+(?:in\s+)?(?:the|your|call|#?\d))"
        r"|help(?:\s+out)?(?=\s+(?:with|at|on)\s))"
        r"|i'?d\s+(?:like|love)\s+to\s+(?:join(?=\s+(?:in\s+)?(?:the|your|call|#?\d))"
        r"|help(?:\s+out)?(?=\s+(?:with|at|on)\s)))"
        r"(?:\s+(?:met|with|voor|for|bij|aan|on|at|in)?\s*(?:oproep\s+|call\s+)?(?P<ref>#?[0-9]+)"
        r"|\s+(?:(?:met|with|voor|for|bij|aan|on|at|in)\s+)?(?P<title>[^\d\W][^,.;!?]*?))?"
        r"(?:\s*[,.;!?]\s*\S.*|\s+(?:maar|but)\b.*)?\W*$"
    )(join_phrase)
    router.phrase(  # a bare yes or no (see handlers.common.yes_or_no); "niet nu" is the nudges'
        r"^\W*(?:ja|ja\W+hoor|jazeker|ja\W+zeker|ja\W+graag|ja\W+prima|jawel|prima|graag|zeker"
        r"|yes|yep|yeah|sure|nee|nee\W+hoor|nee\W+dank\W+je(?:\W+wel)?|nee\W+bedankt"
        r"|liever\W+niet|no|nope|no\W+thanks|rather\W+not)\W*$"
    )(invitation_typed)

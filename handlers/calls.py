"""Calls for help (oproep): an initiator asks, the bot posts, matches, invites and counts.

The initiator stands at the edge: posting, inviting fitting members privately, keeping the
count, the waiting list and the "full" announcement are the bot's work.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clean import clean_name
from bot.context import Context, ServiceContext
from bot.core import Button, Event, Reply
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.numbers import parse_id, parse_int
from bot.outbox import Outgoing
from bot.router import Router
from bot.when import InvalidWhen, parse_when
from handlers.common import bullets, date_words, when_text
from handlers.permissions import Action, allowed, require
from storage.records import Member
from storage.repositories.calls import Call, CallStatus, PledgeOutcome, PledgeStatus

FLOW = "call"
_CELL = re.compile(r"(?<![\w#])#([^\W\d][\w-]*)")
_PEOPLE = re.compile(
    r"\b([0-9]{1,3})\s*(?:mensen|personen|man|vrijwilligers|helpers|people|persons|volunteers)\b",
    re.IGNORECASE,
)
_CALL_REF = re.compile(r"#?([0-9]+)\b")
DEFAULT_HOUR = 10  # a call given only a day starts at 10:00
MAX_PEOPLE = 500


@dataclass
class Draft:
    """A call being written; kept in the conversation so a restart loses nothing."""

    title: str = ""
    starts_at: str | None = None  # ISO, aware
    has_time: bool = False
    cell: str | None = None
    people: int | None = None
    guided: bool = False

    @property
    def when(self) -> datetime | None:
        return datetime.fromisoformat(self.starts_at) if self.starts_at else None


def parse_call(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[Draft, InvalidWhen | None]:
    """``Opruimen speelveld zaterdag 10:00 #Oost 5 mensen`` -> a draft (and a bad date, if any)."""
    draft = Draft()
    if match := _CELL.search(text):
        draft.cell = match.group(1)
        text = text[: match.start()] + text[match.end() :]
    if match := _PEOPLE.search(text):
        draft.people = int(match.group(1))
        text = text[: match.start()] + text[match.end() :]
    found = parse_when(text, now=now, tz=tz)
    invalid = None
    if isinstance(found, InvalidWhen):
        invalid = found
        text = text.replace(found.matched, " ")
    elif found is not None:
        at = found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR)
        draft.starts_at, draft.has_time = at.isoformat(), True
        text = found.rest
    draft.title = " ".join(text.split()).strip(" ,.-")
    return draft, invalid


# -- writing a call ---------------------------------------------------------------------------
async def call_command(_event: Event, ctx: Context) -> None:
    args = ctx.args.strip()
    first = args.split(maxsplit=1)[0].casefold() if args else ""
    if first in ("status", "stand"):
        await status(ctx, args.partition(" ")[2])
        return
    if first in ("sluit", "close"):
        await close(ctx, args.partition(" ")[2])
        return
    require(ctx.member, Action.POST_CALL)
    if not args:
        await ctx.expect(FLOW, "title", draft=asdict(Draft(guided=True)))
        await ctx.reply_direct(ctx.t("calls.ask_title"))
        return
    draft, invalid = parse_call(args, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
    await continue_draft(ctx, draft, invalid)


async def continue_draft(ctx: Context, draft: Draft, invalid: InvalidWhen | None = None) -> None:
    """Ask for what is still missing, then for confirmation."""
    if not draft.title:
        await ask(ctx, draft, "title", ctx.t("calls.ask_title"))
    elif invalid is not None:
        await ask(ctx, draft, "when", ctx.t("calls.bad_date", text=date_words(invalid.matched)))
    elif draft.starts_at is None and draft.guided:
        await ask(
            ctx,
            draft,
            "when",
            ctx.t("calls.ask_when"),
            [Button(ctx.t("calls.no_date"), "call:nodate")],
        )
    elif draft.guided and draft.cell is None:
        cells = await ctx.storage.networks.cells(ctx.network.id)
        buttons = [Button(c.name, f"call:cell:{c.name}") for c in cells[:8]]
        buttons.append(Button(ctx.t("calls.everyone"), "call:cell:-"))
        await ask(ctx, draft, "cell", ctx.t("calls.ask_cell"), buttons)
    elif draft.guided and draft.people is None:
        buttons = [Button(str(n), f"call:people:{n}") for n in (1, 2, 3, 5, 10)]
        buttons.append(Button(ctx.t("calls.any_number"), "call:people:0"))
        await ask(ctx, draft, "people", ctx.t("calls.ask_people"), buttons)
    else:
        await ask(
            ctx,
            draft,
            "confirm",
            await summary(ctx, draft),
            [
                Button(ctx.t("calls.post"), "call:post:group"),
                Button(ctx.t("calls.post_everyone"), "call:post:all"),
                Button(ctx.t("calls.cancel"), "call:cancel"),
            ],
        )


async def ask(
    ctx: Context, draft: Draft, step: str, text: str, buttons: list[Button] | None = None
) -> None:
    await ctx.expect(FLOW, step, draft=asdict(draft))
    await ctx.reply_direct(text, buttons=buttons or [])


def current_draft(ctx: Context) -> Draft:
    data = ctx.conversation.data.get("draft") if ctx.conversation else None
    return Draft(**data) if data else Draft(guided=True)


async def summary(ctx: Context, draft: Draft) -> str:
    t = ctx.t
    when = when_text(t, draft.when, draft.has_time, tz=ctx.member.timezone, now=ctx.now())
    cell = draft.cell if draft.cell and draft.cell != "-" else t("calls.everyone")
    people = str(draft.people) if draft.people else t("calls.any_number")
    return t("calls.confirm", title=draft.title, when=when, where=cell, people=people)


async def answer(_event: Event, ctx: Context) -> None:
    """A typed answer during the guided steps."""
    draft, step, text = current_draft(ctx), ctx.conversation.step, ctx.args.strip()
    if step == "title":
        parsed, invalid = parse_call(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        draft.title = parsed.title or text
        for name in ("starts_at", "has_time", "cell", "people"):
            if getattr(parsed, name) not in (None, False):
                setattr(draft, name, getattr(parsed, name))
        await continue_draft(ctx, draft, invalid)
    elif step == "when":
        if text.casefold() in ("geen", "nee", "none", "no", "-"):
            draft.guided = False
            await continue_draft(ctx, draft)
            return
        found = parse_when(text, now=ctx.now(), tz=ZoneInfo(ctx.member.timezone))
        if found is None or isinstance(found, InvalidWhen):
            await ask(ctx, draft, "when", ctx.t("calls.bad_date", text=text))
            return
        at = found.at if found.has_time else found.at.replace(hour=DEFAULT_HOUR)
        draft.starts_at, draft.has_time = at.isoformat(), True
        await continue_draft(ctx, draft)
    elif step == "cell":
        draft.cell = text.lstrip("#")[:60] or "-"
        await continue_draft(ctx, draft)
    elif step == "people":
        number = re.search(r"[0-9]+", text)
        people = parse_int(number.group(), high=MAX_PEOPLE) if number else None
        if people is None:
            await ask(ctx, draft, "people", ctx.t("calls.ask_people_number"))
            return
        draft.people = people or None
        draft.guided = False
        await continue_draft(ctx, draft)
    else:
        await continue_draft(ctx, draft)


async def pressed(_event: Event, ctx: Context) -> None:
    action, _, value = ctx.args.partition(":")
    if action in ("join", "more", "decline"):
        call = await get_call(ctx, value)
        await {"join": join, "more": tell_more, "decline": decline}[action](ctx, call)
        return
    if ctx.conversation is None or ctx.conversation.flow != FLOW:
        await ctx.reply(ctx.t("common.button_expired"))
        return
    draft = current_draft(ctx)
    if action == "nodate":
        draft.starts_at, draft.guided = None, False
        await continue_draft(ctx, draft)
    elif action == "cell":
        draft.cell = value
        await continue_draft(ctx, draft)
    elif action == "people":
        draft.people, draft.guided = (int(value) or None), False
        await continue_draft(ctx, draft)
    elif action == "cancel":
        await ctx.finish()
        await ctx.reply(ctx.t("calls.cancelled"))
    elif action == "post":
        require(ctx.member, Action.POST_CALL)
        await ctx.finish()
        await post(ctx, draft, everyone=value == "all")


# -- posting and inviting ---------------------------------------------------------------------
async def post(ctx: Context, draft: Draft, *, everyone: bool) -> Call:
    storage = ctx.storage
    cell = None
    cell_name = clean_name(draft.cell or "")[:60]
    if cell_name and cell_name != "-":
        cell = await storage.networks.ensure_cell(ctx.network.id, cell_name)
    call = await storage.calls.create(
        ctx.network.id,
        ctx.member.id,
        title=draft.title,
        starts_at=draft.when,
        has_time=draft.has_time,
        cell_id=cell.id if cell else None,
        people_needed=draft.people,
        now=ctx.now(),
    )
    messages = [
        Outgoing(
            f"call:{call.id}:post:{chat.platform}:{chat.platform_chat_id}",
            await call_post(ctx, call),
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            kind="call",
        )
        for chat in await call_chats(ctx, call)
    ]
    if everyone:
        members = [
            m
            for m in await storage.members.list(ctx.network.id)
            if m.invitable
            and m.id != ctx.member.id
            and (call.cell_id is None or m.cell_id == call.cell_id)
        ]
        await storage.calls.invite_many(call.id, [(m.id, None) for m in members], now=ctx.now())
        messages += [await invitation(ctx, call, m, why=None) for m in members]
        invited = len(members)
    else:
        invited = await invite_matches(
            ctx, call, count=invite_count(call), send=False, collect=messages
        )
    await ctx.send_many(messages)
    await ctx.storage.audit.record(
        ctx.network.id,
        "broadcast",
        actor_id=ctx.member.id,
        details={"call_id": call.id, "everyone": everyone, "messages": len(messages)},
        now=ctx.now(),
    )
    key = "calls.posted_everyone" if everyone else "calls.posted"
    await ctx.reply_direct(ctx.t(key, id=call.id, invited=invited))
    return call


def invite_count(call: Call) -> int:
    """'The best few': a little more than the places, never a crowd."""
    return min(5, (call.people_needed or 2) + 1)


async def invite_matches(
    ctx: ServiceContext,
    call: Call,
    *,
    count: int,
    send: bool = True,
    collect: list[Outgoing] | None = None,
) -> int:
    """Invite the best-fitting members not invited or pledged before. Never the same member
    twice for one call: the invitation record is the guard."""
    if ctx.services.search is None or count <= 0:
        return 0
    already = set(await ctx.storage.calls.invitations(call.id))
    already |= {p.member_id for p in await ctx.storage.pledges.of_call(call.id)}
    if call.initiator_id is not None:
        already.add(call.initiator_id)
    matches = await ctx.services.search.invitees(
        call.title + " " + call.details,
        network_id=call.network_id,
        exclude=already,
        limit=count,
        prefer_cell=call.cell_id,
    )
    messages = collect if collect is not None else []
    invited = 0
    for match in matches:
        if await ctx.storage.calls.invite(
            call.id, match.member.id, score=match.score, now=ctx.now()
        ):
            messages.append(await invitation(ctx, call, match.member, why=match.why))
            invited += 1
    if send and messages:
        await ctx.send_many(messages)
    return invited


async def invitation(
    ctx: ServiceContext, call: Call, member: Member, *, why: str | None
) -> Outgoing:
    t = Translator(member.language)
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    when = when_text(t, call.starts_at, call.has_time, tz=member.timezone, now=ctx.now())
    text = t(
        "calls.invitation",
        name=member.display_name,
        title=call.title,
        when=when,
        initiator=initiator.display_name if initiator else t("calls.the_network"),
    )
    if why:
        text += "\n" + t("calls.invitation_why", why=why)
    buttons = (
        Button(t("calls.join"), f"call:join:{call.id}", "👍"),
        Button(t("calls.decline"), f"call:decline:{call.id}"),
    )
    return Outgoing(
        f"call:{call.id}:invite:{member.id}",
        Reply(text, buttons),
        member_id=member.id,
        kind="invitation",
    )


async def call_chats(ctx: ServiceContext, call: Call) -> list:
    """The cell's own chats if it has any, else the network's group chats."""
    chats = (
        await ctx.storage.chats.groups(call.network_id, cell_id=call.cell_id)
        if call.cell_id
        else []
    )
    return chats or await ctx.storage.chats.groups(call.network_id)


async def call_post(ctx: ServiceContext, call: Call) -> Reply:
    """The call as posted in a group chat, in the network's language."""
    t = Translator(ctx.network.language)
    buttons = (
        Button(t("calls.join"), f"call:join:{call.id}", "👍"),
        Button(t("calls.more"), f"call:more:{call.id}", "ℹ️"),
    )
    return Reply(await describe(ctx, call, t, header=True), buttons)


async def describe(ctx: ServiceContext, call: Call, t: Translator, *, header: bool = False) -> str:
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    cell = await ctx.storage.networks.get_cell(call.cell_id) if call.cell_id else None
    taken = await ctx.storage.calls.counted(call.id)
    people = (
        t("calls.places", taken=taken, needed=call.people_needed)
        if call.people_needed
        else t("calls.places_open", taken=taken)
    )
    when = when_text(t, call.starts_at, call.has_time, tz=ctx.network.timezone, now=ctx.now())
    return t(
        "calls.post_text" if header else "calls.details",
        id=call.id,
        title=call.title,
        initiator=initiator.display_name if initiator else t("calls.the_network"),
        when=when,
        where=cell.name if cell else t("calls.everyone"),
        people=people,
    )


# -- answering a call -------------------------------------------------------------------------
async def get_call(ctx: Context, ref: str) -> Call:
    match = _CALL_REF.search(ref)
    call_id = parse_id(match.group(1)) if match else None
    call = await ctx.storage.calls.get(call_id) if call_id else None
    if call is None or call.network_id != ctx.network.id:
        raise NotFound("calls.not_found")
    return call


async def join(ctx: Context, call: Call) -> None:
    if call.status is CallStatus.CLOSED:
        await ctx.reply(ctx.t("calls.closed", title=call.title))
        return
    outcome = await ctx.storage.pledges.create(
        ctx.network.id,
        ctx.member.id,
        what=call.title,
        due_at=call.starts_at,
        due_has_time=call.has_time,
        now=ctx.now(),
        call_id=call.id,
    )
    await announce_pledge(ctx, outcome)


async def announce_pledge(ctx: Context, outcome: PledgeOutcome) -> None:
    """Tell the member (and, for a call, the chat) what their pledge did."""
    call, pledge, t = outcome.call, outcome.pledge, ctx.t
    assert call is not None
    if outcome.already:
        await ctx.reply(t("calls.already_in", title=call.title))
        return
    if pledge.status is PledgeStatus.WAITING:
        await ctx.reply_direct(t("calls.waiting_list", title=call.title))
        return
    when = when_text(t, call.starts_at, call.has_time, tz=ctx.member.timezone, now=ctx.now())
    await ctx.reply_direct(t("calls.joined", title=call.title, when=when, id=pledge.id))
    if not ctx.in_direct_chat:
        taken = await ctx.storage.calls.counted(call.id)
        key = "calls.joined_group" if call.people_needed else "calls.joined_group_open"
        await ctx.reply(
            t(key, name=ctx.member.display_name, taken=taken, needed=call.people_needed or 0)
        )
    if outcome.became_full:
        await announce_full(ctx, call, pledge.id)


async def announce_full(ctx: ServiceContext, call: Call, filled_by: int) -> None:
    t = Translator(ctx.network.language)
    messages = [
        Outgoing(
            f"call:{call.id}:full:{filled_by}:{chat.platform_chat_id}",
            Reply(t("calls.full", title=call.title)),
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            kind="call",
        )
        for chat in await call_chats(ctx, call)
    ]
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    if initiator is not None:
        messages.append(
            Outgoing(
                f"call:{call.id}:full:{filled_by}:initiator",
                Reply(Translator(initiator.language)("calls.full_initiator", title=call.title)),
                member_id=initiator.id,
            )
        )
    await ctx.send_many(messages)


async def tell_more(ctx: Context, call: Call) -> None:
    await ctx.reply_direct(
        await describe(ctx, call, ctx.t),
        buttons=[Button(ctx.t("calls.join"), f"call:join:{call.id}", "👍")],
    )


async def decline(ctx: Context, call: Call) -> None:
    """'Nu niet' is respected: no follow-up for this call."""
    await ctx.storage.calls.answer_invitation(call.id, ctx.member.id, "declined", now=ctx.now())
    await ctx.reply(ctx.t("calls.declined"))


async def join_phrase(_event: Event, ctx: Context) -> None:
    """Typed 'ik doe mee' (platforms without buttons): the call named, or the newest open one."""
    match = ctx.route.match
    ref = match.group("ref") if match and match.group("ref") else None
    if ref:
        call = await get_call(ctx, ref)
    else:
        open_calls = await ctx.storage.calls.open_calls(ctx.network.id)
        if not open_calls:
            await ctx.reply(ctx.t("calls.none_open"))
            return
        call = max(open_calls, key=lambda c: c.created_at)
    await join(ctx, call)


# -- overviews ----------------------------------------------------------------------------------
async def list_calls(_event: Event, ctx: Context) -> None:
    calls = await ctx.storage.calls.open_calls(ctx.network.id)
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
        Button(ctx.t("calls.join_numbered", id=c.id), f"call:join:{c.id}") for c in calls[:5]
    ]
    await ctx.reply("\n".join(lines), buttons=buttons)


async def status(ctx: Context, ref: str) -> None:
    """For the initiator: who pledged, who is done, who waits, how the invitations went."""
    require(ctx.member, Action.CALL_STATUS)
    if ref.strip():
        call = await get_call(ctx, ref)
    else:
        mine = [
            c
            for c in await ctx.storage.calls.open_calls(ctx.network.id)
            if c.initiator_id == ctx.member.id
        ]
        if not mine:
            raise UserFacingError("calls.no_own_calls")
        call = max(mine, key=lambda c: c.created_at)
    if call.initiator_id != ctx.member.id and not allowed(ctx.member, Action.SET_ROLE):
        raise UserFacingError("permission.not_your_call")
    pledges = await ctx.storage.pledges.of_call(call.id)
    names = {
        m.id: m.display_name
        for m in await ctx.storage.members.get_many(p.member_id for p in pledges if p.member_id)
    }
    t = ctx.t

    def who(*statuses: PledgeStatus) -> str:
        found = [names.get(p.member_id, "?") for p in pledges if p.status in statuses]
        return bullets(found) if found else t("calls.nobody")

    invitations = await ctx.storage.calls.invitations(call.id)
    text = "\n".join(
        [
            await describe(ctx, call, t),
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
    await ctx.reply_direct(text)


async def close(ctx: Context, ref: str) -> None:
    require(ctx.member, Action.CLOSE_CALL)
    call = await get_call(ctx, ref)
    if call.initiator_id != ctx.member.id and not allowed(ctx.member, Action.SET_ROLE):
        raise UserFacingError("permission.not_your_call")
    await ctx.storage.calls.close(call.id)
    await ctx.reply(ctx.t("calls.closed_now", title=call.title))


def register(router: Router) -> None:
    router.command("oproep", "call", "hulpvraag")(call_command)
    router.command("oproepen", "calls")(list_calls)
    router.flow(FLOW)(answer)
    router.button("call")(pressed)
    router.phrase(
        r"^\s*(?:ik\s+doe\s+mee|doe\s+mee|ik\s+ben\s+erbij|count\s+me\s+in|i'?m\s+in)"
        r"(?:\s+(?:met|with|voor|for|bij)?\s*(?:oproep\s+|call\s+)?(?P<ref>#?[0-9]+))?\W*$",
        clear_in_groups=True,
    )(join_phrase)

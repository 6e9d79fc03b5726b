"""Calls for help (oproep): post, join, decline, change, close and cancel; the texts others
receive.

The initiator stands at the edge: posting, inviting fitting members privately, keeping the
count, the waiting list and the "full" announcement are the bot's work. Everything said to
people other than the one acting (the group post, invitations, "is vol", "gaat niet door")
is queued here, in each reader's own language; the caller turns the result into its reply.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from actions.buttons import JoinCall, MoreAboutCall
from actions.context import ActionContext
from actions.invitations import invitation, invite_count, invite_matches
from actions.permissions import Permission, require, require_own_call
from actions.reach import reach
from actions.wording import when_text
from bot.clean import clean_name, clean_text
from bot.core import Button, Reply
from bot.errors import NotFound, UserFacingError
from bot.i18n import Translator
from bot.outbox import Outgoing, edit_by_key
from storage.ids import is_row_id
from storage.records import Chat, Member
from storage.repositories.calls import (
    Call,
    CallChange,
    CallStatus,
    Pledge,
    PledgeOutcome,
    PledgeStatus,
)

CELL_NAME_MAX = 60
REASON_MAX = 300


@dataclass(frozen=True)
class NewCall:
    """What an initiator asks for."""

    title: str
    starts_at: datetime | None = None
    has_time: bool = False
    cell: str | None = None  # a cell's name; None: the whole network
    people: int | None = None  # None: any number


@dataclass(frozen=True)
class Posted:
    call: Call
    everyone: bool
    invited: int  # members who get a personal message
    unreachable: tuple[str, ...] = ()  # names of members it cannot reach yet
    links: tuple[str, ...] = ()  # what those members can open to become reachable


@dataclass(frozen=True)
class Joined:
    outcome: PledgeOutcome
    taken: int  # places taken after this pledge


@dataclass(frozen=True)
class Cancelled:
    call: Call
    told: int  # members whose pledge was handed back, each told privately
    already: bool = False  # it was cancelled before: nobody was told again


# -- reading ------------------------------------------------------------------------------------
async def find_call(ctx: ActionContext, call_id: int) -> Call:
    """The network's call with this id, or a polite NotFound."""
    call = await ctx.storage.calls.get(call_id) if is_row_id(call_id) else None
    if call is None or call.network_id != ctx.network.id:
        raise NotFound("calls.not_found")
    return call


async def call_chats(ctx: ActionContext, call: Call) -> list[Chat]:
    """The cell's own chats if it has any, else the network's group chats."""
    chats = (
        await ctx.storage.chats.groups(call.network_id, cell_id=call.cell_id)
        if call.cell_id
        else []
    )
    return chats or await ctx.storage.chats.groups(call.network_id)


async def describe(
    ctx: ActionContext, call: Call, t: Translator, *, tz: str, header: bool = False
) -> str:
    """The call's details (who, what, when, where, places) for one reader."""
    initiator = await ctx.storage.members.get(call.initiator_id) if call.initiator_id else None
    cell = await ctx.storage.networks.get_cell(call.cell_id) if call.cell_id else None
    taken = await ctx.storage.calls.counted(call.id)
    if call.people_needed:
        people = t.n("calls.places", call.people_needed, taken=taken)
    else:
        people = t.n("calls.places_open", taken) if taken else t("calls.places_none")
    when = when_text(t, call.starts_at, call.has_time, tz=tz, now=ctx.now())
    return t(
        "calls.post_text" if header else "calls.details",
        id=call.id,
        title=call.title,
        initiator=initiator.display_name if initiator else t("calls.the_network"),
        when=when,
        where=cell.name if cell else t("calls.everyone"),
        people=people,
    )


async def call_post(ctx: ActionContext, call: Call) -> Reply:
    """The call as posted in a group chat, in the network's language, with the live count.
    A full call loses its "join" button (latecomers can still ask for the waiting list
    privately); a closed or cancelled one loses its buttons and says so."""
    t = Translator(ctx.network.language)
    buttons: tuple[Button, ...] = (
        Button(t("calls.join"), JoinCall(call.id).encode(), "👍"),
        Button(t("calls.more"), MoreAboutCall(call.id).encode(), "ℹ️"),
    )
    text = await describe(ctx, call, t, tz=ctx.network.timezone, header=True)
    if call.status.ended:
        buttons = ()
        status = (
            "calls.post_cancelled" if call.status is CallStatus.CANCELLED else "calls.post_closed"
        )
        text += "\n" + t(status)
    elif call.status is CallStatus.FULL:
        buttons = buttons[1:]
        text += "\n" + t("calls.post_full")
    return Reply(text, buttons)


def post_key(call: Call, chat: Chat) -> str:
    """The outbox key of the call's post in ``chat`` (it finds the post again to edit it)."""
    return f"call:{call.id}:post:{chat.platform}:{chat.platform_chat_id}"


async def refresh_posts(ctx: ActionContext, call_id: int) -> int:
    """Edit the call's posts in its chats in place: the live count, and the buttons as the
    call's state allows (:func:`call_post`). A post not sent yet is left alone. Returns how
    many edits were queued."""
    call = await ctx.storage.calls.get(call_id)
    if call is None:
        return 0
    post = await call_post(ctx, call)
    taken = await ctx.storage.calls.counted(call.id)
    stamp = f"{ctx.now().isoformat()}:{call.status.value}:{taken}"
    now: list[Outgoing] = []
    later: list[Outgoing] = []
    for chat in await call_chats(ctx, call):
        key = post_key(call, chat)
        sent = await ctx.storage.outbox.sent_message_id(key)
        if sent is not None:
            platform, chat_id, message_id = sent
            edit_of, into = message_id, now
        elif await ctx.storage.outbox.waiting(key):  # sent, but not recorded yet: just after
            platform, chat_id = chat.platform, chat.platform_chat_id
            edit_of, into = edit_by_key(key), later
        else:
            continue  # never posted there (a chat added since)
        into.append(
            Outgoing(
                f"call:{call.id}:edit:{platform}:{chat_id}:{stamp}",
                replace(post, edit_of=edit_of),
                platform=platform,
                chat_id=chat_id,
                kind="call",
            )
        )
    # At once: before any step after the commit (a forget empties the log after its sends).
    return await ctx.send_many(now, at_once=True) + await ctx.send_many(later)


async def call_replied_to(
    ctx: ActionContext, platform: str, chat_id: str, message_id: str
) -> Call | None:
    """The call whose post (or invitation) is the bot message ``message_id`` in that chat."""
    key = await ctx.storage.outbox.key_of_sent(platform, chat_id, message_id)
    if key is None or not key.startswith("call:"):
        return None
    number = key.split(":")[1]
    call = await ctx.storage.calls.get(int(number)) if number.isdigit() else None
    return call if call is not None and call.network_id == ctx.network.id else None


async def calls_open_in_chat(ctx: ActionContext, platform: str, chat_id: str) -> list[Call]:
    """The calls still taking people that were posted in this group chat."""
    found = []
    for call in await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now()):
        chats = await call_chats(ctx, call)
        if any(c.platform == platform and c.platform_chat_id == chat_id for c in chats):
            found.append(call)
    return found


# -- posting ------------------------------------------------------------------------------------
async def post_call(
    ctx: ActionContext, initiator: Member, new: NewCall, *, everyone: bool, invite: bool = True
) -> Posted:
    """Post the call in its chats and invite: the best-fitting few, or (``everyone``) every
    member who wants invitations (in the call's cell, if it has one) whom the bot can reach.
    Members it cannot reach yet are named in the result, with the link that fixes it.
    ``invite=False`` only posts it (later dates of a series: one invitation per batch, and
    a call still short two days ahead invites then)."""
    require(initiator, Permission.POST_CALL)
    storage, now = ctx.storage, ctx.now()
    cell = None
    cell_name = clean_name(new.cell or "")[:CELL_NAME_MAX]
    if cell_name and cell_name != "-":
        cell = await storage.networks.ensure_cell(ctx.network.id, cell_name)
    call = await storage.calls.create(
        ctx.network.id,
        initiator.id,
        title=new.title,
        starts_at=new.starts_at,
        has_time=new.has_time,
        cell_id=cell.id if cell else None,
        people_needed=new.people,
        now=now,
    )
    post = await call_post(ctx, call)
    messages = [
        Outgoing(
            post_key(call, chat),
            post,
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            kind="call",
        )
        for chat in await call_chats(ctx, call)
    ]
    unreachable: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    if not invite:
        invited = 0
    elif everyone:
        wanted = [
            m
            for m in await storage.members.list(ctx.network.id)
            if m.invitable
            and m.id != initiator.id
            and (call.cell_id is None or m.cell_id == call.cell_id)
        ]
        found = await reach(ctx, wanted)
        await storage.calls.invite_many(call.id, [(m.id, None) for m in found.reachable], now=now)
        messages += [await invitation(ctx, call, m, why=None) for m in found.reachable]
        invited = len(found.reachable)
        unreachable = tuple(m.display_name for m in found.unreachable)
        links = found.links
    else:
        invited = await invite_matches(ctx, call, count=invite_count(call), collect=messages)
    await ctx.send_many(messages)
    await storage.audit.record(
        ctx.network.id,
        "broadcast",
        actor_id=initiator.id,
        details={"call_id": call.id, "everyone": everyone, "messages": len(messages)},
        now=now,
    )
    return Posted(call, everyone, invited, unreachable, links)


# -- answering ----------------------------------------------------------------------------------
def passed(call: Call, now: datetime) -> bool:
    """The call's moment is behind us (a call without a date never passes)."""
    return call.starts_at is not None and call.starts_at < now


#: Words that say nothing about which call is meant ("ik doe mee met *de* speeltuin").
_FILLER = frozenset(
    "de het een die dat deze dit van voor met bij aan op in om the a an that this of for with"
    " at on to oproep call".split()
)
#: How alike (rapidfuzz ratio, 0-100) a word must be to a title word to count as naming it:
#: a typo ("speeltuun") counts, a different word sharing a prefix ("speelveld") does not.
TITLE_WORD_MATCH = 80.0


def _title_words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.casefold()) if w not in _FILLER and len(w) > 1]


def same_word(a: str, b: str) -> bool:
    """Two words are one, typed or inflected otherwise: a typo ("speeltuun"), a longer form
    ("walk" / "walking", "bank" / "bankjes")."""
    short, long = sorted((a, b), key=len)
    return fuzz.ratio(a, b) >= TITLE_WORD_MATCH or (len(short) >= 3 and long.startswith(short))


def titled(calls: list[Call], words: str) -> list[Call]:
    """The calls the words name by their title ("ik doe mee met de speeltuin" for
    "Speeltuin opknappen"), best first: those whose title holds the largest share of the
    meaningful words, at least half, typos allowed (the rest may say when: "the cleanup on
    saturday"). Empty when the words name none (the member is then shown the list)."""
    wanted = _title_words(words)
    if not wanted:
        return []
    scored = []
    for call in calls:
        title = _title_words(call.title)
        if not title:
            continue
        best = [max(fuzz.ratio(w, t) for t in title) for w in wanted]
        named = sum(b >= TITLE_WORD_MATCH for b in best) / len(wanted)
        if named >= 0.5:
            scored.append((named, sum(best), call))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2].id))
    return [call for share, _, call in scored if share == scored[0][0]]


#: Words too common to tie a pledge to a call ("ik kan zaterdag *helpen*").
_TOO_COMMON = frozenset(
    "help helpen hulp doen komen kom come coming gaan going mee meedoen join graag wel ook"
    " also zeker sure".split()
)


def call_meant(calls: list[Call], what: str, on: date | None, *, tz: ZoneInfo) -> Call | None:
    """The one call the words seem to be about ("I'll come to the fence thing on saturday"
    for "Paint the community centre fence" on that Saturday, "is the bench painting still
    on?" for "Paint the benches"): the one sharing the most title words of four letters or
    more (typos allowed), on the day ``on`` if given. None when none or several share as
    many (a pledge is then the member's own)."""
    typed = [w for w in _title_words(what) if len(w) >= 4 and w not in _TOO_COMMON]
    if not typed:
        return None
    scored: list[tuple[int, Call]] = []
    for call in calls:
        if (
            on is not None
            and call.starts_at is not None
            and call.starts_at.astimezone(tz).date() != on
        ):
            continue
        title = [w for w in _title_words(call.title) if len(w) >= 4 and w not in _TOO_COMMON]
        shared = sum(any(same_word(t, w) for w in typed) for t in title)
        if shared:
            scored.append((shared, call))
    if not scored:
        return None
    most = max(shared for shared, _ in scored)
    found = [call for shared, call in scored if shared == most]
    return found[0] if len(found) == 1 else None


#: Words that say nothing about which pledge is meant ("I *can't do* the dog walking *anymore*").
_NOT_THE_PLEDGE = frozenset(
    "can't cannot kan niet meer anymore more after all doe doen does did done mrs mr mevrouw"
    " meneer".split()
)


def pledge_meant(pledges: Sequence[Pledge], titles: Mapping[int, str], text: str) -> Pledge | None:
    """The one pledge whose words, or its call's title (``titles`` by call id), the text
    shares a word with ("the dog walking" for "walk Mrs de Wit's dog", "everyone loved the
    soup" for "bring soup to the community dinner"); None when none or several do."""
    said = [w for w in _title_words(text) if len(w) >= 3 and w not in _NOT_THE_PLEDGE]
    named = []
    for pledge in pledges:
        theirs = _title_words(f"{pledge.what} {titles.get(pledge.call_id or 0, '')}")
        if any(same_word(a, b) for a in said for b in theirs if len(b) >= 3):
            named.append(pledge)
    return named[0] if len(named) == 1 else None


def taking_people(call: Call, now: datetime) -> bool:
    """Open or full (a waiting list), and still ahead."""
    return not call.status.ended and not passed(call, now)


async def suggestable(ctx: ActionContext, member: Member, calls: list[Call]) -> list[Call]:
    """The calls worth offering the member: open (not full, not ended), still ahead, with
    room, not the member's own, not already joined, not declined."""
    now, joined = (
        ctx.now(),
        {p.call_id for p in await ctx.storage.pledges.of_member(member.id, tuple(PledgeStatus))},
    )
    found = []
    for call in calls:
        if call.status is not CallStatus.OPEN or passed(call, now):
            continue
        if call.initiator_id == member.id or call.id in joined:
            continue
        if call.people_needed and await ctx.storage.calls.counted(call.id) >= call.people_needed:
            continue
        if (await ctx.storage.calls.invitations(call.id)).get(member.id) == "declined":
            continue
        found.append(call)
    return await _one_per_series(ctx, found)


async def _one_per_series(ctx: ActionContext, calls: list[Call]) -> list[Call]:
    """Of a recurring call only its soonest date is suggested: three "Koffie-ochtend"s in one
    list read as a duplicate."""
    seen: set[int] = set()
    kept = []
    for call in sorted(calls, key=lambda c: (c.starts_at is None, c.starts_at or c.created_at)):
        series_id = await ctx.storage.series.of_call(call.id)
        if series_id is not None:
            if series_id in seen:
                continue
            seen.add(series_id)
        kept.append(call)
    order = {c.id: i for i, c in enumerate(calls)}
    return sorted(kept, key=lambda c: order[c.id])


async def join_call(ctx: ActionContext, member: Member, call: Call) -> Joined:
    """Pledge for the call: a place, or the waiting list when it is full. The pledge that
    fills the last place announces it in the call's chats and to the initiator. A call that
    ended or whose moment passed takes nobody."""
    if call.status is CallStatus.CANCELLED:
        raise UserFacingError("calls.closed_cancelled", title=call.title)
    if not taking_people(call, ctx.now()):
        raise UserFacingError("calls.closed", title=call.title)
    outcome = await ctx.storage.pledges.create(
        ctx.network.id,
        member.id,
        what=call.title,
        due_at=call.starts_at,
        due_has_time=call.has_time,
        now=ctx.now(),
        call_id=call.id,
    )
    if outcome.became_full:
        await announce_full(ctx, call, outcome.pledge.id)
    await refresh_posts(ctx, call.id)
    return Joined(outcome, await ctx.storage.calls.counted(call.id))


async def announce_full(ctx: ActionContext, call: Call, filled_by: int) -> None:
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


async def decline_invitation(ctx: ActionContext, member: Member, call: Call) -> None:
    """'Nu niet' is respected: the member is not asked for this call again."""
    await ctx.storage.calls.answer_invitation(call.id, member.id, "declined", now=ctx.now())


# -- ending ---------------------------------------------------------------------------------------
async def end_call(
    ctx: ActionContext, member: Member | None, call_id: int, reason: str = ""
) -> Cancelled | Call:
    """What "annuleer", "sluit", "cancel" and "close" mean: a call whose moment passed is
    closed (it took place; pledges stay for "Gelukt?"), any other call is cancelled."""
    require(member, Permission.CLOSE_CALL)
    call = await find_call(ctx, call_id)
    require_own_call(member, call)
    if passed(call, ctx.now()) and call.status is not CallStatus.CANCELLED:
        return await close_call(ctx, member, call_id)
    return await cancel_call(ctx, member, call_id, reason)


async def close_call(ctx: ActionContext, member: Member | None, call_id: int) -> Call:
    """No more pledges: the call took place or has enough people. Pledges that hold a place
    stay as they are; whoever was still waiting is told once, kindly."""
    require(member, Permission.CLOSE_CALL)
    call = await find_call(ctx, call_id)
    require_own_call(member, call)
    if not call.status.ended:
        await close_and_tell(ctx, call)
    return call


async def close_and_tell(ctx: ActionContext, call: Call) -> None:
    """Close the call; the waiting list hears that no place came free (once each)."""
    waiting = await ctx.storage.calls.close(call.id, now=ctx.now())
    people = await ctx.storage.members.get_many(p.member_id for p in waiting if p.member_id)
    await ctx.send_many(
        [
            Outgoing(
                f"call:{call.id}:closed:{person.id}",
                Reply(Translator(person.language)("calls.closed_waiting", title=call.title)),
                member_id=person.id,
            )
            for person in people
        ]
    )
    await refresh_posts(ctx, call.id)  # the post says it is closed and loses its buttons


async def close_passed(ctx: ActionContext, call: Call) -> bool:
    """A call whose moment passed (plus the "Gelukt?" grace) closes itself. True if it did."""
    fresh = await ctx.storage.calls.get(call.id)
    if fresh is None or fresh.status.ended or not passed(fresh, ctx.now()):
        return False
    await close_and_tell(ctx, fresh)
    return True


async def cancel_call(
    ctx: ActionContext, member: Member | None, call_id: int, reason: str = ""
) -> Cancelled:
    """The call is not happening: every pledge for it is handed back (nobody is promoted from
    the waiting list), each of those members is told privately, and the call's chats hear it
    too, with the ``reason`` when one is given. Cancelling twice tells nobody twice."""
    require(member, Permission.CLOSE_CALL)
    call = await find_call(ctx, call_id)
    require_own_call(member, call)
    if call.status is CallStatus.CANCELLED:
        return Cancelled(call, 0, already=True)
    reason = clean_text(reason).strip(" :-")[:REASON_MAX]
    ended = await ctx.storage.calls.cancel(call.id, now=ctx.now())
    people = await ctx.storage.members.get_many(p.member_id for p in ended if p.member_id)
    messages = []
    for person in people:
        t = Translator(person.language)
        messages.append(
            Outgoing(
                f"call:{call.id}:cancelled:{person.id}",
                Reply(_with_reason(t, t("calls.cancel_notice", title=call.title), reason)),
                member_id=person.id,
            )
        )
    t = Translator(ctx.network.language)
    group = _with_reason(t, t("calls.cancel_group", id=call.id, title=call.title), reason)
    messages += [
        Outgoing(
            f"call:{call.id}:cancelled:{chat.platform_chat_id}",
            Reply(group),
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            kind="call",
        )
        for chat in await call_chats(ctx, call)
    ]
    await ctx.send_many(messages)
    await refresh_posts(ctx, call.id)
    await ctx.storage.audit.record(
        ctx.network.id,
        "call_cancelled",
        actor_id=member.id if member else None,
        details={"call_id": call.id, "told": len(people)},
        now=ctx.now(),
    )
    return Cancelled(call, len(people))


# -- inviting more -------------------------------------------------------------------------------
async def invite_more(ctx: ActionContext, member: Member | None, call_id: int) -> int:
    """Invite the next best-fitting members for a call of one's own (never anyone twice);
    returns how many were invited."""
    require(member, Permission.CALL_STATUS)
    call = await find_call(ctx, call_id)
    require_own_call(member, call)
    if call.status.ended:
        raise UserFacingError("calls.ended_no_change", title=call.title)
    return await invite_matches(ctx, call, count=invite_count(call))


def _with_reason(t: Translator, text: str, reason: str) -> str:
    return text + "\n" + t("calls.cancel_reason", reason=reason) if reason else text


# -- changing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Changed:
    change: CallChange
    told: int  # members told that the call moved (or was renamed)


async def change_call(
    ctx: ActionContext, member: Member | None, call_id: int, new: NewCall
) -> Changed:
    """Change a call's what, when, where and how many. The open pledges follow; when the
    time, the cell or the title changed, the people taking part and the call's chats hear it
    once; a bigger call gives places to the waiting list in order (they hear it as when a
    place reopens). Nobody is invited by a change: inviting the next matches does that."""
    require(member, Permission.POST_CALL)
    call = await find_call(ctx, call_id)
    require_own_call(member, call)
    if call.status.ended:
        raise UserFacingError("calls.ended_no_change", title=call.title)
    name = clean_name(new.cell or "").lstrip("#")[:CELL_NAME_MAX]
    cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name) if name else None
    change = await ctx.storage.calls.update(
        call.id,
        title=new.title,
        starts_at=new.starts_at,
        has_time=new.has_time,
        cell_id=cell.id if cell else None,
        people_needed=new.people,
        now=ctx.now(),
    )
    before, after = change.before, change.after
    renamed = before.title != after.title
    edit = uuid.uuid4().hex[:12]  # each change is news of its own; a retry rolls its rows back
    messages: list[Outgoing] = []
    promoted = {p.member_id for p in change.promoted}
    for pledge in change.promoted:
        person = await ctx.storage.members.get(pledge.member_id) if pledge.member_id else None
        if person is not None:
            t = Translator(person.language)
            messages.append(
                Outgoing(
                    f"pledge:{pledge.id}:promoted",
                    Reply(t("pledges.promoted", title=after.title, id=pledge.id)),
                    member_id=person.id,
                )
            )
    told = 0
    if change.moved or renamed:
        where = cell.name if cell else None
        people = await ctx.storage.members.get_many(
            p.member_id for p in change.pledges if p.member_id and p.member_id not in promoted
        )
        for person in people:
            t = Translator(person.language)
            messages.append(
                Outgoing(
                    f"call:{call.id}:changed:{edit}:{person.id}",
                    Reply(_change_text(ctx, t, change, where, person.timezone, notice=True)),
                    member_id=person.id,
                )
            )
        told = len(people)
        t = Translator(ctx.network.language)
        group = _change_text(ctx, t, change, where, ctx.network.timezone, notice=False)
        messages += [
            Outgoing(
                f"call:{call.id}:changed:{edit}:{chat.platform}:{chat.platform_chat_id}",
                Reply(group),
                platform=chat.platform,
                chat_id=chat.platform_chat_id,
                kind="call",
            )
            for chat in await call_chats(ctx, after)
        ]
    await ctx.send_many(messages)
    fields = [
        name
        for name, old, now in (
            ("title", before.title, after.title),
            ("when", (before.starts_at, before.has_time), (after.starts_at, after.has_time)),
            ("cell", before.cell_id, after.cell_id),
            ("people", before.people_needed, after.people_needed),
        )
        if old != now
    ]
    await ctx.storage.audit.record(
        ctx.network.id,
        "call_changed",
        actor_id=member.id if member else None,
        details={"call_id": call.id, "fields": fields, "told": told},
        now=ctx.now(),
    )
    return Changed(change, told)


def _change_text(
    ctx: ActionContext,
    t: Translator,
    change: CallChange,
    cell: str | None,
    tz: str,
    *,
    notice: bool,
) -> str:
    after = change.after
    when = when_text(t, after.starts_at, after.has_time, tz=tz, now=ctx.now())
    key = "calls.change_notice" if notice else "calls.change_group"
    text = t(key, title=after.title, when=when, where=cell or t("calls.everyone"))
    if change.before.title != after.title:
        text += "\n" + t("calls.change_renamed", old=change.before.title)
    return text

"""Kind reminders: for people who signed up but have not acted, and for pledges falling due.

Policy lives here; timing lives in the scheduler. Each pledge, member and call has a job that
this module answers with "look again at …". What it finds worth saying becomes a *reason*;
one bundle job per member sends the waiting reasons as ONE message, at a sensible local hour,
at most once a day, never while paused or after "stop", and always with a way out.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.buttons import (
    JoinCall,
    PauseReminders,
    PledgeDone,
    PledgeLater,
    PledgeWithdraw,
    StopReminders,
)
from actions.calls import close_passed, suggestable
from actions.digests import next_weekly_digest, weekly_digest
from actions.invitations import invite_matches
from actions.pledges import lapse
from actions.wording import first_name, when_text
from bot.context import Context, ServiceContext
from bot.core import Button, Event, Reply
from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.numbers import parse_int
from bot.outbox import Outgoing
from bot.router import Router
from bot.scheduler import Scheduler
from storage.records import Member
from storage.repositories.calls import PledgeStatus
from storage.repositories.jobs import Reason

log = logging.getLogger(__name__)

DAY_BEFORE_AT = time(10, 0)  # "the day before": late morning, not at dawn
IDLE_FIRST_AFTER = timedelta(days=3)
IDLE_EVERY = timedelta(days=7)
IDLE_MAX = 3
LAPSE_AFTER = timedelta(days=3)
CALL_SHORT_BEFORE = timedelta(days=2)
CALL_CLOSES_AFTER = timedelta(days=1) + LAPSE_AFTER  # its date, then the "Gelukt?" grace
MAX_BUTTONS = 6
FOOTER_EVERY = timedelta(days=7)
NOT_NOW_DAYS = 3  # "Nu even niet": three quiet days
_QUIET = re.compile(r"^\s*([0-9]{1,2})(?::([0-9]{2}))?\s*-\s*([0-9]{1,2})(?::([0-9]{2}))?\s*$")
_PAUSE = re.compile(
    r"([0-9]+)?\s*(dag|dagen|day|days|week|weken|weeks|maand|maanden|month|months)",
    re.IGNORECASE,
)
MAX_PAUSE_DAYS = 365


# -- time helpers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Quiet:
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # wraps midnight (21:00-09:00)


def parse_quiet(text: str) -> Quiet | None:
    match = _QUIET.match(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and 0 <= m1 <= 59 and 0 <= m2 <= 59):
        return None
    return Quiet(time(h1, m1), time(h2, m2))


def quiet_for(ctx: ServiceContext, member: Member) -> Quiet:
    """The member's own quiet hours, else the network's (VONK_QUIET_HOURS)."""
    return (
        parse_quiet(member.quiet_hours or "")
        or parse_quiet(ctx.settings.quiet_hours)
        or Quiet(time(21), time(9))
    )


def at_local(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=tz)


def quiet_end_after(moment: datetime, quiet: Quiet, tz: ZoneInfo) -> datetime:
    """The first moment at or after ``moment`` outside the quiet hours."""
    local = moment.astimezone(tz)
    if not quiet.contains(local.time()):
        return moment
    end = at_local(local.date(), quiet.end, tz)
    return end if end > local else at_local(local.date() + timedelta(days=1), quiet.end, tz)


# -- pledges ------------------------------------------------------------------------------------
async def check_pledge(ctx: ServiceContext, pledge_id: int) -> datetime | None:
    """The day before, the morning itself, the morning after ("Gelukt?"), and the lapse."""
    storage = ctx.storage
    pledge = await storage.pledges.get(pledge_id)
    if (
        pledge is None
        or pledge.status is not PledgeStatus.PLEDGED
        or pledge.due_at is None
        or pledge.member_id is None
    ):
        return None
    member = await storage.members.get(pledge.member_id)
    if member is None or not member.active:
        return None
    tz, quiet, now = ZoneInfo(member.timezone), quiet_for(ctx, member), ctx.now()
    due_day = pledge.due_at.astimezone(tz).date()
    stamp = int(pledge.due_at.timestamp())
    overdue_at = at_local(due_day + timedelta(days=1), quiet.end, tz)
    moments: list[tuple[str, datetime, datetime]] = []
    if pledge.due_at - pledge.created_at >= timedelta(days=2):
        moments.append(
            (
                "day_before",
                at_local(due_day - timedelta(days=1), DAY_BEFORE_AT, tz),
                at_local(due_day, time(0), tz),
            )
        )
    morning = at_local(due_day, quiet.end, tz)
    if pledge.due_at > morning:
        moments.append(("due_today", morning, pledge.due_at))
    moments.append(("overdue", overdue_at, overdue_at + LAPSE_AFTER))
    for kind, at, until in moments:
        key = f"pledge:{pledge.id}:{kind}:{stamp}"
        if await storage.nudges.get(key) is not None:
            continue
        if at > now:
            return at
        stale = now >= until
        if stale:
            log.info("nudge %s skipped: its moment passed (%s) while nobody could send it", key, at)
        await storage.nudges.offer(
            key,
            member.id,
            kind,
            pledge.id,
            data={},
            now=now,
            expires_at=until,
            status="dropped" if stale else "pending",
        )
    asked = await storage.nudges.get(f"pledge:{pledge.id}:overdue:{stamp}")
    if asked is not None and asked.status == "pending":
        return now + timedelta(hours=12)  # the question has not gone out yet
    lapse_at = (asked.sent_at if asked and asked.sent_at else overdue_at) + LAPSE_AFTER
    if lapse_at > now:
        return lapse_at
    await lapse(ctx, pledge)
    log.info("pledge %s lapsed after no answer; its place reopens", pledge.id)
    await storage.nudges.offer(  # one kind line, sent with the usual respect
        f"pledge:{pledge.id}:lapsed:{stamp}",
        member.id,
        "lapsed",
        pledge.id,
        data={},
        now=now,
        expires_at=now + IDLE_EVERY,
    )
    return None


# -- members who signed up but have not acted ------------------------------------------------
async def check_member(ctx: ServiceContext, member_id: int) -> datetime | None:
    storage = ctx.storage
    member = await storage.members.get(member_id)
    if member is None or not member.active or not member.invitable:
        return None
    if await acted(ctx, member.id):
        return None  # they acted: silent from now on
    prefix = f"member:{member.id}:idle:"
    sent = await storage.nudges.count(prefix)
    if sent >= IDLE_MAX:
        return None
    last = await storage.nudges.latest(prefix)
    at = member.joined_at + IDLE_FIRST_AFTER if last is None else last.created_at + IDLE_EVERY
    now = ctx.now()
    if at > now:
        return at
    calls = await suggested_calls(ctx, member)
    await storage.nudges.offer(
        f"{prefix}{sent + 1}",
        member.id,
        "idle",
        None,
        data={"calls": calls},
        now=now,
        expires_at=now + IDLE_EVERY,
    )
    return now + IDLE_EVERY


async def suggested_calls(ctx: ServiceContext, member: Member, limit: int = 3) -> list[int]:
    """Open future calls with room that the member has not joined, best fit first (by
    meaning), else the soonest ones."""
    calls = await suggestable(
        ctx, member, await ctx.storage.calls.open_calls(member.network_id, now=ctx.now())
    )
    search = ctx.search
    profile = "; ".join([*member.skills, member.about]).strip("; ")
    if search is not None and profile and calls:
        scores = await search.similarity(profile, [c.title + " " + c.details for c in calls])
        calls = [c for _, c in sorted(zip(scores, calls, strict=True), key=lambda x: -x[0])]
    return [c.id for c in calls[:limit]]


async def acted(ctx: ServiceContext, member_id: int) -> bool:
    """The member did something (pledged, posted a call): no longer an idle newcomer."""
    storage = ctx.storage
    return bool(
        await storage.pledges.of_member(member_id, tuple(PledgeStatus))
        or await storage.calls.count_by_initiator(member_id)
    )


# -- calls: still short of people two days ahead; closed once their moment passed ----------
async def check_call(ctx: ServiceContext, call_id: int) -> datetime | None:
    """Two days ahead a call still short of people invites the next matches; after its
    moment plus the "Gelukt?" grace it closes itself (leaving /oproepen, the digest and the
    suggestions; whoever still waited is told once)."""
    call = await ctx.storage.calls.get(call_id)
    if call is None or call.starts_at is None or call.status.ended:
        return None
    now = ctx.now()
    short_at = call.starts_at - CALL_SHORT_BEFORE
    close_at = call.starts_at + CALL_CLOSES_AFTER
    if call.people_needed and now < call.starts_at:
        if short_at > now:
            return short_at
        missing = call.people_needed - await ctx.storage.calls.counted(call.id)
        if missing > 0:  # once: the job comes back only when the call is to close
            invited = await invite_matches(ctx, call, count=missing)
            log.info("call %s is %d short two days ahead: invited %d", call.id, missing, invited)
    if close_at > now:
        return close_at
    if await close_passed(ctx, call):
        log.info("call %s passed: closed", call.id)
    return None


# -- the bundle: one message a day at most --------------------------------------------------------
async def send_bundle(ctx: ServiceContext, member_id: int) -> datetime | None:
    storage, now = ctx.storage, ctx.now()
    reasons = await storage.nudges.pending_for(member_id)
    member = await storage.members.get(member_id)
    if not reasons:
        return None
    if member is None or not member.active or not member.reminders:
        await storage.nudges.mark([r.id for r in reasons], "dropped", now=now)
        return None
    live = [r for r in reasons if r.expires_at is None or r.expires_at > now]
    live = [r for r in live if await still_relevant(ctx, r)]
    dropped = [r.id for r in reasons if r not in live]
    if dropped:
        log.info("member %s: %d reminders no longer relevant, not sent", member_id, len(dropped))
        await storage.nudges.mark(dropped, "dropped", now=now)
    if not live:
        return None
    if member.paused_until and member.paused_until > now:
        return member.paused_until
    tz, quiet = ZoneInfo(member.timezone), quiet_for(ctx, member)
    allowed = quiet_end_after(now, quiet, tz)
    if (
        member.last_nudge_at
        and member.last_nudge_at.astimezone(tz).date() == now.astimezone(tz).date()
    ):
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        allowed = max(allowed, quiet_end_after(at_local(tomorrow, quiet.end, tz), quiet, tz))
    if allowed > now:
        return allowed
    reply = await compose(ctx, member, live)
    await ctx.send_many(
        [Outgoing(f"nudge:{member.id}:{live[0].id}", reply, member_id=member.id, kind="nudge")]
    )
    await storage.nudges.mark([r.id for r in live], "sent", now=now)
    await storage.members.update(member.id, last_nudge_at=now)
    return None


async def still_relevant(ctx: ServiceContext, reason: Reason) -> bool:
    if reason.kind == "idle":
        return not await acted(ctx, reason.member_id)
    pledge = await ctx.storage.pledges.get(reason.ref_id or 0)
    if reason.kind == "lapsed":
        return pledge is not None and pledge.status is PledgeStatus.LAPSED
    return (
        pledge is not None
        and pledge.status is PledgeStatus.PLEDGED
        and pledge.due_at is not None
        and reason.key.endswith(f":{int(pledge.due_at.timestamp())}")
    )


async def compose(ctx: ServiceContext, member: Member, reasons: list[Reason]) -> Reply:
    t, now = Translator(member.language), ctx.now()
    lines = [t("nudges.hello", name=first_name(member.display_name))]
    buttons: list[Button] = []
    for reason in reasons:
        if reason.kind == "idle":
            # "A few days in" only the first time; a week later it would not be true.
            again = not reason.key.endswith(":idle:1")
            found = [await ctx.storage.calls.get(i) for i in reason.data["calls"]]
            # still worth offering now (not cancelled, passed, full or joined meanwhile)
            calls = await suggestable(ctx, member, [c for c in found if c is not None])
            if calls:
                lines.append(t("nudges.idle_calls_again" if again else "nudges.idle_calls"))
                for call in calls:
                    when = when_text(t, call.starts_at, call.has_time, tz=member.timezone, now=now)
                    lines.append(t("nudges.call_line", id=call.id, title=call.title, when=when))
                    label = t("calls.join_numbered", id=call.id)
                    buttons.append(Button(label, JoinCall(call.id).encode(), "👍"))
            else:
                lines.append(t("nudges.idle_open_again" if again else "nudges.idle_open"))
            continue
        pledge = await ctx.storage.pledges.get(reason.ref_id or 0)
        assert pledge is not None
        when = when_text(t, pledge.due_at, pledge.due_has_time, tz=member.timezone, now=now)
        key = f"nudges.{reason.kind}"
        if reason.kind == "lapsed" and pledge.call_id is None:
            key = "nudges.lapsed_own"  # no call, so no place that opens up again
        lines.append(t(key, what=pledge.what, when=when, id=pledge.id))
        if reason.kind == "due_today":
            buttons.append(Button(t("nudges.done", id=pledge.id), PledgeDone(pledge.id).encode()))
        elif reason.kind == "overdue":
            buttons += [
                Button(t("nudges.done", id=pledge.id), PledgeDone(pledge.id).encode()),
                Button(t("nudges.more_time"), PledgeLater(pledge.id).encode()),
                Button(t("nudges.hand_back"), PledgeWithdraw(pledge.id).encode()),
            ]
    buttons = buttons[: MAX_BUTTONS - 2]
    buttons += [
        Button(t("nudges.not_now"), PauseReminders(NOT_NOW_DAYS).encode()),
        Button(t("nudges.stop"), StopReminders().encode()),
    ]
    if member.last_nudge_at is None or now - member.last_nudge_at >= FOOTER_EVERY:
        lines.append(t("nudges.footer"))  # the way out, said once a week, not every time
    return Reply("\n".join(lines), tuple(buttons))


# -- the weekly digest for initiators ------------------------------------------------------------
async def send_digest(ctx: ServiceContext, _network_id: int) -> datetime | None:
    """The weekly digest job (:func:`actions.digests.weekly_digest`), then its next moment."""
    await weekly_digest(ctx)
    return next_weekly_digest(ctx, ctx.now())


# -- the member's say ------------------------------------------------------------------------------
async def pause(_event: Event, ctx: Context) -> None:
    """``/pauze 2 weken`` (default a week); ``/pauze uit`` ends the pause."""
    args = ctx.args.strip().casefold()
    if args in ("uit", "off", "stop", "klaar"):
        await ctx.storage.members.update(ctx.member.id, paused_until=None)
        await ctx.reply(ctx.t("nudges.pause_ended"))
        return
    days = 7
    if args:
        match = _PAUSE.search(args)
        n = parse_int(match.group(1) or "1", low=1) if match else None
        if match is None or n is None:
            raise UserFacingError("nudges.pause_usage")
        unit = match.group(2)
        days = n * (1 if unit.startswith(("dag", "day")) else 7 if unit.startswith("we") else 30)
    await set_pause(ctx, days)


async def set_pause(ctx: Context, days: int) -> None:
    """Quiet until and including the day named in the answer ("tot en met dinsdag"): the
    pause ends at the end of that day, in the member's timezone."""
    tz = ZoneInfo(ctx.member.timezone)
    last_day = (ctx.now().astimezone(tz) + timedelta(days=min(days, MAX_PAUSE_DAYS))).date()
    until = at_local(last_day + timedelta(days=1), time(0), tz)
    await ctx.storage.members.update(ctx.member.id, paused_until=until)
    shown = at_local(last_day, time(12), tz)
    when = when_text(ctx.t, shown, False, tz=ctx.member.timezone, now=ctx.now())
    await ctx.reply(ctx.t("nudges.paused", until=when))


async def reminders(_event: Event, ctx: Context) -> None:
    """``/herinneringen aan|uit``, ``/herinneringen stil 22-8``; alone: the current settings."""
    word, _, rest = ctx.args.strip().casefold().partition(" ")
    members = ctx.storage.members
    if word in ("uit", "off"):
        await members.update(ctx.member.id, reminders=False)
        await ctx.reply(ctx.t("nudges.off"))
    elif word in ("aan", "on"):
        await members.update(ctx.member.id, reminders=True, paused_until=None)
        await ctx.reply(ctx.t("nudges.on"))
    elif word in ("stil", "quiet", "stiltijd"):
        quiet = parse_quiet(rest)
        if quiet is None:
            raise UserFacingError("nudges.quiet_usage")
        text = f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
        await members.update(ctx.member.id, quiet_hours=text)
        await ctx.reply(ctx.t("nudges.quiet_saved", hours=text))
    else:
        member = await ctx.refresh_member()
        quiet = quiet_for(ctx, member)
        state = ctx.t("nudges.state_on" if member.reminders else "nudges.state_off")
        if member.paused_until and member.paused_until > ctx.now():
            state = ctx.t(
                "nudges.state_paused",
                until=when_text(  # the last quiet day: the pause ends at its midnight
                    ctx.t,
                    member.paused_until - timedelta(minutes=1),
                    False,
                    tz=member.timezone,
                    now=ctx.now(),
                ),
            )
        await ctx.reply(
            ctx.t("nudges.status", state=state, hours=f"{quiet.start:%H:%M}-{quiet.end:%H:%M}")
        )


async def pause_pressed(press: PauseReminders, ctx: Context) -> None:
    await set_pause(ctx, press.days or NOT_NOW_DAYS)


async def stop_pressed(_press: StopReminders, ctx: Context) -> None:
    await ctx.storage.members.update(ctx.member.id, reminders=False)
    await ctx.reply(ctx.t("nudges.off"))


async def stop_typed(_event: Event, ctx: Context) -> None:
    """'Stop' typed (to a reminder): the same as its button."""
    await ctx.storage.members.update(ctx.member.id, reminders=False)
    await ctx.reply(ctx.t("nudges.off"))


async def not_now_typed(_event: Event, ctx: Context) -> None:
    """'Nu even niet' typed: the same as its button, three quiet days."""
    await set_pause(ctx, NOT_NOW_DAYS)


def register(router: Router) -> None:
    # With the courtesy people add: "please stop sending me reminders", "stop met die
    # herinneringen aub", "not now please", "nee, even niet hoor".
    polite = (
        r"(?:\W+(?:please|pls|plz|thanks|thx|thank\s+you|graag|alsjeblieft|aub|svp|hoor|sorry))*"
    )
    router.phrase(
        r"^\W*(?:(?:please|pls|graag|kun\s+je|wil\s+je|can\s+you|could\s+you)\W+)?"
        r"(?:stop|stop\s+(?:maar|ermee)|hou\s+(?:maar\s+)?op"
        r"|stop(?:\s+(?:sending|met|with))?(?:\s+(?:me|mij))?(?:\s+(?:the|those|these|your|die|de|al"
        r"\s+die|je))?\s+(?:herinneringen|reminders|reminder\s+messages|nudges)"
        r"|(?:ik\s+wil\s+)?geen\s+herinneringen(?:\s+meer)?|no\s+more\s+reminders"
        r"|i\s+don'?t\s+want\s+(?:any\s+)?(?:more\s+)?reminders(?:\s+any\s*more)?)"
        rf"{polite}\W*$"
    )(stop_typed)
    router.phrase(
        r"^\W*(?:(?:sorry|nee|no|ah|hmm+)\W+)?"
        r"(?:nu\s+even\s+niet|even\s+niet|niet\s+nu|not\s+(?:right\s+)?now)"
        rf"{polite}\W*$"
    )(not_now_typed)
    router.command("pauze", "pause")(pause)
    router.command("herinneringen", "reminders", "duwtjes")(reminders)
    router.button(PauseReminders)(pause_pressed)
    router.button(StopReminders)(stop_pressed)


def register_jobs(scheduler: Scheduler) -> None:
    scheduler.register("pledge", check_pledge)
    scheduler.register("member", check_member)
    scheduler.register("call", check_call)
    scheduler.register("bundle", send_bundle)
    scheduler.register("digest", send_digest)

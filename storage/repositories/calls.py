"""Calls for help, invitations and pledges.

Capacity is decided inside one transaction per pledge or withdrawal, so two members pressing
"ik doe mee" for the last place at once cannot both get it: one is pledged, the other waits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.repositories.jobs import touch_job
from storage.session import Sessions
from storage.sql import dialect, insert_ignoring


class CallStatus(enum.StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    CANCELLED = "cancelled"  # not happening: its pledges were handed back, nobody promoted

    @property
    def ended(self) -> bool:
        return self in (CallStatus.CLOSED, CallStatus.CANCELLED)


class PledgeStatus(enum.StrEnum):
    PLEDGED = "pledged"
    WAITING = "waiting"  # on a full call's waiting list
    DONE = "done"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


ACTIVE = (PledgeStatus.PLEDGED, PledgeStatus.WAITING)
COUNTED = (PledgeStatus.PLEDGED, PledgeStatus.DONE)  # what fills a call's places


@dataclass(frozen=True)
class Call:
    id: int
    network_id: int
    initiator_id: int | None
    title: str
    details: str
    starts_at: datetime | None
    has_time: bool
    cell_id: int | None
    people_needed: int | None
    status: CallStatus
    created_at: datetime


@dataclass(frozen=True)
class Pledge:
    id: int
    network_id: int
    member_id: int | None  # None once the member was forgotten (an anonymous count)
    call_id: int | None
    what: str
    due_at: datetime | None
    due_has_time: bool
    status: PledgeStatus
    hours: float | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class PledgeOutcome:
    """What a pledge or withdrawal did to its call: filled it, reopened a place, promoted."""

    pledge: Pledge
    call: Call | None = None
    became_full: bool = False
    place_reopened: bool = False
    promoted: Pledge | None = None
    already: bool = False  # the member had already pledged for this call


@dataclass(frozen=True)
class CallChange:
    """A call before and after an edit, its open pledges (after) and who left the waiting
    list for a place."""

    before: Call
    after: Call
    pledges: list[Pledge]
    promoted: list[Pledge]

    @property
    def moved(self) -> bool:
        """When or where changed: what the people taking part need to hear."""
        b, a = self.before, self.after
        return (b.starts_at, b.has_time, b.cell_id) != (a.starts_at, a.has_time, a.cell_id)


def _call(row: models.CallForHelp) -> Call:
    return Call(
        row.id,
        row.network_id,
        row.initiator_id,
        row.title,
        row.details,
        row.starts_at,
        row.has_time,
        row.cell_id,
        row.people_needed,
        CallStatus(row.status),
        row.created_at,
    )


def _pledge(row: models.Pledge) -> Pledge:
    return Pledge(
        row.id,
        row.network_id,
        row.member_id,
        row.call_id,
        row.what,
        row.due_at,
        row.due_has_time,
        PledgeStatus(row.status),
        row.hours,
        row.created_at,
        row.done_at,
    )


async def _counted(s: AsyncSession, call_id: int) -> int:
    return (
        await s.scalar(
            select(func.count()).where(
                models.Pledge.call_id == call_id, models.Pledge.status.in_(COUNTED)
            )
        )
        or 0
    )


async def _lock_call(s: AsyncSession, call_id: int) -> models.CallForHelp | None:
    """Load a call for update: on PostgreSQL concurrent pledges for it queue up here; SQLite
    has one writer at a time anyway."""
    query = select(models.CallForHelp).where(models.CallForHelp.id == call_id)
    if dialect(s) == "postgresql":
        query = query.with_for_update()
    return await s.scalar(query)


def _not_passed(now: datetime | None) -> tuple:
    """Where-clauses for calls whose moment has not passed (or that have no date)."""
    if now is None:
        return ()
    starts = models.CallForHelp.starts_at
    return (starts.is_(None) | (starts >= now),)


def _still_taking(call: models.CallForHelp, now: datetime) -> bool:
    """Open or full, and its moment still ahead (or no date)."""
    if call.status not in (CallStatus.OPEN.value, CallStatus.FULL.value):
        return False
    return call.starts_at is None or call.starts_at >= now


class CallRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def create(
        self,
        network_id: int,
        initiator_id: int,
        *,
        title: str,
        details: str = "",
        starts_at: datetime | None,
        has_time: bool,
        cell_id: int | None,
        people_needed: int | None,
        now: datetime,
    ) -> Call:
        async with self._sessions.write() as s:
            row = models.CallForHelp(
                network_id=network_id,
                initiator_id=initiator_id,
                title=title[:300],
                details=details,
                starts_at=starts_at,
                has_time=has_time,
                cell_id=cell_id,
                people_needed=people_needed,
                status=CallStatus.OPEN.value,
                created_at=now,
            )
            s.add(row)
            await s.flush()
            await touch_job(s, "call", row.id, now)
            return _call(row)

    async def get(self, call_id: int) -> Call | None:
        async with self._sessions.read() as s:
            row = await s.get(models.CallForHelp, call_id)
            return _call(row) if row else None

    async def get_many(self, ids: Iterable[int]) -> list[Call]:
        """Calls by id, in one statement; unknown ids are skipped."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.CallForHelp).where(models.CallForHelp.id.in_(wanted))
            )
            return [_call(r) for r in rows]

    async def open_calls(self, network_id: int, *, now: datetime | None = None) -> list[Call]:
        """Calls still taking people (open or full-with-waiting-list), soonest first; with
        ``now``, only those whose moment has not passed (or that have no date)."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.CallForHelp)
                .where(
                    models.CallForHelp.network_id == network_id,
                    models.CallForHelp.status.in_((CallStatus.OPEN, CallStatus.FULL)),
                    *_not_passed(now),
                )
                .order_by(
                    models.CallForHelp.starts_at.is_(None),
                    models.CallForHelp.starts_at,
                    models.CallForHelp.id,
                )
            )
            return [_call(r) for r in rows]

    async def created_since(self, network_id: int, since: datetime) -> list[Call]:
        """Every call of the network posted since ``since``, whatever its status, newest
        first (a member may name one that has ended meanwhile)."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.CallForHelp)
                .where(
                    models.CallForHelp.network_id == network_id,
                    models.CallForHelp.created_at >= since,
                )
                .order_by(models.CallForHelp.id.desc())
            )
            return [_call(r) for r in rows]

    async def close(self, call_id: int, *, now: datetime) -> list[Pledge]:
        """No more pledges: the call took place (or has all it needs). Pledges that hold a
        place stay as they are ("Gelukt?" still comes); the waiting list is handed back at
        once, nobody promoted. Returns those waiting pledges, as they were."""
        async with self._sessions.write() as s:
            call = await _lock_call(s, call_id)
            if call is None:
                return []
            call.status = CallStatus.CLOSED.value
            rows = list(
                await s.scalars(
                    select(models.Pledge)
                    .where(
                        models.Pledge.call_id == call_id,
                        models.Pledge.status == PledgeStatus.WAITING.value,
                    )
                    .order_by(models.Pledge.id)
                )
            )
            ended = [_pledge(row) for row in rows]
            for row in rows:
                row.status, row.ended_at = PledgeStatus.WITHDRAWN.value, now
                await touch_job(s, "pledge", row.id, now)
            return ended

    async def count_by_initiator(self, member_id: int) -> int:
        """How many calls the member posted (any status): they acted."""
        async with self._sessions.read() as s:
            return (
                await s.scalar(
                    select(func.count()).where(models.CallForHelp.initiator_id == member_id)
                )
                or 0
            )

    async def cancel(self, call_id: int, *, now: datetime) -> list[Pledge]:
        """The call is not happening: it is marked cancelled and every open pledge for it
        (waiting list included) is handed back at once, without promoting anyone. Returns
        those pledges, as they were, so their members can be told."""
        async with self._sessions.write() as s:
            call = await _lock_call(s, call_id)
            if call is None:
                return []
            call.status = CallStatus.CANCELLED.value
            rows = list(
                await s.scalars(
                    select(models.Pledge)
                    .where(
                        models.Pledge.call_id == call_id,
                        models.Pledge.status.in_([st.value for st in ACTIVE]),
                    )
                    .order_by(models.Pledge.id)
                )
            )
            ended = [_pledge(row) for row in rows]
            for row in rows:
                row.status, row.ended_at = PledgeStatus.WITHDRAWN.value, now
                await touch_job(s, "pledge", row.id, now)
            return ended

    async def update(
        self,
        call_id: int,
        *,
        title: str,
        starts_at: datetime | None,
        has_time: bool,
        cell_id: int | None,
        people_needed: int | None,
        now: datetime,
    ) -> CallChange:
        """Change what, when, where and how many. The call's open pledges follow (their
        ``what`` and due time, their reminders recomputed); more places promote the waiting
        list in order, fewer never turn anyone away (the call is simply full)."""
        async with self._sessions.write() as s:
            row = await _lock_call(s, call_id)
            if row is None:
                raise LookupError(f"no call {call_id}")
            before = _call(row)
            row.title, row.starts_at, row.has_time = title[:300], starts_at, has_time
            row.cell_id, row.people_needed = cell_id, people_needed
            active = list(
                await s.scalars(
                    select(models.Pledge)
                    .where(
                        models.Pledge.call_id == call_id,
                        models.Pledge.status.in_([st.value for st in ACTIVE]),
                    )
                    .order_by(models.Pledge.id)
                )
            )
            moved = (before.starts_at, before.has_time) != (starts_at, has_time)
            for pledge in active:
                pledge.what = row.title
                if moved:
                    pledge.due_at, pledge.due_has_time = starts_at, has_time
                    await touch_job(s, "pledge", pledge.id, now)
            taken = await _counted(s, call_id)
            promoted: list[Pledge] = []
            for pledge in active:
                if pledge.status != PledgeStatus.WAITING.value:
                    continue
                if people_needed and taken >= people_needed:
                    break
                pledge.status = PledgeStatus.PLEDGED.value
                await touch_job(s, "pledge", pledge.id, now)
                promoted.append(_pledge(pledge))
                taken += 1
            if not CallStatus(row.status).ended:
                full = bool(people_needed) and taken >= (people_needed or 0)
                row.status = (CallStatus.FULL if full else CallStatus.OPEN).value
            if moved:
                await touch_job(s, "call", row.id, now)
            await s.flush()
            return CallChange(before, _call(row), [_pledge(p) for p in active], promoted)

    async def counted(self, call_id: int) -> int:
        async with self._sessions.read() as s:
            return await _counted(s, call_id)

    # -- invitations ----------------------------------------------------------------------------
    async def invite(
        self, call_id: int, member_id: int, *, score: float | None, now: datetime
    ) -> bool:
        """Record an invitation; False if this member was invited to this call before."""
        async with self._sessions.write() as s:
            invited = await s.scalar(
                insert_ignoring(
                    s,
                    models.CallInvitation,
                    ("call_id", "member_id"),
                    dict(
                        call_id=call_id,
                        member_id=member_id,
                        score=score,
                        status="invited",
                        invited_at=now,
                    ),
                ).returning(models.CallInvitation.id)
            )
        return invited is not None

    async def invite_many(
        self, call_id: int, members: list[tuple[int, float | None]], *, now: datetime
    ) -> list[int]:
        """Record many invitations at once; returns the members not invited before."""
        async with self._sessions.write() as s:
            before = set(
                await s.scalars(
                    select(models.CallInvitation.member_id).where(
                        models.CallInvitation.call_id == call_id
                    )
                )
            )
            fresh = [(m, score) for m, score in members if m not in before]
            s.add_all(
                models.CallInvitation(
                    call_id=call_id, member_id=m, score=score, status="invited", invited_at=now
                )
                for m, score in fresh
            )
            return [m for m, _ in fresh]

    async def answer_invitation(
        self, call_id: int, member_id: int, status: str, *, now: datetime
    ) -> None:
        async with self._sessions.write() as s:
            row = await s.scalar(
                select(models.CallInvitation).where(
                    models.CallInvitation.call_id == call_id,
                    models.CallInvitation.member_id == member_id,
                )
            )
            if row is not None and row.status == "invited":
                row.status, row.answered_at = status, now

    async def awaiting_answer(
        self, member_id: int, *, since: datetime, now: datetime
    ) -> list[Call]:
        """Calls this member was invited to since ``since`` and has not answered, still open
        and still ahead, the newest invitation first: what a typed "ja" or "nee" answers."""
        async with self._sessions.read() as s:
            C, Inv = models.CallForHelp, models.CallInvitation
            rows = await s.scalars(
                select(C)
                .join(Inv, Inv.call_id == C.id)
                .where(
                    Inv.member_id == member_id,
                    Inv.status == "invited",
                    Inv.invited_at >= since,
                    C.status.in_((CallStatus.OPEN.value, CallStatus.FULL.value)),
                    (C.starts_at.is_(None)) | (C.starts_at > now),
                )
                .order_by(Inv.invited_at.desc(), Inv.id.desc())
            )
            return [_call(row) for row in rows]

    async def invitations(self, call_id: int) -> dict[int, str]:
        """member id -> invited / accepted / declined."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(models.CallInvitation.member_id, models.CallInvitation.status).where(
                    models.CallInvitation.call_id == call_id
                )
            )
            return {m: st for m, st in rows}


class PledgeRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def create(
        self,
        network_id: int,
        member_id: int,
        *,
        what: str,
        due_at: datetime | None,
        due_has_time: bool,
        now: datetime,
        call_id: int | None = None,
    ) -> PledgeOutcome:
        """Pledge, for a call or on its own. A full call puts the pledge on the waiting list;
        the pledge that takes the last place marks the call full."""
        async with self._sessions.write() as s:
            call = await _lock_call(s, call_id) if call_id is not None else None
            if call is not None:
                existing = await s.scalar(
                    select(models.Pledge).where(
                        models.Pledge.call_id == call.id,
                        models.Pledge.member_id == member_id,
                        models.Pledge.status.in_((*ACTIVE, PledgeStatus.DONE)),
                    )
                )
                if existing is not None:
                    return PledgeOutcome(_pledge(existing), _call(call), already=True)
            status = PledgeStatus.PLEDGED
            became_full = False
            if call is not None and call.people_needed:
                taken = await _counted(s, call.id)
                if taken >= call.people_needed:
                    status = PledgeStatus.WAITING
                elif taken + 1 >= call.people_needed:
                    call.status = CallStatus.FULL.value
                    became_full = True
            row = models.Pledge(
                network_id=network_id,
                member_id=member_id,
                call_id=call_id,
                what=what[:300],
                due_at=due_at,
                due_has_time=due_has_time,
                status=status.value,
                created_at=now,
            )
            s.add(row)
            if call is not None:
                invitation = await s.scalar(
                    select(models.CallInvitation).where(
                        models.CallInvitation.call_id == call.id,
                        models.CallInvitation.member_id == member_id,
                    )
                )
                if invitation is not None and invitation.status == "invited":
                    invitation.status, invitation.answered_at = "accepted", now
            await s.flush()
            await touch_job(s, "pledge", row.id, now)
            return PledgeOutcome(
                _pledge(row), _call(call) if call else None, became_full=became_full
            )

    async def get(self, pledge_id: int) -> Pledge | None:
        async with self._sessions.read() as s:
            row = await s.get(models.Pledge, pledge_id)
            return _pledge(row) if row else None

    async def of_member(
        self, member_id: int, statuses: Iterable[PledgeStatus] = ACTIVE
    ) -> list[Pledge]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.Pledge)
                .where(
                    models.Pledge.member_id == member_id,
                    models.Pledge.status.in_([st.value for st in statuses]),
                )
                .order_by(models.Pledge.due_at.is_(None), models.Pledge.due_at, models.Pledge.id)
            )
            return [_pledge(r) for r in rows]

    async def of_call(self, call_id: int) -> list[Pledge]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.Pledge)
                .where(models.Pledge.call_id == call_id)
                .order_by(models.Pledge.id)
            )
            return [_pledge(r) for r in rows]

    async def complete(self, pledge_id: int, *, hours: float | None, now: datetime) -> Pledge:
        async with self._sessions.write() as s:
            row = await s.get_one(models.Pledge, pledge_id)
            row.status, row.done_at, row.ended_at = PledgeStatus.DONE.value, now, now
            if hours is not None:
                row.hours = hours
            await touch_job(s, "pledge", row.id, now)
            return _pledge(row)

    async def weekly_figures(
        self, network_id: int, *, since: datetime, now: datetime
    ) -> WeeklyFigures:
        async with self._sessions.read() as s:
            return await weekly_figures(s, network_id, since=since, now=now)

    async def reschedule(
        self, pledge_id: int, due_at: datetime, has_time: bool, *, now: datetime
    ) -> None:
        """More time: a new date for a pledge that is still open (or had lapsed)."""
        async with self._sessions.write() as s:
            row = await s.get_one(models.Pledge, pledge_id)
            row.due_at, row.due_has_time = due_at, has_time
            if row.status == PledgeStatus.LAPSED.value:
                row.status = PledgeStatus.PLEDGED.value
            await touch_job(s, "pledge", row.id, now)

    async def set_hours(self, pledge_id: int, hours: float) -> None:
        async with self._sessions.write() as s:
            (await s.get_one(models.Pledge, pledge_id)).hours = hours

    async def end(self, pledge_id: int, status: PledgeStatus, *, now: datetime) -> PledgeOutcome:
        """Withdraw or lapse a pledge. Its place reopens: the first on the waiting list gets it,
        otherwise a full call opens again (and the caller may invite the next match)."""
        if status not in (PledgeStatus.WITHDRAWN, PledgeStatus.LAPSED):
            raise ValueError(f"a pledge cannot end as {status}")
        async with self._sessions.write() as s:
            row = await s.get_one(models.Pledge, pledge_id)
            held_place = row.status == PledgeStatus.PLEDGED
            row.status, row.ended_at = status.value, now
            await touch_job(s, "pledge", row.id, now)
            call = await _lock_call(s, row.call_id) if row.call_id is not None else None
            if call is None or not held_place or not _still_taking(call, now):
                # a call that ended or whose moment passed has no place to hand on
                return PledgeOutcome(_pledge(row), _call(call) if call else None)
            waiting = await s.scalar(
                select(models.Pledge)
                .where(
                    models.Pledge.call_id == call.id,
                    models.Pledge.status == PledgeStatus.WAITING.value,
                )
                .order_by(models.Pledge.id)
                .limit(1)
            )
            if waiting is not None:
                waiting.status = PledgeStatus.PLEDGED.value
                await touch_job(s, "pledge", waiting.id, now)
                return PledgeOutcome(_pledge(row), _call(call), promoted=_pledge(waiting))
            if call.status == CallStatus.FULL.value:
                call.status = CallStatus.OPEN.value
            return PledgeOutcome(_pledge(row), _call(call), place_reopened=True)


@dataclass(frozen=True)
class WeeklyFigures:
    """What an initiator's weekly digest reports (names are for the initiator's eyes only)."""

    open_calls: list[tuple[Call, int]]
    new_pledges: int
    done: int
    hours: float
    overdue: list[tuple[str, str]]
    lapsed: list[tuple[str, str]]
    new_members: list[str]


async def weekly_figures(
    s: AsyncSession, network_id: int, *, since: datetime, now: datetime
) -> WeeklyFigures:
    pledges = models.Pledge
    calls = list(
        await s.scalars(
            select(models.CallForHelp)
            .where(
                models.CallForHelp.network_id == network_id,
                models.CallForHelp.status.in_((CallStatus.OPEN, CallStatus.FULL)),
                *_not_passed(now),
            )
            .order_by(models.CallForHelp.id)
        )
    )
    open_calls = [(_call(c), await _counted(s, c.id)) for c in calls]
    new = (
        await s.scalar(
            select(func.count()).where(
                pledges.network_id == network_id, pledges.created_at >= since
            )
        )
        or 0
    )
    done, hours = (
        await s.execute(
            select(func.count(), func.coalesce(func.sum(pledges.hours), 0)).where(
                pledges.network_id == network_id,
                pledges.status == PledgeStatus.DONE.value,
                pledges.done_at >= since,
            )
        )
    ).one()
    named = select(models.Member.display_name, pledges.what).join(
        models.Member, models.Member.id == pledges.member_id
    )
    overdue = (
        await s.execute(
            named.where(
                pledges.network_id == network_id,
                pledges.status == PledgeStatus.PLEDGED.value,
                pledges.due_at < now,
            ).order_by(pledges.due_at)
        )
    ).all()
    lapsed = (
        await s.execute(
            named.where(
                pledges.network_id == network_id,
                pledges.status == PledgeStatus.LAPSED.value,
                pledges.ended_at >= since,
            ).order_by(pledges.ended_at)
        )
    ).all()
    newcomers = await s.scalars(
        select(models.Member.display_name)
        .where(
            models.Member.network_id == network_id,
            models.Member.joined_at >= since,
            models.Member.left_at.is_(None),
        )
        .order_by(models.Member.joined_at)
    )
    return WeeklyFigures(
        open_calls,
        new,
        done,
        float(hours or 0),
        [(r[0], r[1]) for r in overdue],
        [(r[0], r[1]) for r in lapsed],
        list(newcomers),
    )

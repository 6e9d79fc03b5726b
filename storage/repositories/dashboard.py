"""Read-only queries for the web dashboard's overviews: pages of calls and members with their
counts, the action queue, impact per month, help between cells, the audit log filtered.

Each overview is a few aggregate statements however large the network (a page view must stay
well under 200 ms at 10k members and 100k pledges). The figures follow the rules documented in
:mod:`storage.repositories.impact`; a test holds merged months to ``ImpactRepository.figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, or_, select

from storage import models
from storage.records import Role
from storage.repositories.calls import COUNTED, CallStatus, Pledge, PledgeStatus, _pledge
from storage.repositories.impact import INITIATOR_ROLES
from storage.repositories.social import AuditEntry
from storage.session import Sessions

P, C, M, T = models.Pledge, models.CallForHelp, models.Member, models.Thanks
A = models.AuditEntry


@dataclass(frozen=True)
class CallRow:
    """A call with its counts, as the lists and the calendar show it."""

    id: int
    title: str
    starts_at: datetime | None
    has_time: bool
    cell_id: int | None
    people_needed: int | None
    status: str
    initiator_id: int | None
    created_at: datetime
    taken: int  # pledged or done
    waiting: int

    @property
    def short_by(self) -> int:
        return max((self.people_needed or 0) - self.taken, 0)


@dataclass(frozen=True)
class DropOut:
    pledge_id: int
    member_id: int | None
    call_id: int
    call_title: str
    call_starts_at: datetime | None
    ended_at: datetime


@dataclass(frozen=True)
class AwaitingDone:
    call_id: int
    title: str
    starts_at: datetime | None
    open_pledges: int


@dataclass(frozen=True)
class MemberRow:
    id: int
    handle: str
    display_name: str
    role: str
    cell_id: int | None
    joined_at: datetime
    left_at: datetime | None
    findable: bool
    done: int
    last_done_at: datetime | None


@dataclass(frozen=True)
class ExportRow:
    handle: str
    display_name: str
    skills: tuple[str, ...]
    about: str
    cell_id: int | None
    role: str
    findable: bool
    invitable: bool
    joined_at: datetime


@dataclass(frozen=True)
class MemberFilter:
    cell_id: int | None = None  # 0: members without a cell
    role: str | None = None
    activity: str | None = None  # active (done in 60 days), dormant (never pledged), new
    text: str = ""  # part of the handle or name
    include_left: bool = False


@dataclass(frozen=True)
class Bucket:
    """Impact in one period [start, end) (a month)."""

    start: datetime
    end: datetime
    pledges_done: int
    hours: float
    people_active: int
    calls: int
    calls_filled: int
    missed: int  # pledges that lapsed (nobody said it happened)
    thanks: int


@dataclass(frozen=True)
class MonthFacts:
    """One period's impact (a month), in parts that add up over several periods."""

    start: datetime
    end: datetime
    pledges_done: int
    hours: float
    done_by_initiators: int
    missed: int  # pledges that lapsed (nobody said it happened)
    calls: int
    calls_filled: int
    thanks: int
    active: frozenset[int]  # members who made, finished or asked for help, or thanked
    per_cell: tuple[tuple[int | None, int, float], ...]  # (cell id, done, hours)
    kinds: tuple[tuple[str, str, int, float], ...]  # (key, as written, done, hours)

    @property
    def bucket(self) -> Bucket:
        return Bucket(
            self.start,
            self.end,
            self.pledges_done,
            self.hours,
            len(self.active),
            self.calls,
            self.calls_filled,
            self.missed,
            self.thanks,
        )

    @property
    def initiator_share(self) -> float | None:
        return self.done_by_initiators / self.pledges_done if self.pledges_done else None


def merge_facts(months: Sequence[MonthFacts]) -> MonthFacts:
    """Several consecutive periods as one: sums, merged counts, the union of active members."""
    cells: dict[int | None, list[float]] = {}
    kinds: dict[str, list] = {}
    for month in months:
        for cell_id, n, h in month.per_cell:
            counts = cells.setdefault(cell_id, [0, 0.0])
            counts[0] += n
            counts[1] += h
        for key, title, n, h in month.kinds:
            kind = kinds.setdefault(key, [title, 0, 0.0])
            kind[0] = min(kind[0], title)
            kind[1] += n
            kind[2] += h
    return MonthFacts(
        start=months[0].start,
        end=months[-1].end,
        pledges_done=sum(m.pledges_done for m in months),
        hours=sum(m.hours for m in months),
        done_by_initiators=sum(m.done_by_initiators for m in months),
        missed=sum(m.missed for m in months),
        calls=sum(m.calls for m in months),
        calls_filled=sum(m.calls_filled for m in months),
        thanks=sum(m.thanks for m in months),
        active=frozenset().union(*(m.active for m in months)),
        per_cell=tuple((c, int(n), float(h)) for c, (n, h) in cells.items()),
        kinds=tuple((k, t, n, h) for k, (t, n, h) in kinds.items()),
    )


@dataclass(frozen=True)
class Flow:
    """Done pledges by members of one cell for a call of another (or the same) cell."""

    from_cell: int | None
    to_cell: int | None
    pledges: int


@dataclass(frozen=True)
class KindCount:
    what: str
    pledges_done: int
    hours: float


def _counted() -> object:
    return (
        select(func.count(P.id))
        .where(P.call_id == C.id, P.status.in_(COUNTED))
        .correlate(C)
        .scalar_subquery()
    )


def _call_rows_query() -> object:
    taken = func.coalesce(func.sum(case((P.status.in_(COUNTED), 1), else_=0)), 0)
    waiting = func.coalesce(func.sum(case((P.status == PledgeStatus.WAITING.value, 1), else_=0)), 0)
    return (
        select(
            C.id,
            C.title,
            C.starts_at,
            C.has_time,
            C.cell_id,
            C.people_needed,
            C.status,
            C.initiator_id,
            C.created_at,
            taken.label("taken"),
            waiting.label("waiting"),
        )
        .select_from(C)
        .outerjoin(P, P.call_id == C.id)
        .group_by(C.id)
    )


def _call_row(r: object) -> CallRow:
    return CallRow(*r)  # type: ignore[misc]


class DashboardQueries:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    # -- calls ------------------------------------------------------------------------------------
    async def calls(
        self,
        network_id: int,
        *,
        statuses: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[CallRow]:
        """Calls with their counts: by status, taking place in [start, end), soonest first."""
        query = _call_rows_query().where(C.network_id == network_id)  # type: ignore[attr-defined]
        if statuses:
            query = query.where(C.status.in_(statuses))
        if start is not None:
            query = query.where(C.starts_at >= start)
        if end is not None:
            query = query.where(C.starts_at < end)
        if newest_first:
            query = query.order_by(C.id.desc())
        else:
            query = query.order_by(C.starts_at.is_(None), C.starts_at, C.id)
        async with self._sessions.read() as s:
            return [_call_row(r) for r in await s.execute(query.limit(limit).offset(offset))]

    async def count_calls(self, network_id: int, *, statuses: Sequence[str] | None = None) -> int:
        query = select(func.count(C.id)).where(C.network_id == network_id)
        if statuses:
            query = query.where(C.status.in_(statuses))
        async with self._sessions.read() as s:
            return await s.scalar(query) or 0

    async def short_calls(self, network_id: int, start: datetime, end: datetime) -> list[CallRow]:
        """Open calls taking place in [start, end) with fewer people than they asked for."""
        rows = await self.calls(
            network_id, statuses=(CallStatus.OPEN.value,), start=start, end=end, limit=200
        )
        return [r for r in rows if r.people_needed and r.taken < r.people_needed]

    async def late_dropouts(
        self, network_id: int, *, since: datetime, now: datetime, within_hours: int = 48
    ) -> list[DropOut]:
        """Pledges handed back (withdrawn or lapsed) since ``since`` for calls still to come,
        less than ``within_hours`` before the call: the places somebody has to fill."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(P.id, P.member_id, C.id, C.title, C.starts_at, P.ended_at)
                .join(C, C.id == P.call_id)
                .where(
                    P.network_id == network_id,
                    P.status == PledgeStatus.WITHDRAWN.value,
                    P.ended_at >= since,
                    C.starts_at >= now,
                    C.status.in_((CallStatus.OPEN.value, CallStatus.FULL.value)),
                )
                .order_by(C.starts_at)
                .limit(50)
            )
            found = [DropOut(r[0], r[1], r[2], r[3], r[4], r[5] or now) for r in rows]
        return [
            d
            for d in found
            if d.call_starts_at is not None
            and (d.call_starts_at - d.ended_at).total_seconds() < within_hours * 3600
        ]

    async def awaiting_done(
        self, network_id: int, *, since: datetime, now: datetime
    ) -> list[AwaitingDone]:
        """Calls that took place (since ``since``) with pledges nobody marked done yet: the
        ones waiting for "Gelukt?"."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(C.id, C.title, C.starts_at, func.count(P.id))
                .join(P, P.call_id == C.id)
                .where(
                    C.network_id == network_id,
                    C.starts_at >= since,
                    C.starts_at < now,
                    P.status == PledgeStatus.PLEDGED.value,
                )
                .group_by(C.id, C.title, C.starts_at)
                .order_by(C.starts_at.desc())
                .limit(20)
            )
            return [AwaitingDone(*r) for r in rows]

    async def call_pledges(self, call_id: int) -> list[tuple[int, int | None, str, float | None]]:
        """(pledge id, member id, status, hours) of one call, oldest first."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(P.id, P.member_id, P.status, P.hours)
                .where(P.call_id == call_id)
                .order_by(P.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

    async def invitations(self, call_id: int) -> list[tuple[int, str]]:
        """(member id, invited | declined | …) of one call."""
        I = models.CallInvitation  # noqa: E741
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(I.member_id, I.status).where(I.call_id == call_id).order_by(I.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

    # -- members ----------------------------------------------------------------------------------
    def _member_where(
        self, network_id: int, f: MemberFilter, now: datetime
    ) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [M.network_id == network_id]
        if not f.include_left:
            where.append(M.left_at.is_(None))
        if f.cell_id == 0:
            where.append(M.cell_id.is_(None))
        elif f.cell_id is not None:
            where.append(M.cell_id == f.cell_id)
        if f.role:
            where.append(M.role == f.role)
        if f.text:
            like = f"%{f.text.casefold()}%"
            where.append(
                or_(func.lower(M.handle).like(like), func.lower(M.display_name).like(like))
            )
        if f.activity == "new":
            where.append(M.joined_at >= now - _days(14))
        elif f.activity == "dormant":
            where.append(~select(P.id).where(P.member_id == M.id).exists())
        elif f.activity == "active":
            where.append(
                select(P.id)
                .where(
                    P.member_id == M.id,
                    P.status == PledgeStatus.DONE.value,
                    P.done_at >= now - _days(60),
                )
                .exists()
            )
        return where

    async def members(
        self, network_id: int, f: MemberFilter, *, now: datetime, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[MemberRow]]:
        """(how many match, one page of them by name) with their done pledges."""
        where = self._member_where(network_id, f, now)
        async with self._sessions.read() as s:
            total = await s.scalar(select(func.count(M.id)).where(*where)) or 0
            page = (
                select(M.id)
                .where(*where)
                .order_by(func.lower(M.display_name), M.id)
                .limit(limit)
                .offset(offset)
                .subquery()
            )
            done = (
                select(
                    P.member_id.label("m"),
                    func.count(P.id).label("done"),
                    func.max(P.done_at).label("last"),
                )
                .where(P.member_id.in_(select(page.c.id)), P.status == PledgeStatus.DONE.value)
                .group_by(P.member_id)
                .subquery()
            )
            rows = await s.execute(
                select(
                    M.id,
                    M.handle,
                    M.display_name,
                    M.role,
                    M.cell_id,
                    M.joined_at,
                    M.left_at,
                    M.findable,
                    func.coalesce(done.c.done, 0),
                    done.c.last,
                )
                .join(page, page.c.id == M.id)
                .outerjoin(done, done.c.m == M.id)
                .order_by(func.lower(M.display_name), M.id)
            )
            return total, [MemberRow(*r) for r in rows]

    async def member_export(self, network_id: int) -> list[ExportRow]:
        """Every member still in the network, for the CSV export: plain columns in two
        statements (a list of 10k full member records costs ten times as much)."""
        async with self._sessions.read() as s:
            skills: dict[int, list[str]] = {}
            for member_id, skill in await s.execute(
                select(models.Skill.member_id, models.Skill.text)
                .join(M, M.id == models.Skill.member_id)
                .where(M.network_id == network_id, M.left_at.is_(None))
                .order_by(models.Skill.id)
            ):
                skills.setdefault(member_id, []).append(skill)
            rows = await s.execute(
                select(
                    M.id,
                    M.handle,
                    M.display_name,
                    M.about,
                    M.cell_id,
                    M.role,
                    M.findable,
                    M.invitable,
                    M.joined_at,
                )
                .where(M.network_id == network_id, M.left_at.is_(None))
                .order_by(M.handle)
            )
            return [
                ExportRow(h, name, tuple(skills.get(i, ())), about, cell, role, f, inv, joined)
                for i, h, name, about, cell, role, f, inv, joined in rows
            ]

    async def member_pledges(self, member_id: int, *, limit: int = 30) -> list[Pledge]:
        """A member's latest pledges, newest first."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(P).where(P.member_id == member_id).order_by(P.id.desc()).limit(limit)
            )
            return [_pledge(r) for r in rows]

    async def member_totals(self, member_id: int) -> tuple[int, float]:
        async with self._sessions.read() as s:
            done, hours = (
                await s.execute(
                    select(func.count(P.id), func.coalesce(func.sum(P.hours), 0.0)).where(
                        P.member_id == member_id, P.status == PledgeStatus.DONE.value
                    )
                )
            ).one()
            return int(done), float(hours or 0.0)

    async def new_members(self, network_id: int, *, since: datetime, limit: int = 20) -> list[int]:
        async with self._sessions.read() as s:
            return list(
                await s.scalars(
                    select(M.id)
                    .where(M.network_id == network_id, M.joined_at >= since, M.left_at.is_(None))
                    .order_by(M.joined_at.desc())
                    .limit(limit)
                )
            )

    async def role_counts(self, network_id: int) -> dict[str, int]:
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(M.role, func.count(M.id))
                .where(M.network_id == network_id, M.left_at.is_(None))
                .group_by(M.role)
            )
            counts = {r.value: 0 for r in Role}
            counts.update({role: int(n) for role, n in rows})
            return counts

    # -- impact -----------------------------------------------------------------------------------
    async def month_facts(self, network_id: int, start: datetime, end: datetime) -> MonthFacts:
        """Everything the impact and health pages need about one period [start, end) (a
        month), in five statements over that period alone, by the rules of
        :mod:`storage.repositories.impact`. Periods add up: the sums, the per-cell and per-kind
        counts merge, and the active members are ids, so a year's distinct count is the size
        of the months' union (:func:`merge_facts`)."""
        done_in = (
            P.network_id == network_id,
            P.status == PledgeStatus.DONE.value,
            P.done_at >= start,
            P.done_at < end,
        )
        async with self._sessions.read() as s:
            cell = func.coalesce(C.cell_id, M.cell_id)
            by_initiator = M.role.in_(INITIATOR_ROLES)
            per_cell: dict[int | None, list[float]] = {}
            done = hours = by_initiators = 0.0
            rows = await s.execute(
                select(cell, by_initiator, func.count(P.id), func.coalesce(func.sum(P.hours), 0.0))
                .select_from(P)
                .outerjoin(C, C.id == P.call_id)
                .outerjoin(M, M.id == P.member_id)
                .where(*done_in)
                .group_by(cell, by_initiator)
            )
            for cell_id, initiator, n, h in rows:
                counts = per_cell.setdefault(cell_id, [0, 0.0])
                counts[0] += int(n)
                counts[1] += float(h or 0.0)
                done, hours = done + int(n), hours + float(h or 0.0)
                by_initiators += int(n) if initiator else 0
            what = func.lower(func.coalesce(C.title, P.what))
            kinds = tuple(
                (str(key), str(title), int(n), float(h))
                for key, title, n, h in await s.execute(
                    select(
                        what,
                        func.min(func.coalesce(C.title, P.what)),
                        func.count(P.id),
                        func.coalesce(func.sum(P.hours), 0.0),
                    )
                    .select_from(P)
                    .outerjoin(C, C.id == P.call_id)
                    .where(*done_in)
                    .group_by(what)
                )
            )
            # People active: made a pledge, finished one, posted a call or thanked someone.
            active = (
                (
                    select(P.member_id.label("m")).where(
                        P.network_id == network_id, P.created_at >= start, P.created_at < end
                    )
                )
                .union(
                    select(P.member_id).where(*done_in),
                    select(C.initiator_id).where(
                        C.network_id == network_id, C.created_at >= start, C.created_at < end
                    ),
                    select(T.giver_id).where(
                        T.network_id == network_id, T.created_at >= start, T.created_at < end
                    ),
                )
                .subquery()
            )
            people = frozenset(await s.scalars(select(active.c.m).where(active.c.m.is_not(None))))
            # Calls taking place in the period, and whether they were filled (as now counted):
            # a few hundred calls, each counted through the pledges' call index.
            when = func.coalesce(C.starts_at, C.created_at)
            taken = (
                select(func.count(P.id))
                .where(P.call_id == C.id, P.status.in_(COUNTED))
                .correlate(C)
                .scalar_subquery()
            )
            calls = calls_filled = 0
            for needed, n in await s.execute(
                select(C.people_needed, taken).where(
                    C.network_id == network_id, when >= start, when < end
                )
            ):
                calls += 1
                calls_filled += n >= needed if needed else n >= 1
            missed = (
                select(func.count(P.id))
                .where(
                    P.network_id == network_id,
                    P.status == PledgeStatus.LAPSED.value,
                    P.ended_at >= start,
                    P.ended_at < end,
                )
                .scalar_subquery()
            )
            thanks = (
                select(func.count(T.id))
                .where(T.network_id == network_id, T.created_at >= start, T.created_at < end)
                .scalar_subquery()
            )
            missed_n, thanks_n = (await s.execute(select(missed, thanks))).one()
        return MonthFacts(
            start=start,
            end=end,
            pledges_done=int(done),
            hours=float(hours),
            done_by_initiators=int(by_initiators),
            missed=int(missed_n or 0),
            calls=int(calls),
            calls_filled=int(calls_filled),
            thanks=int(thanks_n or 0),
            active=people,
            per_cell=tuple((c, int(n), float(h)) for c, (n, h) in per_cell.items()),
            kinds=kinds,
        )

    async def flows(self, network_id: int, start: datetime, end: datetime) -> list[Flow]:
        """Help between cells: done pledges for calls, by the helper's cell and the call's."""
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(M.cell_id, C.cell_id, func.count(P.id))
                .select_from(P)
                .join(C, C.id == P.call_id)
                .join(M, M.id == P.member_id)
                .where(
                    P.network_id == network_id,
                    P.status == PledgeStatus.DONE.value,
                    P.done_at >= start,
                    P.done_at < end,
                )
                .group_by(M.cell_id, C.cell_id)
                .order_by(func.count(P.id).desc())
            )
            return [Flow(a, b, int(n)) for a, b, n in rows]

    async def helpers_between_cells(
        self, network_id: int, start: datetime, end: datetime, *, limit: int = 20
    ) -> list[tuple[int, int, int]]:
        """(helper id, call's initiator id, pledges) for help given across cells: who helped
        whom; the page names only members who agreed to be findable."""
        I = models.Member.__table__.alias("initiator")  # noqa: E741
        async with self._sessions.read() as s:
            rows = await s.execute(
                select(P.member_id, C.initiator_id, func.count(P.id))
                .select_from(P)
                .join(C, C.id == P.call_id)
                .join(M, M.id == P.member_id)
                .join(I, I.c.id == C.initiator_id)
                .where(
                    P.network_id == network_id,
                    P.status == PledgeStatus.DONE.value,
                    P.done_at >= start,
                    P.done_at < end,
                    C.cell_id.is_not(None),
                    or_(M.cell_id.is_(None), M.cell_id != C.cell_id),
                )
                .group_by(P.member_id, C.initiator_id)
                .order_by(func.count(P.id).desc())
                .limit(limit)
            )
            # both ids are set: the joins above leave no row without them
            return [(int(a), int(b), int(n)) for a, b, n in rows if a is not None and b is not None]

    # -- history ----------------------------------------------------------------------------------
    async def audit(
        self,
        network_id: int,
        *,
        action: str | None = None,
        member_id: int | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        query = select(A).where(A.network_id == network_id)
        if action:
            query = query.where(A.action == action)
        if member_id is not None:
            query = query.where(or_(A.actor_id == member_id, A.target_id == member_id))
        if before_id is not None:
            query = query.where(A.id < before_id)
        async with self._sessions.read() as s:
            rows = await s.scalars(query.order_by(A.id.desc()).limit(limit))
            return [
                AuditEntry(
                    r.id,
                    r.network_id,
                    r.actor_id,
                    r.action,
                    r.target_id,
                    dict(r.details),
                    r.created_at,
                )
                for r in rows
            ]

    async def audit_actions(self, network_id: int) -> list[str]:
        async with self._sessions.read() as s:
            return sorted(
                await s.scalars(select(A.action).where(A.network_id == network_id).distinct())
            )


def _days(n: int) -> timedelta:
    return timedelta(days=n)

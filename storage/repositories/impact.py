"""Impact and network-health figures, each computed as SQL aggregates over a period.

The rules live here, next to the queries, so every number the bot shows can be explained:

Impact, for a period [start, end):
- *people active*: distinct members who made a pledge, finished one, posted a call or thanked
  someone in the period. Forgotten members no longer count as people (their done pledges do).
- *pledges done* and *hours*: pledges marked done in the period; hours as recorded, paid and
  volunteer effort alike.
- *calls* and *calls filled*: calls taking place in the period (their date, or their posting
  day when they have none); filled means as many people pledged (or done) as were asked for,
  or at least one person when no number was given.
- *per cell*: a pledge belongs to its call's cell, otherwise to its member's cell.

Health, for a window [start, end):
- *initiator share*: done pledges by members whose role is initiator or admin, over all done
  pledges. A healthy network has the initiator at the edge: a small share.
- *spark carriers* (vonkdragers): members with at least ``SPARK_MIN_DONE`` done pledges in the
  ``SPARK_WINDOW`` (60 days) before the end of the window.
- *dormant sign-ups*: onboarded members still in the network who joined at least
  ``DORMANT_AFTER`` (14 days) before the end and had never pledged by then.
- *reciprocity*: members who both gave help (a done pledge, a thank-you received, a contact
  request they accepted) and received help (a thank-you they gave, their own contact request
  accepted) in the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import and_, case, exists, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.session import Sessions

SPARK_MIN_DONE = 3
SPARK_WINDOW = timedelta(days=60)
DORMANT_AFTER = timedelta(days=14)
INITIATOR_ROLES = ("initiator", "admin")
DONE = "done"
COUNTED = ("pledged", "done")  # what fills a call's places


@dataclass(frozen=True)
class CellCount:
    """Done pledges and hours in one cell; ``cell`` None is "no cell"."""

    cell: str | None
    pledges_done: int
    hours: float


@dataclass(frozen=True)
class ImpactFigures:
    start: datetime
    end: datetime
    people_active: int
    pledges_done: int
    hours: float
    calls: int
    calls_filled: int
    thanks: int
    per_cell: tuple[CellCount, ...]


@dataclass(frozen=True)
class HealthFigures:
    start: datetime
    end: datetime
    pledges_done: int
    done_by_initiators: int
    spark_carriers: tuple[int, ...]  # member ids
    dormant: int
    reciprocal: int  # members who both gave and received help
    helpers: int  # members who gave or received help
    per_cell: tuple[CellCount, ...]

    @property
    def initiator_share(self) -> float | None:
        return self.done_by_initiators / self.pledges_done if self.pledges_done else None


P, C, M, T = models.Pledge, models.CallForHelp, models.Member, models.Thanks
CR = models.ContactRequest


def _done_in(network_id: int, start: datetime, end: datetime) -> tuple:
    return (P.network_id == network_id, P.status == DONE, P.done_at >= start, P.done_at < end)


async def _per_cell(
    s: AsyncSession, network_id: int, start: datetime, end: datetime
) -> tuple[CellCount, ...]:
    cell_id = func.coalesce(C.cell_id, M.cell_id).label("cell_id")
    counts = (
        select(
            cell_id,
            func.count(P.id).label("done"),
            func.coalesce(func.sum(P.hours), 0.0).label("hours"),
        )
        .select_from(P)
        .outerjoin(C, C.id == P.call_id)
        .outerjoin(M, M.id == P.member_id)
        .where(*_done_in(network_id, start, end))
        .group_by(cell_id)
        .subquery()
    )
    rows = await s.execute(
        select(models.Cell.name, counts.c.done, counts.c.hours)
        .select_from(counts)
        .outerjoin(models.Cell, models.Cell.id == counts.c.cell_id)
        .order_by(counts.c.done.desc(), models.Cell.name)
    )
    return tuple(CellCount(name, int(done), float(hours)) for name, done, hours in rows)


class ImpactRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def figures(self, network_id: int, start: datetime, end: datetime) -> ImpactFigures:
        async with self._sessions.read() as s:
            done, hours = (
                await s.execute(
                    select(func.count(P.id), func.coalesce(func.sum(P.hours), 0.0)).where(
                        *_done_in(network_id, start, end)
                    )
                )
            ).one()
            active = union(
                select(P.member_id.label("m")).where(
                    P.network_id == network_id, P.created_at >= start, P.created_at < end
                ),
                select(P.member_id).where(*_done_in(network_id, start, end)),
                select(C.initiator_id).where(
                    C.network_id == network_id, C.created_at >= start, C.created_at < end
                ),
                select(T.giver_id).where(
                    T.network_id == network_id, T.created_at >= start, T.created_at < end
                ),
            ).subquery()
            people = await s.scalar(
                select(func.count()).select_from(active).where(active.c.m.is_not(None))
            )
            counted = (
                select(func.count(P.id))
                .where(P.call_id == C.id, P.status.in_(COUNTED))
                .correlate(C)
                .scalar_subquery()
            )
            filled = case(
                (and_(C.people_needed > 0, counted >= C.people_needed), 1),
                (and_(or_(C.people_needed.is_(None), C.people_needed == 0), counted >= 1), 1),
                else_=0,
            )
            when = func.coalesce(C.starts_at, C.created_at)
            calls, calls_filled = (
                await s.execute(
                    select(func.count(C.id), func.coalesce(func.sum(filled), 0)).where(
                        C.network_id == network_id, when >= start, when < end
                    )
                )
            ).one()
            thanks = await s.scalar(
                select(func.count(T.id)).where(
                    T.network_id == network_id, T.created_at >= start, T.created_at < end
                )
            )
            return ImpactFigures(
                start=start,
                end=end,
                people_active=people or 0,
                pledges_done=int(done),
                hours=float(hours or 0),
                calls=int(calls),
                calls_filled=int(calls_filled),
                thanks=thanks or 0,
                per_cell=await _per_cell(s, network_id, start, end),
            )

    async def done_per_bucket(self, network_id: int, bounds: Sequence[datetime]) -> list[int]:
        """Done pledges in each [bounds[i], bounds[i+1]) (weeks for the chart), one query."""
        if len(bounds) < 2:
            return []
        columns = [
            func.coalesce(func.sum(case((and_(P.done_at >= a, P.done_at < b), 1), else_=0)), 0)
            for a, b in pairwise(bounds)
        ]
        async with self._sessions.read() as s:
            row = (
                await s.execute(
                    select(*columns).where(*_done_in(network_id, bounds[0], bounds[-1]))
                )
            ).one()
            return [int(x) for x in row]

    async def health(
        self, network_id: int, start: datetime, end: datetime, *, per_cell: bool = True
    ) -> HealthFigures:
        """The window's health; ``per_cell=False`` leaves the per-cell counts out (empty)."""
        async with self._sessions.read() as s:
            done, by_initiators = (
                await s.execute(
                    select(
                        func.count(P.id),
                        func.coalesce(func.sum(case((M.role.in_(INITIATOR_ROLES), 1), else_=0)), 0),
                    )
                    .select_from(P)
                    .outerjoin(M, M.id == P.member_id)
                    .where(*_done_in(network_id, start, end))
                )
            ).one()
            sparks = await s.scalars(
                select(P.member_id)
                .where(*_done_in(network_id, end - SPARK_WINDOW, end), P.member_id.is_not(None))
                .group_by(P.member_id)
                .having(func.count(P.id) >= SPARK_MIN_DONE)
                .order_by(P.member_id)
            )
            spark_ids = tuple(i for i in sparks if i is not None)
            pledged_before = exists().where(P.member_id == M.id, P.created_at < end)
            dormant = await s.scalar(
                select(func.count(M.id)).where(
                    M.network_id == network_id,
                    M.onboarded.is_(True),
                    or_(M.left_at.is_(None), M.left_at > end),
                    M.joined_at <= end - DORMANT_AFTER,
                    ~pledged_before,
                )
            )
            reciprocal, helpers = await _reciprocity(s, network_id, start, end)
            return HealthFigures(
                start=start,
                end=end,
                pledges_done=int(done),
                done_by_initiators=int(by_initiators),
                spark_carriers=spark_ids,
                dormant=dormant or 0,
                reciprocal=reciprocal,
                helpers=helpers,
                per_cell=await _per_cell(s, network_id, start, end) if per_cell else (),
            )


async def _reciprocity(
    s: AsyncSession, network_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """(members who gave and received, members who gave or received) in [start, end)."""
    thanks_in = (T.network_id == network_id, T.created_at >= start, T.created_at < end)
    accepted_in = (
        M.network_id == network_id,
        CR.status == "accepted",
        CR.answered_at >= start,
        CR.answered_at < end,
    )
    gave = union(
        select(P.member_id.label("m")).where(*_done_in(network_id, start, end)),
        select(T.receiver_id).where(*thanks_in),
        select(CR.member_id).join(M, M.id == CR.member_id).where(*accepted_in),
    ).subquery()
    received = union(
        select(T.giver_id.label("m")).where(*thanks_in),
        select(CR.asker_id).join(M, M.id == CR.asker_id).where(*accepted_in),
    ).subquery()
    both = await s.scalar(
        select(func.count())
        .select_from(gave.join(received, gave.c.m == received.c.m))
        .where(gave.c.m.is_not(None))
    )
    either = union(select(gave.c.m), select(received.c.m)).subquery()
    total = await s.scalar(select(func.count()).select_from(either).where(either.c.m.is_not(None)))
    return both or 0, total or 0

"""Recurring calls: a series and the days it has made a call for (each day once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage import models
from storage.records import Series, SeriesStatus
from storage.repositories.jobs import touch_job
from storage.session import Sessions
from storage.sql import insert_ignoring


def _series(row: models.CallSeries) -> Series:
    return Series(
        row.id,
        row.network_id,
        row.initiator_id,
        row.title,
        dict(row.rule),
        row.hour,
        row.minute,
        row.timezone,
        row.first_at,
        row.cell_id,
        row.people_needed,
        row.everyone,
        SeriesStatus(row.status),
        row.created_at,
    )


class SeriesRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def create(
        self,
        network_id: int,
        initiator_id: int,
        *,
        title: str,
        rule: dict[str, Any],
        hour: int,
        minute: int,
        timezone: str,
        first_at: datetime,
        cell_id: int | None,
        people_needed: int | None,
        everyone: bool,
        now: datetime,
    ) -> Series:
        """A new active series; its job (kind ``series``) runs at once to make the first
        occurrences."""
        async with self._sessions.write() as s:
            row = models.CallSeries(
                network_id=network_id,
                initiator_id=initiator_id,
                title=title[:300],
                rule=rule,
                hour=hour,
                minute=minute,
                timezone=timezone,
                first_at=first_at,
                cell_id=cell_id,
                people_needed=people_needed,
                everyone=everyone,
                status=SeriesStatus.ACTIVE.value,
                created_at=now,
            )
            s.add(row)
            await s.flush()
            await touch_job(s, "series", row.id, now)
            return _series(row)

    async def get(self, series_id: int) -> Series | None:
        async with self._sessions.read() as s:
            row = await s.get(models.CallSeries, series_id)
            return _series(row) if row else None

    async def of_network(self, network_id: int) -> list[Series]:
        """The network's series that have not ended, oldest first."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.CallSeries)
                .where(
                    models.CallSeries.network_id == network_id,
                    models.CallSeries.status != SeriesStatus.ENDED.value,
                )
                .order_by(models.CallSeries.id)
            )
            return [_series(r) for r in rows]

    async def set_status(self, series_id: int, status: SeriesStatus, *, now: datetime) -> Series:
        """Pause, resume or end; resuming brings its job back at once."""
        async with self._sessions.write() as s:
            row = await s.get(models.CallSeries, series_id, with_for_update=True)
            if row is None:
                raise LookupError(series_id)
            row.status = status.value
            row.ended_at = now if status is SeriesStatus.ENDED else None
            if status is SeriesStatus.ACTIVE:
                await touch_job(s, "series", row.id, now)
            return _series(row)

    async def claim_day(self, series_id: int, day: str, *, now: datetime) -> bool:
        """Claim one day of the series; False when it was claimed before (made, or made
        and cancelled alone): never a second call for the same day."""
        async with self._sessions.write() as s:
            created = await s.scalar(
                insert_ignoring(
                    s,
                    models.SeriesOccurrence,
                    ("series_id", "day"),
                    dict(series_id=series_id, day=day, created_at=now),
                ).returning(models.SeriesOccurrence.id)
            )
            return created is not None

    async def set_call(self, series_id: int, day: str, call_id: int) -> None:
        async with self._sessions.write() as s:
            row = await s.scalar(
                select(models.SeriesOccurrence).where(
                    models.SeriesOccurrence.series_id == series_id,
                    models.SeriesOccurrence.day == day,
                )
            )
            if row is not None:
                row.call_id = call_id

    async def calls(self, series_id: int) -> list[int]:
        """The ids of the calls made for the series, by day."""
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.SeriesOccurrence.call_id)
                .where(
                    models.SeriesOccurrence.series_id == series_id,
                    models.SeriesOccurrence.call_id.is_not(None),
                )
                .order_by(models.SeriesOccurrence.day)
            )
            return [r for r in rows if r is not None]

    async def of_call(self, call_id: int) -> int | None:
        """The series a call was made for, if any."""
        async with self._sessions.read() as s:
            return await s.scalar(
                select(models.SeriesOccurrence.series_id).where(
                    models.SeriesOccurrence.call_id == call_id
                )
            )

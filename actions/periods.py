"""Calendar periods in the network's timezone, for /impact, /netwerk and the digests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def month_start(at: datetime, tz: ZoneInfo) -> datetime:
    """Midnight on the first of ``at``'s month, in the network's timezone."""
    local = at.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def previous_month_start(start: datetime) -> datetime:
    return month_start(start - timedelta(days=1), start.tzinfo)  # type: ignore[arg-type]


def next_month_start(start: datetime) -> datetime:
    return month_start(start + timedelta(days=32), start.tzinfo)  # type: ignore[arg-type]


def end_of_today(at: datetime, tz: ZoneInfo) -> datetime:
    """Tomorrow's midnight: periods "up to now" include everything that happened today."""
    local = at.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return local + timedelta(days=1)


def week_bounds(at: datetime, tz: ZoneInfo, weeks: int) -> list[datetime]:
    """Monday-midnight boundaries of the last ``weeks`` weeks, the current week last."""
    local = at.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # Aware arithmetic keeps the wall time: a daylight-saving change keeps them at 00:00.
    return [monday + timedelta(weeks=k) for k in range(1 - weeks, 2)]


def previous_month(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month before ``now``'s month, in the network's timezone."""
    end = month_start(now, tz)
    return previous_month_start(end), end

"""A per-person message rate limit, so one person (or a stuck script) cannot flood the bot.

A sliding window over the clock's time (simulated in the console and tests). Over the limit,
the first refused message gets a kind answer and the rest of the window stays quiet: a flood
must not make the bot flood the chat in return. Counted per platform identity, before anything
is looked up or written. Kept in memory: a restart forgives everyone.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
SWEEP_AFTER = 1000  # people remembered before the first sweep of idle ones


class Verdict(enum.Enum):
    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"
    REFUSE_QUIETLY = "refuse_quietly"


class MessageLimiter:
    def __init__(self, per_window: int, window: timedelta = WINDOW) -> None:
        self.per_window = per_window
        self.window = window
        self._seen: dict[Hashable, deque[datetime]] = {}
        self._told: dict[Hashable, datetime] = {}
        self._sweep_at = SWEEP_AFTER

    def check(self, who: Hashable, now: datetime) -> Verdict:
        """Count one message by ``who`` at ``now`` (refused ones are not counted)."""
        if self.per_window <= 0:
            return Verdict.ALLOW
        if len(self._seen) > self._sweep_at:
            # A sweep looks at everyone: with more people active in the window than this, the
            # next one waits until there are twice as many (not one sweep per message).
            self.forget_idle(now)
            self._sweep_at = max(SWEEP_AFTER, 2 * len(self._seen))
        times = self._seen.setdefault(who, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.per_window:
            times.append(now)
            self._told.pop(who, None)
            return Verdict.ALLOW
        told = self._told.get(who)
        if told is not None and told > now - self.window:
            return Verdict.REFUSE_QUIETLY
        self._told[who] = now
        return Verdict.REFUSE_AND_TELL

    def forget_idle(self, now: datetime) -> None:
        """Drop people with no message in the window, so memory follows activity."""
        for who in [m for m, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[who]
            self._told.pop(who, None)

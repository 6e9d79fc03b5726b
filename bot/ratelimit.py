"""Sliding-window send limits per platform: overall per second and per chat per minute.

The outbox asks how long to wait instead of sleeping, so a message held back by a limit simply
waits in the database like any other, and a simulated clock needs no special case.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RateLimits:
    per_second: int | None = None  # messages per second over all chats
    per_chat_per_minute: int | None = None  # messages per minute into one chat


#: The longest window kept: older sends no longer count for any limit.
_KEPT = timedelta(minutes=1)


class RateLimiter:
    def __init__(self) -> None:
        self._overall: dict[str, deque[datetime]] = defaultdict(deque)
        self._per_chat: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)
        self._sweep_at = 1024  # chats remembered before idle ones are forgotten

    def wait(
        self,
        platform: str,
        chat_id: str,
        limits: RateLimits,
        now: datetime,
        *,
        answering: bool = False,
    ) -> timedelta:
        """How long until one more message to this chat is within the limits (zero: now).

        ``answering``: a reply to someone who just wrote. The overall limit is the platform's
        rule for messages a bot starts itself (Telegram: bulk notifications, ~30/s); answers
        go before those (they still count, so broadcasts slow down while many are answered),
        and a 429 from the platform is still obeyed. The per-chat limit holds for both."""
        waits = [timedelta(0)]
        if limits.per_second and not answering:
            waits.append(
                _window_wait(self._overall[platform], limits.per_second, timedelta(seconds=1), now)
            )
        if limits.per_chat_per_minute:
            waits.append(
                _window_wait(
                    self._per_chat[platform, chat_id],
                    limits.per_chat_per_minute,
                    timedelta(minutes=1),
                    now,
                )
            )
        return max(waits)

    def record(self, platform: str, chat_id: str, now: datetime) -> None:
        """Count a send. Sends older than the longest window are dropped here, so a process
        that only answers (never asks :meth:`wait` with the overall limit) stays small, and
        chats idle for a minute are forgotten whenever their number has doubled."""
        for sent in (self._overall[platform], self._per_chat[platform, chat_id]):
            sent.append(now)
            while sent[0] <= now - _KEPT:
                sent.popleft()
        if len(self._per_chat) >= self._sweep_at:
            idle = [k for k, sent in self._per_chat.items() if not sent or sent[-1] <= now - _KEPT]
            for key in idle:
                del self._per_chat[key]
            self._sweep_at = max(1024, 2 * len(self._per_chat))


def _window_wait(sent: deque[datetime], limit: int, window: timedelta, now: datetime) -> timedelta:
    while sent and sent[0] <= now - window:
        sent.popleft()
    if len(sent) < limit:
        return timedelta(0)
    return sent[len(sent) - limit] + window - now

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


class RateLimiter:
    def __init__(self) -> None:
        self._overall: dict[str, deque[datetime]] = defaultdict(deque)
        self._per_chat: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)

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
        self._overall[platform].append(now)
        self._per_chat[platform, chat_id].append(now)


def _window_wait(sent: deque[datetime], limit: int, window: timedelta, now: datetime) -> timedelta:
    while sent and sent[0] <= now - window:
        sent.popleft()
    if len(sent) < limit:
        return timedelta(0)
    return sent[len(sent) - limit] + window - now

"""An intake that only records what an adapter hands over, for adapter tests without an app."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.core import Event


class RecordingIntake:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._arrived = asyncio.Event()

    async def dispatch(self, event: Event) -> None:
        await self.dispatch_many([event])

    async def dispatch_many(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        self._arrived.set()

    async def accept(self, events: Sequence[Event]) -> None:
        await self.dispatch_many(events)

    async def next(self, count: int = 1) -> list[Event]:
        """The first ``count`` events, waiting up to 5 s for them to arrive."""
        async with asyncio.timeout(5):
            while len(self.events) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.events[:count]

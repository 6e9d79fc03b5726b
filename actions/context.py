"""What an action may use, handed to it explicitly: no globals, no platform, no event.

The chat's :class:`bot.context.Context`, the scheduler's :class:`bot.context.ServiceContext`,
the CLI's and a web dashboard's contexts all satisfy :class:`ActionContext`: storage bound to
the unit of work the action runs in (every write commits together), the network, the settings,
search, the clock, the platforms (who can be reached), and a way to queue messages to other
people, which leave only after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.config import Settings
from bot.outbox import Outgoing
from bot.platforms import Platforms
from storage import Storage
from storage.records import Network

if TYPE_CHECKING:
    from kennis.search import Search


class ActionContext(Protocol):
    @property
    def storage(self) -> Storage:
        """Bound to the unit of work: everything an action writes commits together."""

    @property
    def network(self) -> Network: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def search(self) -> Search | None:
        """None where no model is loaded (operator commands that never search)."""

    @property
    def platforms(self) -> Platforms: ...

    def now(self) -> datetime: ...

    async def send_many(self, messages: Sequence[Outgoing], *, at_once: bool = False) -> int:
        """Queue messages to other people; keys make a repeated decision send once.
        ``at_once``: this worker sends them right after the commit, before the steps that
        run after it (a few edits of the bot's own posts, not a broadcast)."""

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` once the unit of work committed."""

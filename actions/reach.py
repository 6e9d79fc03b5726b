"""Who a message can reach: members the bot can write to first, and those it cannot yet.

Telegram lets a bot write to a person only after that person started a chat with it (or was
imported with their numeric id); an imported ``@username`` waits until that user first writes.
Telling an initiator "it goes to 5 members" when none of them can be reached is worse than
saying who is missing and giving the link that fixes it (:meth:`Platforms.start_links`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.context import ActionContext
from storage.records import Member


@dataclass(frozen=True)
class Reach:
    reachable: tuple[Member, ...]
    unreachable: tuple[Member, ...]
    links: tuple[str, ...]  # open a private chat with the bot: send these to the unreachable


async def reach(ctx: ActionContext, members: Sequence[Member]) -> Reach:
    """Split ``members`` by whether the bot can write to them now."""
    platforms = ctx.platforms
    if platforms.reaches_everyone() or not members:
        return Reach(tuple(members), (), ())
    accounts = await ctx.storage.members.accounts_of(m.id for m in members)
    reachable = tuple(m for m in members if platforms.reaches(accounts[m.id]))
    unreachable = tuple(m for m in members if not platforms.reaches(accounts[m.id]))
    links = tuple(platforms.start_links()) if unreachable else ()
    return Reach(reachable, unreachable, links)

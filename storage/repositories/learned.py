"""Needs members were seen to meet, kept as evidence for the search (issue: learning from
outcomes). Recorded inside the unit of work of the event that proved it; a change to a
member's evidence goes into the change feed, so the search index picks it up like a new
skill."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from storage import models
from storage.repositories.members import record_change
from storage.session import Sessions
from storage.sql import insert_ignoring

#: Evidence kept per member (the newest): enough to matter, never a hub of its own.
KEEP_PER_MEMBER = 20


class LearnedMatches:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def record(
        self,
        network_id: int,
        member_id: int,
        *,
        need: str,
        skill: str,
        source: str,
        now: datetime,
    ) -> bool:
        """Remember that ``member_id`` met ``need`` (with ``skill``); False if known."""
        need = " ".join(need.split())[:300]
        if not need or not skill:
            return False
        async with self._sessions.write() as s:
            added = await s.scalar(
                insert_ignoring(
                    s,
                    models.LearnedMatch,
                    ("member_id", "need"),
                    {
                        "network_id": network_id,
                        "member_id": member_id,
                        "need": need,
                        "skill": skill[:200],
                        "source": source,
                        "created_at": now,
                    },
                ).returning(models.LearnedMatch.id)
            )
            if added is not None:
                record_change(s, member_id)
            return added is not None

    async def for_members(self, member_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """(need, skill) per member, newest first, at most KEEP_PER_MEMBER each."""
        wanted = sorted(set(member_ids))
        out: dict[int, list[tuple[str, str]]] = {}
        async with self._sessions.read() as s:
            for start in range(0, len(wanted), 5000):
                rows = await s.execute(
                    select(
                        models.LearnedMatch.member_id,
                        models.LearnedMatch.need,
                        models.LearnedMatch.skill,
                    )
                    .where(models.LearnedMatch.member_id.in_(wanted[start : start + 5000]))
                    .order_by(models.LearnedMatch.member_id, models.LearnedMatch.id.desc())
                )
                for member_id, need, skill in rows:
                    found = out.setdefault(member_id, [])
                    if len(found) < KEEP_PER_MEMBER:
                        found.append((need, skill))
        return out

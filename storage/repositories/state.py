"""Small pieces of state that must survive a restart: handled events, adapter positions,
open conversations and server-side button payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import models
from storage.records import Conversation


class EventLog:
    """Which platform events were handled: the insert is the claim, so a redelivered event
    (after a crash, or seen by a second process) is handled at most once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, platform: str, event_id: str, *, now: datetime) -> bool:
        try:
            async with self._sessions.begin() as s:
                s.add(models.ProcessedEvent(platform=platform, event_id=event_id, processed_at=now))
        except IntegrityError:
            return False
        return True

    async def release(self, platform: str, event_id: str) -> None:
        """Undo a claim whose handling never started, so a redelivery is handled after all."""
        async with self._sessions.begin() as s:
            await s.execute(
                delete(models.ProcessedEvent).where(
                    models.ProcessedEvent.platform == platform,
                    models.ProcessedEvent.event_id == event_id,
                )
            )


class AdapterStateStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, platform: str, key: str) -> str | None:
        async with self._sessions() as s:
            row = await s.get(models.AdapterState, (platform, key))
            return row.value if row else None

    async def set(self, platform: str, key: str, value: str) -> None:
        async with self._sessions.begin() as s:
            row = await s.get(models.AdapterState, (platform, key))
            if row is None:
                s.add(models.AdapterState(platform=platform, key=key, value=value))
            else:
                row.value = value


class ConversationStore:
    """At most one open question per member; starting a new flow replaces the old one."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, member_id: int) -> Conversation | None:
        async with self._sessions() as s:
            row = await s.get(models.Conversation, member_id)
            return Conversation(row.member_id, row.flow, row.step, dict(row.data)) if row else None

    async def set(
        self, member_id: int, flow: str, step: str, data: dict[str, Any], *, now: datetime
    ) -> None:
        async with self._sessions.begin() as s:
            row = await s.get(models.Conversation, member_id)
            if row is None:
                s.add(
                    models.Conversation(
                        member_id=member_id, flow=flow, step=step, data=data, updated_at=now
                    )
                )
            else:
                row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), now

    async def clear(self, member_id: int) -> None:
        async with self._sessions.begin() as s:
            await s.execute(
                delete(models.Conversation).where(models.Conversation.member_id == member_id)
            )


class ButtonPayloadStore:
    """Maps long button payloads to short ids that fit in a platform's callback data."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def short_id(self, payload: str, *, now: datetime) -> str:
        async with self._sessions.begin() as s:
            row_id = await s.scalar(
                select(models.ButtonPayload.id).where(models.ButtonPayload.payload == payload)
            )
            if row_id is None:
                row = models.ButtonPayload(payload=payload, created_at=now)
                s.add(row)
                await s.flush()
                row_id = row.id
            return str(row_id)

    async def payload(self, short_id: str) -> str | None:
        if not short_id.isdigit():
            return None
        async with self._sessions() as s:
            row = await s.get(models.ButtonPayload, int(short_id))
            return row.payload if row else None

"""Small pieces of state that must survive a restart: adapter positions, open conversations and
server-side button payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from storage import models
from storage.ids import is_row_id
from storage.records import Conversation
from storage.session import Sessions
from storage.sql import insert_ignoring, table, upsert

_CONVERSATIONS = table(models.Conversation)
# Every direct message asks for its member's open question: built once, a plain row.
_CONVERSATION = select(_CONVERSATIONS).where(_CONVERSATIONS.c.member_id == bindparam("member_id"))


class AdapterStateStore:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def get(self, platform: str, key: str) -> str | None:
        async with self._sessions.read() as s:
            row = await s.get(models.AdapterState, (platform, key))
            return row.value if row else None

    async def set(self, platform: str, key: str, value: str) -> None:
        async with self._sessions.write() as s:
            await s.execute(
                upsert(
                    s,
                    models.AdapterState,
                    ("platform", "key"),
                    {"platform": platform, "key": key, "value": value},
                )
            )

    async def delete(self, platform: str, key: str) -> None:
        async with self._sessions.write() as s:
            await s.execute(
                delete(models.AdapterState).where(
                    models.AdapterState.platform == platform, models.AdapterState.key == key
                )
            )


class ConversationStore:
    """At most one open question per member; starting a new flow replaces the old one."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def get(self, member_id: int) -> Conversation | None:
        async with self._sessions.read() as s:
            row = (await s.execute(_CONVERSATION, {"member_id": member_id})).first()
        if row is None:
            return None
        return Conversation(row.member_id, row.flow, row.step, dict(row.data), row.updated_at)

    async def set(
        self, member_id: int, flow: str, step: str, data: dict[str, Any], *, now: datetime
    ) -> None:
        async with self._sessions.write() as s:
            await s.execute(
                upsert(
                    s,
                    models.Conversation,
                    ("member_id",),
                    {
                        "member_id": member_id,
                        "flow": flow,
                        "step": step,
                        "data": dict(data),
                        "updated_at": now,
                    },
                )
            )

    async def clear(self, member_id: int) -> None:
        async with self._sessions.write() as s:
            await s.execute(
                delete(models.Conversation).where(models.Conversation.member_id == member_id)
            )


class ButtonPayloadStore:
    """Maps long button payloads to short ids that fit in a platform's callback data."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def short_id(self, payload: str, *, now: datetime) -> str:
        async with self._sessions.write() as s:
            where = models.ButtonPayload.payload == payload
            row_id = await s.scalar(select(models.ButtonPayload.id).where(where))
            if row_id is None:
                await s.execute(
                    insert_ignoring(
                        s,
                        models.ButtonPayload,
                        ("payload",),
                        {"payload": payload, "created_at": now},
                    )
                )
                row_id = await s.scalar(select(models.ButtonPayload.id).where(where))
            return str(row_id)

    async def payload(self, short_id: str) -> str | None:
        """The payload behind a short id; None for anything that is not one of ours. The id
        arrives from outside (Telegram callback data can be forged), so only ASCII digits in
        the row id range are looked up: '²' or a number past 2³¹−1 is simply unknown."""
        if not (short_id.isascii() and short_id.isdigit() and len(short_id) <= 10):
            return None
        row_id = int(short_id)
        if not is_row_id(row_id):
            return None
        async with self._sessions.read() as s:
            row = await s.get(models.ButtonPayload, row_id)
            return row.payload if row else None

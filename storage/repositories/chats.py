"""Chats (group chats and direct chats) the bot takes part in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from storage import models
from storage.records import Chat
from storage.session import Sessions
from storage.sql import insert_ignoring, table

_CHATS = table(models.Chat)
# Every routed event reads its chat: built once (storage/sql.py, ``Prepared``), plain rows.
_BY_PLATFORM_ID = select(_CHATS).where(
    _CHATS.c.platform == bindparam("platform"),
    _CHATS.c.platform_chat_id == bindparam("platform_chat_id"),
)
_RETITLE = update(_CHATS).where(_CHATS.c.id == bindparam("chat_id")).values(title=bindparam("new"))


def _chat(row: Any) -> Chat:
    return Chat(
        id=row.id,
        network_id=row.network_id,
        platform=row.platform,
        platform_chat_id=row.platform_chat_id,
        kind=row.kind,
        title=row.title,
        cell_id=row.cell_id,
        left_at=row.left_at,
    )


class ChatRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def ensure(
        self,
        network_id: int,
        platform: str,
        platform_chat_id: str,
        *,
        kind: str,
        title: str | None = None,
    ) -> Chat:
        """The chat's record, created on first sight (by whichever event or process comes
        first: the insert ignores a conflict and the row is read back); a changed title is
        followed."""
        key = {"platform": platform, "platform_chat_id": platform_chat_id}
        async with self._sessions.write() as s:
            row = (await s.execute(_BY_PLATFORM_ID, key)).first()
            if row is None:
                await s.execute(
                    insert_ignoring(
                        s,
                        models.Chat,
                        ("platform", "platform_chat_id"),
                        dict(
                            network_id=network_id,
                            platform=platform,
                            platform_chat_id=platform_chat_id,
                            kind=kind,
                            title=title,
                        ),
                    )
                )
                row = (await s.execute(_BY_PLATFORM_ID, key)).first()
                assert row is not None
            elif title and row.title != title:
                fitted = models.fitted(models.Chat, {"title": title})["title"]
                if row.title != fitted:  # a long title is kept cut to its column
                    await s.execute(_RETITLE, {"chat_id": row.id, "new": fitted})
                    return replace(_chat(row), title=fitted)
            return _chat(row)

    async def groups(self, network_id: int, *, cell_id: int | None = None) -> list[Chat]:
        """Group chats of the network the bot is in; with ``cell_id``, the chats of that
        cell."""
        async with self._sessions.read() as s:
            query = select(models.Chat).where(
                models.Chat.network_id == network_id,
                models.Chat.kind == "group",
                models.Chat.left_at.is_(None),
            )
            if cell_id is not None:
                query = query.where(models.Chat.cell_id == cell_id)
            return [_chat(r) for r in await s.scalars(query.order_by(models.Chat.id))]

    async def set_cell(self, chat_id: int, cell_id: int | None) -> None:
        async with self._sessions.write() as s:
            (await s.get_one(models.Chat, chat_id)).cell_id = cell_id

    async def set_left(self, chat_id: int, left_at: datetime | None) -> Chat:
        """The bot left the chat at ``left_at`` (None: it is back)."""
        async with self._sessions.write() as s:
            row = await s.get_one(models.Chat, chat_id)
            row.left_at = left_at
            await s.flush()
            return _chat(row)

    async def move(self, chat_id: int, new_platform_chat_id: str) -> Chat:
        """The chat goes on under a new platform id (a Telegram group became a supergroup).
        Should the new id have a record already (someone wrote there first), that record
        stays and takes over what the old one knew (its cell), and the old one goes."""
        async with self._sessions.write() as s:
            row = await s.get_one(models.Chat, chat_id)
            found = await s.scalar(
                select(models.Chat).where(
                    models.Chat.platform == row.platform,
                    models.Chat.platform_chat_id == new_platform_chat_id,
                )
            )
            if found is None:
                row.platform_chat_id = new_platform_chat_id
                row.left_at = None
                await s.flush()
                return _chat(row)
            if found.id == row.id:
                return _chat(row)
            if found.cell_id is None:
                found.cell_id = row.cell_id
            found.title = found.title or row.title
            found.left_at = None
            await s.execute(delete(models.Chat).where(models.Chat.id == row.id))
            await s.flush()
            return _chat(found)

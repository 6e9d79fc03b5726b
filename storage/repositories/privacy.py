"""A member's data is theirs: export all of it, or forget it; and old traces are pruned.

Both export and forget walk ``Base.metadata`` rather than a hand-kept list, so a table added
later with a foreign key to ``members`` is exported and forgotten without anyone remembering
to add it here.

What belongs to a member (``export``): their ``members`` row; every row of any table with a
foreign key column pointing at them; their direct chats (by their accounts); the change-feed
and scheduler rows that name them by id.

What forgetting keeps (*anonymous counts*): the network may still say "12 pledges done,
30 hours, 4 thank-yous" after a member left that way. So:

- done pledges stay with ``member_id`` NULL and their text cleared (date, hours, call remain);
  every other pledge of theirs is deleted;
- thank-yous stay with their side NULL and the reason cleared;
- audit entries, calls they posted and lessons they wrote stay, with their id (and the
  lesson's author name) cleared;
- everything else that points at them is deleted: the member, accounts, skills, stories,
  invitations, contact requests, open questions, nudges, their outbox messages and direct
  chats, the adapters' memory of those chats;
- their handle and names are blanked out of other members' words (call titles, pledges,
  stories, thanks, lessons) and outbox messages that mention them are deleted.

What remains is a bare id in the change feed (so the search index drops them) that no longer
resolves to anyone. People counts (distinct members) drop by one; pledge and hour counts stay.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, and_, delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.session import Sessions
from storage.sql import affected

REDACTED = "…"
# Other members' words that may mention someone by name: blanked on forget.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "pledges": ("what",),
    "calls": ("title", "details"),
    "stories": ("text",),
    "thanks": ("reason",),
    "lessons": ("title", "text", "author_name"),
    "contact_requests": ("topic",),
}
MIN_NAME = 2  # a one-letter "name" would blank half the database


def member_columns(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` that are foreign keys to ``members.id``."""
    return [
        fk.parent
        for fk in table.foreign_keys
        if fk.column.table.name == models.Member.__tablename__ and fk.column.name == "id"
    ]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _mentions(names: set[str]) -> re.Pattern[str] | None:
    words = sorted((n for n in names if len(n) >= MIN_NAME), key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)@?(?:{alternatives})(?!\w)", re.IGNORECASE)


class PrivacyRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    # -- what belongs to a member --------------------------------------------------------------
    async def _accounts(self, s: AsyncSession, member_id: int) -> list[models.Account]:
        return list(
            await s.scalars(select(models.Account).where(models.Account.member_id == member_id))
        )

    @staticmethod
    def _direct_chats(accounts: list[models.Account]) -> set[tuple[str, str]]:
        """(platform, chat id) of the member's direct chats: the remembered one, and the user
        id itself (Telegram's private chat id is the user id)."""
        chats = {(a.platform, a.platform_user_id) for a in accounts}
        chats |= {(a.platform, a.direct_chat_id) for a in accounts if a.direct_chat_id}
        return chats

    @staticmethod
    def _belongs(
        table: Table, member_id: int, direct: set[tuple[str, str]]
    ) -> ColumnElement[bool] | None:
        """Which rows of ``table`` are this member's; None when the table holds none."""
        c = table.c
        if table.name == models.Member.__tablename__:
            return c.id == member_id
        if table.name == models.Chat.__tablename__:
            if not direct:
                return false()
            return and_(
                c.kind == "direct",
                or_(*(and_(c.platform == p, c.platform_chat_id == chat) for p, chat in direct)),
            )
        if table.name == models.Change.__tablename__:
            return and_(c.entity == "member", c.entity_id == member_id)
        if table.name == models.Job.__tablename__:
            return and_(c.kind == "member", c.ref_id == member_id)
        conditions = [col == member_id for col in member_columns(table)]
        if table.name == models.OutboxMessage.__tablename__ and direct:
            conditions += [and_(c.platform == p, c.chat_id == chat) for p, chat in direct]
        return or_(*conditions) if conditions else None

    # -- export ------------------------------------------------------------------------------------
    async def export(self, member_id: int) -> dict[str, list[dict[str, Any]]] | None:
        """Every table, with the rows that are this member's (an empty list when none)."""
        async with self._sessions.read() as s:
            if await s.get(models.Member, member_id) is None:
                return None
            direct = self._direct_chats(await self._accounts(s, member_id))
            result: dict[str, list[dict[str, Any]]] = {}
            for table in models.Base.metadata.sorted_tables:
                condition = self._belongs(table, member_id, direct)
                if condition is None:
                    result[table.name] = []
                    continue
                rows = await s.execute(
                    select(table).where(condition).order_by(*table.primary_key.columns)
                )
                result[table.name] = [
                    {key: _jsonable(value) for key, value in row._mapping.items()} for row in rows
                ]
            return result

    async def dump_everything(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, rendered as the export renders them. For operators'
        checks and for the tests that prove export and forget leave nothing out."""
        async with self._sessions.read() as s:
            result: dict[str, list[dict[str, Any]]] = {}
            for table in models.Base.metadata.sorted_tables:
                rows = await s.execute(select(table).order_by(*table.primary_key.columns))
                result[table.name] = [
                    {key: _jsonable(value) for key, value in row._mapping.items()} for row in rows
                ]
            return result

    # -- forget ------------------------------------------------------------------------------------
    async def forget(
        self,
        member_id: int,
        *,
        now: datetime,
        buttons: Collection[str] = (),
        button_prefixes: Sequence[str] = (),
    ) -> dict[str, int] | None:
        """Delete or anonymise every row that could be traced to the member, in one
        transaction. Returns rows touched per table (None when there is no such member).

        End the member's open pledges first (``PledgeRepository.end``) so their places go to
        others the usual way; pledges still open here are simply deleted.

        Button payloads are strings only their owners can read: the caller names the ones
        about this member (``buttons`` exactly, ``button_prefixes`` by their start, e.g.
        'ask:contact:12:'); payloads that name the member are found here. Buttons still on
        screen somewhere then answer "this button no longer works"."""
        touched: Counter[str] = Counter()
        async with self._sessions.write() as s:
            member = await s.get(models.Member, member_id)
            if member is None:
                return None
            accounts = await self._accounts(s, member_id)
            direct = self._direct_chats(accounts)
            names = {member.handle, member.display_name}
            names |= {a.username for a in accounts if a.username}
            names |= {a.display_name for a in accounts if a.display_name}
            await self._keep_anonymous_counts(s, member_id, touched)
            await self._forget_chats(s, direct, _mentions(names), touched)
            await self._forget_buttons(s, buttons, button_prefixes, _mentions(names), touched)
            await self._blank_mentions(s, names, touched)
            for table in reversed(models.Base.metadata.sorted_tables):
                if table.name == models.Member.__tablename__:
                    continue
                for column in member_columns(table):
                    result = await s.execute(delete(table).where(column == member_id))
                    touched[table.name] += affected(result)
            await s.execute(delete(models.Member).where(models.Member.id == member_id))
            touched[models.Member.__tablename__] += 1
            # The search index follows the change feed: one last change makes it drop them.
            await s.execute(
                delete(models.Change).where(
                    models.Change.entity == "member", models.Change.entity_id == member_id
                )
            )
            s.add(models.Change(entity="member", entity_id=member_id))
        return {name: n for name, n in touched.items() if n}

    async def _keep_anonymous_counts(
        self, s: AsyncSession, member_id: int, touched: Counter[str]
    ) -> None:
        P = models.Pledge
        pledge_ids = list(await s.scalars(select(P.id).where(P.member_id == member_id)))
        jobs = await s.execute(
            delete(models.Job).where(
                or_(
                    and_(models.Job.kind == "member", models.Job.ref_id == member_id),
                    and_(models.Job.kind == "pledge", models.Job.ref_id.in_(pledge_ids)),
                )
            )
        )
        touched["jobs"] += affected(jobs)
        kept = await s.execute(
            update(P)
            .where(P.member_id == member_id, P.status == "done")
            .values(member_id=None, what="")
        )
        dropped = await s.execute(delete(P).where(P.member_id == member_id))
        touched["pledges"] += affected(kept) + affected(dropped)
        T = models.Thanks
        for column in (T.giver_id, T.receiver_id):
            result = await s.execute(
                update(T).where(column == member_id).values({column: None, T.reason: ""})
            )
            touched["thanks"] += affected(result)
        A = models.AuditEntry
        for column in (A.actor_id, A.target_id):
            result = await s.execute(update(A).where(column == member_id).values({column: None}))
            touched["audit_log"] += affected(result)
        calls = await s.execute(
            update(models.CallForHelp)
            .where(models.CallForHelp.initiator_id == member_id)
            .values(initiator_id=None)
        )
        touched["calls"] += affected(calls)
        lessons = await s.execute(
            update(models.Lesson)
            .where(models.Lesson.author_id == member_id)
            .values(author_id=None, author_name="")
        )
        touched["lessons"] += affected(lessons)

    async def _forget_chats(
        self,
        s: AsyncSession,
        direct: set[tuple[str, str]],
        mentions: re.Pattern[str] | None,
        touched: Counter[str],
    ) -> None:
        """Direct chats, messages to those chats or naming the member, adapter memory."""
        chat_ids = {chat for _, chat in direct}
        O = models.OutboxMessage  # noqa: E741 - the outbox, as in the other queries
        doomed: list[int] = []
        for row_id, platform, chat_id, reply in await s.execute(
            select(O.id, O.platform, O.chat_id, O.reply)
        ):
            text = json.dumps(reply, ensure_ascii=False)
            if (platform, chat_id) in direct or (mentions is not None and mentions.search(text)):
                doomed.append(row_id)
        for start in range(0, len(doomed), 500):
            result = await s.execute(delete(O).where(O.id.in_(doomed[start : start + 500])))
            touched["outbox"] += affected(result)
        # Handled events keep their platform id (a redelivery must stay a no-op), not the chat.
        I = models.InboxEvent  # noqa: E741
        for platform, chat_id in direct:
            result = await s.execute(
                update(I)
                .where(I.platform == platform, I.chat_key == chat_id)
                .values(chat_key="-", payload={})
            )
            touched["inbox"] += affected(result)
        Ch = models.Chat
        for platform, chat_id in direct:
            result = await s.execute(
                delete(Ch).where(
                    Ch.kind == "direct", Ch.platform == platform, Ch.platform_chat_id == chat_id
                )
            )
            touched["chats"] += affected(result)
        S = models.AdapterState
        for row in list(await s.scalars(select(S))):
            if any(chat in row.key for chat in chat_ids):
                await s.delete(row)
                touched["adapter_state"] += 1
                continue
            try:
                value = json.loads(row.value)
            except ValueError:
                continue
            if isinstance(value, dict) and chat_ids & set(value):
                row.value = json.dumps({k: v for k, v in value.items() if k not in chat_ids})
                touched["adapter_state"] += 1

    async def _forget_buttons(
        self,
        s: AsyncSession,
        exact: Collection[str],
        prefixes: Sequence[str],
        mentions: re.Pattern[str] | None,
        touched: Counter[str],
    ) -> None:
        B = models.ButtonPayload
        starts = tuple(prefixes)
        doomed = [
            row_id
            for row_id, payload in await s.execute(select(B.id, B.payload))
            if payload in exact
            or payload.startswith(starts)
            or (mentions is not None and mentions.search(payload))
        ]
        for start in range(0, len(doomed), 500):
            result = await s.execute(delete(B).where(B.id.in_(doomed[start : start + 500])))
            touched["button_payloads"] += affected(result)

    async def _blank_mentions(
        self, s: AsyncSession, names: set[str], touched: Counter[str]
    ) -> None:
        """Replace the member's handle and names in other members' words."""
        pattern = _mentions(names)
        if pattern is None:
            return
        tables = models.Base.metadata.tables
        for table_name, column_names in FREE_TEXT.items():
            table = tables[table_name]
            key = table.primary_key.columns.values()[0]
            for column_name in column_names:
                column = table.c[column_name]
                hint = or_(
                    *(func.lower(column).like(f"%{n.lower()}%") for n in names if len(n) >= 2)
                )
                for row_id, text in await s.execute(select(key, column).where(hint)):
                    blanked = pattern.sub(REDACTED, text or "")
                    if blanked != text:
                        await s.execute(
                            update(table).where(key == row_id).values({column: blanked})
                        )
                        touched[table_name] += 1

    # -- retention ---------------------------------------------------------------------------------
    async def prune_inbox(self, before: datetime) -> int:
        """Forget handled events received before ``before``: redeliveries come within
        minutes, not weeks (their text was dropped when they were handled)."""
        async with self._sessions.write() as s:
            result = await s.execute(
                delete(models.InboxEvent).where(
                    models.InboxEvent.status == "done", models.InboxEvent.received_at < before
                )
            )
            return affected(result)

    async def prune_outbox(self, before: datetime) -> int:
        """Delete sent, failed and parked messages older than ``before`` (a parked one waited
        for a member who never opened their private chat); pending ones are kept.

        The idempotency key goes with the row, so the retention period must be longer than
        any time in which the same message could be enqueued again."""
        O = models.OutboxMessage  # noqa: E741
        async with self._sessions.write() as s:
            result = await s.execute(
                delete(O).where(
                    O.status.in_(("sent", "failed", "parked")),
                    or_(
                        and_(O.sent_at.is_not(None), O.sent_at < before),
                        and_(O.sent_at.is_(None), O.created_at < before),
                    ),
                )
            )
            return affected(result)

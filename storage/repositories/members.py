"""Members, their chat accounts and their skills."""

from __future__ import annotations

import builtins
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.records import (
    PENDING_PREFIX,
    Account,
    Conversation,
    ImportedAccount,
    Member,
    MemberImportRow,
    Role,
    pending_user_id,
)
from storage.repositories.networks import ensure_cell_in
from storage.repositories.outbox import PARKED
from storage.session import Sessions
from storage.sql import affected, insert_ignoring, table, upsert

UPDATABLE = frozenset(
    {
        "display_name",
        "role",
        "language",
        "timezone",
        "about",
        "cell_id",
        "findable",
        "invitable",
        "onboarded",
        "left_at",
        "reminders",
        "paused_until",
        "quiet_hours",
        "last_nudge_at",
    }
)


class AccountsTaken(ValueError):
    """An import names chat accounts that belong to other members; nothing was imported.
    ``problems`` are (line, message) pairs, as the importer reports them."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(problems)} account(s) belong to other members")
        self.problems = problems


def make_handle(text: str) -> str:
    """A lowercase ascii handle from a name or username ('Anna de Vries' -> 'anna_de_vries')."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    handle = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    return handle[:40] or "lid"


_MEMBERS, _ACCOUNTS, _SKILLS = table(models.Member), table(models.Account), table(models.Skill)
_OUTBOX, _CONVERSATIONS = table(models.OutboxMessage), table(models.Conversation)
# Nearly every event looks its sender up: member, account and skills in one statement, built
# once (storage/sql.py), plain rows; account columns are prefixed (both tables have an id).
_BY_ACCOUNT_COLUMNS = (
    *_MEMBERS.c,
    *(c.label(f"account_{c.name}") for c in _ACCOUNTS.c),
    _SKILLS.c.text.label("skill"),
)


def _by_account(*extra: Any, direct: bool = False) -> Any:
    joined = _MEMBERS.join(_ACCOUNTS, _ACCOUNTS.c.member_id == _MEMBERS.c.id).outerjoin(
        _SKILLS, _SKILLS.c.member_id == _MEMBERS.c.id
    )
    if direct:
        joined = joined.outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.member_id == _MEMBERS.c.id)
    return (
        select(*_BY_ACCOUNT_COLUMNS, *extra)
        .select_from(joined)
        .where(
            _ACCOUNTS.c.platform == bindparam("platform"),
            _ACCOUNTS.c.platform_user_id == bindparam("platform_user_id"),
        )
        .order_by(_SKILLS.c.id)
    )


_BY_ACCOUNT = _by_account()
#: The same for a direct message: also whether messages wait for the member to open their
#: private chat (they go out now), and the question the bot asked them, if any.
_FOR_DIRECT_MESSAGE = _by_account(
    exists()
    .where(_OUTBOX.c.member_id == _MEMBERS.c.id, _OUTBOX.c.status == PARKED)
    .label("has_parked"),
    *(c.label(f"conversation_{c.name}") for c in _CONVERSATIONS.c),
    direct=True,
)


@dataclass(frozen=True)
class DirectSender:
    """Who wrote a direct message, as :meth:`MemberRepository.for_direct_message` finds them."""

    member: Member
    account: Account
    parked: bool  # messages wait for them to open their private chat with the bot
    conversation: Conversation | None  # the question the bot asked them and awaits


def _skills_of(rows: Iterable[Any]) -> list[str]:
    return [row.skill for row in rows if row.skill is not None]


def _member(row: Any, skills: Iterable[str] = ()) -> Member:
    return Member(
        id=row.id,
        network_id=row.network_id,
        handle=row.handle,
        display_name=row.display_name,
        role=Role(row.role),
        language=row.language,
        timezone=row.timezone,
        about=row.about,
        cell_id=row.cell_id,
        findable=row.findable,
        invitable=row.invitable,
        onboarded=row.onboarded,
        joined_at=row.joined_at,
        left_at=row.left_at,
        skills=tuple(skills),
        reminders=row.reminders,
        paused_until=row.paused_until,
        quiet_hours=row.quiet_hours,
        last_nudge_at=row.last_nudge_at,
    )


def _account(row: Any, prefix: str = "") -> Account:
    """An account from its table's row, or from a joined row whose account columns carry
    ``prefix`` ("account_", see _by_account)."""

    def column(name: str) -> Any:
        return getattr(row, prefix + name)

    return Account(
        id=column("id"),
        member_id=column("member_id"),
        platform=column("platform"),
        platform_user_id=column("platform_user_id"),
        username=column("username"),
        display_name=column("display_name"),
        direct_chat_id=column("direct_chat_id"),
    )


def record_change(s: AsyncSession, member_id: int) -> None:
    """Note in the change feed that a member's searchable profile changed (same transaction)."""
    s.add(models.Change(entity="member", entity_id=member_id))


async def _skills(s: AsyncSession, member_id: int) -> list[str]:
    rows = await s.scalars(
        select(models.Skill.text)
        .where(models.Skill.member_id == member_id)
        .order_by(models.Skill.id)
    )
    return list(rows)


class MemberRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def get(self, member_id: int) -> Member | None:
        async with self._sessions.read() as s:
            row = await s.get(models.Member, member_id)
            return _member(row, await _skills(s, row.id)) if row else None

    async def by_handle(self, network_id: int, handle: str) -> Member | None:
        async with self._sessions.read() as s:
            row = await s.scalar(
                select(models.Member).where(
                    models.Member.network_id == network_id,
                    func.lower(models.Member.handle) == handle.lstrip("@").lower(),
                )
            )
            return _member(row, await _skills(s, row.id)) if row else None

    async def by_account(
        self, platform: str, platform_user_id: str
    ) -> tuple[Member, Account] | None:
        """Member, account and skills in one round trip: this runs for nearly every event."""
        rows = await self._rows(_BY_ACCOUNT, platform, platform_user_id)
        if not rows:
            return None
        return _member(rows[0], _skills_of(rows)), _account(rows[0], "account_")

    async def for_direct_message(self, platform: str, platform_user_id: str) -> DirectSender | None:
        """:meth:`by_account` for a direct message, in the same statement: whether messages
        are parked for the member (a direct message releases them; most find none) and their
        open conversation."""
        rows = await self._rows(_FOR_DIRECT_MESSAGE, platform, platform_user_id)
        if not rows:
            return None
        first = rows[0]
        conversation = None
        if first.conversation_member_id is not None:
            conversation = Conversation(
                first.conversation_member_id,
                first.conversation_flow,
                first.conversation_step,
                dict(first.conversation_data),
                first.conversation_updated_at,
            )
        return DirectSender(
            _member(first, _skills_of(rows)),
            _account(first, "account_"),
            bool(first.has_parked),
            conversation,
        )

    async def _rows(self, statement: Any, platform: str, platform_user_id: str) -> list[Any]:
        key = {"platform": platform, "platform_user_id": platform_user_id}
        async with self._sessions.read() as s:
            return list((await s.execute(statement, key)).all())

    async def create(
        self,
        network_id: int,
        *,
        handle: str,
        display_name: str,
        language: str,
        timezone: str,
        now: datetime,
    ) -> Member:
        """Create a member; a taken handle gets a number appended rather than failing (also
        when another process takes the same handle at the same moment)."""
        async with self._sessions.write() as s:
            base = make_handle(handle)
            values = {
                "network_id": network_id,
                "display_name": display_name,
                "language": language,
                "timezone": timezone,
                "joined_at": now,
                "about": "",
                "role": Role.MEMBER.value,
                "findable": False,
                "invitable": False,
                "onboarded": False,
                "reminders": True,
            }
            n = 1
            while True:
                candidate = base if n == 1 else f"{base}{n}"
                if n == 1 or not await s.scalar(
                    select(models.Member.id).where(
                        models.Member.network_id == network_id, models.Member.handle == candidate
                    )
                ):
                    row = await s.scalar(
                        insert_ignoring(
                            s,
                            models.Member,
                            ("network_id", "handle"),
                            {**values, "handle": candidate},
                        ).returning(models.Member)
                    )
                    if row is not None:
                        break
                n += 1
            record_change(s, row.id)
            s.add(  # a new member's job cannot exist yet
                models.Job(
                    key=f"member:{row.id}",
                    kind="member",
                    ref_id=row.id,
                    due_at=now,
                    status="pending",
                    updated_at=now,
                )
            )
            return _member(row)

    async def link_account(
        self,
        member_id: int,
        platform: str,
        platform_user_id: str,
        *,
        username: str | None = None,
        display_name: str | None = None,
        direct_chat_id: str | None = None,
    ) -> Account:
        """Link a platform identity to a member (moving it if it belonged to another)."""
        values = {
            "member_id": member_id,
            "platform": platform,
            "platform_user_id": platform_user_id,
            "username": username,
            "display_name": display_name,
        }
        if direct_chat_id is not None:
            values["direct_chat_id"] = direct_chat_id
        async with self._sessions.write() as s:
            row = await s.scalar(
                upsert(s, models.Account, ("platform", "platform_user_id"), values)
                .returning(models.Account)
                .execution_options(populate_existing=True)
            )
            assert row is not None
            return _account(row)

    async def claim_account(
        self,
        member_id: int,
        platform: str,
        platform_user_id: str,
        *,
        username: str | None = None,
        display_name: str | None = None,
        direct_chat_id: str | None = None,
    ) -> Account | None:
        """Link a platform identity to a member unless it is linked already (by another event
        or process at the same moment): None then, and the caller reads who has it."""
        async with self._sessions.write() as s:
            account_id = await s.scalar(
                insert_ignoring(
                    s,
                    models.Account,
                    ("platform", "platform_user_id"),
                    dict(
                        member_id=member_id,
                        platform=platform,
                        platform_user_id=platform_user_id,
                        username=username,
                        display_name=display_name,
                        direct_chat_id=direct_chat_id,
                    ),
                ).returning(models.Account.id)
            )
            if account_id is None:
                return None
            return _account(await s.get_one(models.Account, account_id))

    async def claim_pending_account(
        self,
        platform: str,
        username: str,
        platform_user_id: str,
        *,
        display_name: str | None = None,
        direct_chat_id: str | None = None,
    ) -> Member | None:
        """The member imported with this username, now linked to the real account; None when
        no imported member waits for it."""
        async with self._sessions.write() as s:
            row = await s.scalar(
                select(models.Account).where(
                    models.Account.platform == platform,
                    models.Account.platform_user_id == pending_user_id(username),
                )
            )
            if row is None:
                return None
            row.platform_user_id = platform_user_id
            row.username = username
            row.display_name = display_name
            if direct_chat_id is not None:
                row.direct_chat_id = direct_chat_id
            await s.flush()
            member = await s.get_one(models.Member, row.member_id)
            return _member(member, await _skills(s, member.id))

    async def update_account(self, account_id: int, **fields: Any) -> None:
        """Follow username and name changes, remember the direct chat."""
        allowed = {"username", "display_name", "direct_chat_id"}
        if not set(fields) <= allowed:
            raise ValueError(f"cannot update account fields {set(fields) - allowed}")
        async with self._sessions.write() as s:
            row = await s.get_one(models.Account, account_id)
            for key, value in fields.items():
                setattr(row, key, value)

    async def accounts(self, member_id: int) -> list[Account]:
        async with self._sessions.read() as s:
            rows = await s.scalars(
                select(models.Account).where(models.Account.member_id == member_id)
            )
            return [_account(r) for r in rows]

    async def accounts_of(self, member_ids: Iterable[int]) -> dict[int, list[Account]]:
        """The accounts of many members at once (a broadcast's reach), by member id."""
        wanted = sorted(set(member_ids))
        found: dict[int, list[Account]] = {m: [] for m in wanted}
        async with self._sessions.read() as s:
            for start in range(0, len(wanted), 5000):
                rows = await s.scalars(
                    select(models.Account).where(
                        models.Account.member_id.in_(wanted[start : start + 5000])
                    )
                )
                for row in rows:
                    found[row.member_id].append(_account(row))
        return found

    async def update(self, member_id: int, **fields: Any) -> Member:
        if not set(fields) <= UPDATABLE:
            raise ValueError(f"cannot update member fields {set(fields) - UPDATABLE}")
        async with self._sessions.write() as s:
            row = await s.get_one(models.Member, member_id)
            for key, value in fields.items():
                setattr(row, key, value.value if isinstance(value, Role) else value)
            record_change(s, row.id)
            await s.flush()
            return _member(row, await _skills(s, row.id))

    async def add_skills(self, member_id: int, texts: Sequence[str], *, now: datetime) -> list[str]:
        """Add skills not yet listed; returns the ones actually added."""
        async with self._sessions.write() as s:
            have = {t.casefold() for t in await _skills(s, member_id)}
            added = []
            for text in texts:
                clean = text.strip()
                if clean and clean.casefold() not in have:
                    s.add(models.Skill(member_id=member_id, text=clean[:200], created_at=now))
                    have.add(clean.casefold())
                    added.append(clean)
            if added:
                record_change(s, member_id)
            return added

    async def remove_skill(self, member_id: int, text: str) -> bool:
        async with self._sessions.write() as s:
            result = await s.execute(
                delete(models.Skill).where(
                    models.Skill.member_id == member_id,
                    func.lower(models.Skill.text) == text.strip().lower(),
                )
            )
            if affected(result):
                record_change(s, member_id)
            return bool(affected(result))

    async def list(self, network_id: int, *, active_only: bool = True) -> list[Member]:
        async with self._sessions.read() as s:
            query = select(models.Member).where(models.Member.network_id == network_id)
            if active_only:
                query = query.where(models.Member.left_at.is_(None))
            members = list(await s.scalars(query.order_by(models.Member.handle)))
            skills: dict[int, list[str]] = {}
            rows = await s.execute(
                select(models.Skill.member_id, models.Skill.text)
                .join(models.Member, models.Member.id == models.Skill.member_id)
                .where(models.Member.network_id == network_id)
                .order_by(models.Skill.id)
            )
            for member_id, text in rows:
                skills.setdefault(member_id, []).append(text)
            return [_member(m, skills.get(m.id, ())) for m in members]

    async def ids(self) -> builtins.list[int]:
        async with self._sessions.read() as s:
            return list(await s.scalars(select(models.Member.id).order_by(models.Member.id)))

    async def get_many(self, ids: Iterable[int]) -> builtins.list[Member]:
        """Members by id (left ones too), with their skills; unknown ids are skipped."""
        wanted = sorted(set(ids))
        result: list[Member] = []
        async with self._sessions.read() as s:
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                members = await s.scalars(select(models.Member).where(models.Member.id.in_(chunk)))
                skills: dict[int, list[str]] = {}
                rows = await s.execute(
                    select(models.Skill.member_id, models.Skill.text)
                    .where(models.Skill.member_id.in_(chunk))
                    .order_by(models.Skill.id)
                )
                for member_id, text in rows:
                    skills.setdefault(member_id, []).append(text)
                result.extend(_member(m, skills.get(m.id, ())) for m in members)
        return result

    async def import_rows(
        self,
        network_id: int,
        rows: Sequence[MemberImportRow],
        *,
        language: str,
        timezone: str,
        now: datetime,
    ) -> tuple[int, int]:
        """Upsert members by handle in one transaction: all rows land, or none do.

        Imported members are findable and invitable: the operator imports people who agreed to
        be in the network's list; they can withdraw consent any time with /profiel.
        """
        async with self._sessions.write() as s:
            existing = {
                row.handle.lower(): row
                for row in await s.scalars(
                    select(models.Member).where(models.Member.network_id == network_id)
                )
            }
            cells: dict[str, int] = {}
            for item in rows:
                if item.cell and item.cell not in cells:
                    cells[item.cell] = (await ensure_cell_in(s, network_id, item.cell)).id
            new_rows, updated_ids = [], []
            for item in rows:
                values = {
                    "display_name": item.name,
                    "about": item.about,
                    "left_at": None,
                    "cell_id": cells[item.cell] if item.cell else None,
                }
                row = existing.get(item.handle.lower())
                if row is None:
                    new_rows.append(
                        {
                            **values,
                            "network_id": network_id,
                            "handle": item.handle,
                            "language": language,
                            "timezone": timezone,
                            "joined_at": now,
                            "role": Role.MEMBER.value,
                            "findable": True,
                            "invitable": True,
                            "onboarded": True,
                            "reminders": True,
                        }
                    )
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
                    updated_ids.append(row.id)
            # Core inserts in bulk: a 100k-member file lands in seconds, not in half an hour.
            if new_rows:
                await s.execute(insert(models.Member), new_rows)
            await s.flush()
            ids = {
                handle.lower(): member_id
                for member_id, handle in await s.execute(
                    select(models.Member.id, models.Member.handle).where(
                        models.Member.network_id == network_id
                    )
                )
            }
            fresh_ids = [ids[str(r["handle"]).lower()] for r in new_rows]
            for start in range(0, len(updated_ids), 5000):
                await s.execute(
                    delete(models.Skill).where(
                        models.Skill.member_id.in_(updated_ids[start : start + 5000])
                    )
                )
            skills, changes = [], []
            for item in rows:
                member_id = ids[item.handle.lower()]
                seen: set[str] = set()
                for text in item.skills:
                    if text.casefold() not in seen:
                        seen.add(text.casefold())
                        skills.append({"member_id": member_id, "text": text, "created_at": now})
                changes.append({"entity": "member", "entity_id": member_id})
            if skills:
                await s.execute(insert(models.Skill), skills)
            await s.execute(insert(models.Change), changes)
            await _import_accounts(s, rows, ids)
            if fresh_ids:
                await s.execute(
                    insert(models.Job),
                    [
                        {
                            "key": f"member:{i}",
                            "kind": "member",
                            "ref_id": i,
                            "due_at": now,
                            "status": "pending",
                            "updated_at": now,
                        }
                        for i in fresh_ids
                    ],
                )
        return len(new_rows), len(rows) - len(new_rows)


async def _import_accounts(
    s: AsyncSession, rows: Sequence[MemberImportRow], ids: dict[str, int]
) -> None:
    """Link the accounts the import names. An account that already belongs to another member
    (that person wrote to the bot before, or another line of an earlier import named it) is
    refused: two members must never share one person's account. A username that was already
    claimed by its own member needs nothing; the member's other pending accounts on that
    platform (an @username the file no longer gives) are dropped."""
    wanted = [(ids[r.handle.lower()], a, r.line) for r in rows for a in r.accounts]
    if not wanted:
        return
    A = models.Account
    owners: dict[tuple[str, str], int] = {}
    for platform in {a.platform for _, a, _ in wanted}:
        keys = [a.platform_user_id for _, a, _ in wanted if a.platform == platform]
        names = [
            a.username.casefold() for _, a, _ in wanted if a.platform == platform and a.username
        ]
        for start in range(0, max(len(keys), len(names)), 5000):
            found = await s.execute(
                select(A.platform_user_id, A.username, A.member_id).where(
                    A.platform == platform,
                    or_(
                        A.platform_user_id.in_(keys[start : start + 5000]),
                        func.lower(A.username).in_(names[start : start + 5000]),
                    ),
                )
            )
            for user_id, username, member_id in found:
                owners[(platform, user_id)] = member_id
                if username and not user_id.startswith(PENDING_PREFIX):
                    owners[(platform, f"@{username.casefold()}")] = member_id
    handles = {
        member_id: handle
        for member_id, handle in await s.execute(
            select(models.Member.id, models.Member.handle).where(
                models.Member.id.in_({o for o in owners.values()})
            )
        )
    }
    problems: list[tuple[int, str]] = []
    new: list[tuple[int, ImportedAccount]] = []
    for member_id, account, line in wanted:
        claimed = (
            owners.get((account.platform, f"@{account.username.casefold()}"))
            if account.username
            else None
        )
        owner = claimed or owners.get((account.platform, account.platform_user_id))
        if owner is not None and owner != member_id:
            problems.append(
                (
                    line,
                    f"{account.platform} {account.label} already belongs to @{handles[owner]}; "
                    "leave it out, or forget that member first (vonk forget)",
                )
            )
        elif owner is None:
            new.append((member_id, account))
    if problems:
        raise AccountsTaken(problems)
    named = {(m, a.platform) for m, a, _ in wanted}
    keep = {(m, a.platform, a.platform_user_id) for m, a, _ in wanted}
    members = sorted({m for m, _ in named})
    doomed = []
    for start in range(0, len(members), 5000):
        pending = await s.execute(
            select(A.id, A.member_id, A.platform, A.platform_user_id).where(
                A.member_id.in_(members[start : start + 5000]),
                A.platform_user_id.startswith(PENDING_PREFIX),
            )
        )
        doomed += [
            account_id
            for account_id, member_id, platform, user_id in pending
            if (member_id, platform) in named and (member_id, platform, user_id) not in keep
        ]
    for start in range(0, len(doomed), 5000):
        await s.execute(delete(A).where(A.id.in_(doomed[start : start + 5000])))
    if new:
        await s.execute(
            insert(A),
            [
                {
                    "member_id": member_id,
                    "platform": a.platform,
                    "platform_user_id": a.platform_user_id,
                    "username": a.username,
                    "display_name": None,
                    "direct_chat_id": a.direct_chat_id,
                }
                for member_id, a in new
            ],
        )

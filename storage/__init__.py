"""Storage: the database, its migrations, and the repositories that are its only door."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage.db import Database
from storage.locks import Locks
from storage.repositories.calls import CallRepository, PledgeRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.dashboard import DashboardQueries
from storage.repositories.impact import ImpactRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.jobs import JobRepository, NudgeRepository
from storage.repositories.kennis import (
    ChangeFeed,
    ContactRequests,
    EmbeddingStore,
    LessonRepository,
)
from storage.repositories.learned import LearnedMatches
from storage.repositories.members import MemberRepository
from storage.repositories.networks import NetworkRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.series import SeriesRepository
from storage.repositories.social import AuditLog, StoryRepository, ThanksRepository
from storage.repositories.state import (
    AdapterStateStore,
    ButtonPayloadStore,
    ConversationStore,
)
from storage.repositories.web import OpenQuestions, WebAccess
from storage.repositories.workers import WorkerRegistry
from storage.session import OutsideUnitOfWork, Sessions, in_unit_of_work, marked_unit_of_work


class Storage:
    """Every repository over one database. Unbound, each call is its own transaction;
    :meth:`unit_of_work` gives the same repositories bound to one transaction."""

    def __init__(
        self, db: Database, *, sessions: Sessions | None = None, locks: Locks | None = None
    ):
        self.db = db
        self.sessions = sessions = sessions or Sessions(db)
        self.networks = NetworkRepository(sessions)
        self.members = MemberRepository(sessions)
        self.chats = ChatRepository(sessions)
        self.inbox = InboxRepository(sessions)
        self.workers = WorkerRegistry(sessions)
        self.adapter_state = AdapterStateStore(sessions)
        self.conversations = ConversationStore(sessions)
        self.buttons = ButtonPayloadStore(sessions)
        self.outbox = OutboxRepository(sessions)
        self.lessons = LessonRepository(sessions)
        self.embeddings = EmbeddingStore(sessions)
        self.changes = ChangeFeed(sessions)
        self.contacts = ContactRequests(sessions)
        self.learned = LearnedMatches(sessions)
        self.calls = CallRepository(sessions)
        self.pledges = PledgeRepository(sessions)
        self.series = SeriesRepository(sessions)
        self.thanks = ThanksRepository(sessions)
        self.stories = StoryRepository(sessions)
        self.audit = AuditLog(sessions)
        self.impact = ImpactRepository(sessions)
        self.privacy = PrivacyRepository(sessions)
        self.jobs = JobRepository(sessions)
        self.nudges = NudgeRepository(sessions)
        self.web = WebAccess(sessions)
        self.questions = OpenQuestions(sessions)
        self.dashboard = DashboardQueries(sessions)
        # Named locks between processes (storage/locks.py): one set per database.
        self.locks = locks if locks is not None else Locks(db.url)

    @property
    def bound(self) -> bool:
        """True inside a unit of work: every write commits with it."""
        return self.sessions.bound

    @classmethod
    async def open(cls, url: str) -> Storage:
        """Connect and bring the schema up to date: every start runs pending migrations."""
        db = Database(url)
        await db.upgrade()
        return cls(db)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Storage]:
        """One transaction for one event or job: the repositories of the storage it yields all
        write into it; it commits when the block ends and rolls back if the block raises.

        On SQLite the process's write lock is held throughout (one writer at a time anyway),
        so the reads of a unit of work see what its writes will be checked against."""
        if self.bound:
            raise RuntimeError("units of work do not nest")
        if in_unit_of_work():
            raise OutsideUnitOfWork("a unit of work inside another one")
        async with (
            self.db.write_lock(),
            self.db.sessions() as session,
            session.begin(),
            marked_unit_of_work(),
        ):
            yield Storage(self.db, sessions=Sessions(self.db, session), locks=self.locks)

    async def checkpoint(self) -> bool:
        """See :meth:`Database.checkpoint` (run it outside any unit of work)."""
        return await self.db.checkpoint()

    async def close(self) -> None:
        await self.locks.close()
        await self.db.close()


__all__ = ["Database", "OutsideUnitOfWork", "Storage"]

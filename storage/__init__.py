"""Storage: the database, its migrations, and the repositories that are its only door."""

from __future__ import annotations

from storage.db import Database
from storage.locks import Locks
from storage.repositories.calls import CallRepository, PledgeRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.impact import ImpactRepository
from storage.repositories.jobs import JobRepository, NudgeRepository
from storage.repositories.kennis import (
    ChangeFeed,
    ContactRequests,
    EmbeddingStore,
    LessonRepository,
)
from storage.repositories.members import MemberRepository
from storage.repositories.networks import NetworkRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.social import AuditLog, StoryRepository, ThanksRepository
from storage.repositories.state import (
    AdapterStateStore,
    ButtonPayloadStore,
    ConversationStore,
    EventLog,
)


class Storage:
    """Every repository over one database, handed to the app and, through the context,
    to handlers."""

    def __init__(self, db: Database) -> None:
        self.db = db
        sessions = db.sessions
        self.networks = NetworkRepository(sessions)
        self.members = MemberRepository(sessions)
        self.chats = ChatRepository(sessions)
        self.events = EventLog(sessions)
        self.adapter_state = AdapterStateStore(sessions)
        self.conversations = ConversationStore(sessions)
        self.buttons = ButtonPayloadStore(sessions)
        self.outbox = OutboxRepository(sessions)
        self.lessons = LessonRepository(sessions)
        self.embeddings = EmbeddingStore(sessions)
        self.changes = ChangeFeed(sessions)
        self.contacts = ContactRequests(sessions)
        self.calls = CallRepository(sessions)
        self.pledges = PledgeRepository(sessions)
        self.thanks = ThanksRepository(sessions)
        self.stories = StoryRepository(sessions)
        self.audit = AuditLog(sessions)
        self.impact = ImpactRepository(sessions)
        self.privacy = PrivacyRepository(sessions)
        self.jobs = JobRepository(sessions)
        self.nudges = NudgeRepository(sessions)
        self.locks = Locks(db.url)  # named locks between processes (storage/locks.py)

    @classmethod
    async def open(cls, url: str) -> Storage:
        """Connect and bring the schema up to date: every start runs pending migrations."""
        db = Database(url)
        await db.upgrade()
        return cls(db)

    async def close(self) -> None:
        await self.locks.close()
        await self.db.close()


__all__ = ["Database", "Storage"]

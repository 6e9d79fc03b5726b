"""Features, one module per capability, written against bot/'s neutral types only."""

from __future__ import annotations

from bot.router import Router
from bot.scheduler import Scheduler
from handlers import (
    admin,
    ask,
    calls,
    dashboard,
    groups,
    health,
    impact,
    lessons,
    nudges,
    onboarding,
    pledges,
    privacy,
    profile,
    recurring,
    series,
    stories,
    thanks,
)
from handlers import help as help_

# Help topics in the order /hulp lists them; each has a ``help.<topic>`` catalog line.
HELP_TOPICS = (
    "ask",
    "calls",
    "do",
    "mine",
    "done",
    "withdraw",
    "thanks",
    "stories",
    "impact",
    "lessons",
    "lesson",
    "call",
    "series",
    "network",
    "dashboard",
    "start",
    "profile",
    "language",
    "mydata",
    "forget",
    "stop",
)


def build_router(bot_names: set[str] | None = None) -> Router:
    router = Router(bot_names=bot_names or set())
    onboarding.register(router)
    profile.register(router)
    ask.register(router)
    lessons.register(router)
    calls.register(router)
    series.register(router)
    pledges.register(router)
    admin.register(router)
    impact.register(router)
    health.register(router)
    dashboard.register(router)
    stories.register(router)
    thanks.register(router)
    privacy.register(router)
    nudges.register(router)
    groups.register(router)
    help_.register(router, HELP_TOPICS)
    return router


def register_jobs(scheduler: Scheduler) -> None:
    """Scheduled work of the features: nudges, digests, retention."""
    nudges.register_jobs(scheduler)
    recurring.register_jobs(scheduler)

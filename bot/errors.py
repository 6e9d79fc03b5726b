"""Vonk's error hierarchy.

Local misuse and bad input are exceptions with a translation key, so the dispatcher can answer
the person kindly in their own language; platform failures are turned into ``DeliveryError``
by the adapters, so the outbox can decide whether to retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class VonkError(Exception):
    """Base of every error Vonk raises on purpose."""


class ConfigError(VonkError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class UserFacingError(VonkError):
    """Something the person can fix: answered with the translated ``key``, never logged loudly."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


class PermissionDenied(UserFacingError):
    """The person's role does not allow this action."""


class NotFound(UserFacingError):
    """A member, call or pledge the person referred to does not exist (for them)."""


class ImportRejected(VonkError):
    """An import file was refused as a whole; ``problems`` lists (line number, problem): a
    :class:`bot.importer.Problem` (its ``str`` is English), or plain text."""

    def __init__(self, problems: Sequence[tuple[int, object]]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = list(problems)


class DeliveryError(VonkError):
    """A platform could not deliver a message."""


class RetryLater(DeliveryError):
    """Temporary: rate limited or the server is down; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HandOver(RetryLater):
    """Not this process: another Vonk process serves this platform account (Matrix syncs in one
    process only). The outbox puts the message back for ``retry_after`` seconds without
    counting a failed attempt, so the process that does serve it picks it up."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered (blocked bot, unknown chat); do not retry."""


class NotStarted(PermanentDeliveryError):
    """The person never opened a private chat with the bot, so the platform refuses the bot's
    first message (Telegram: "bot can't initiate conversation with a user"). The outbox keeps
    the message until they do, and shows them the link that opens the chat."""

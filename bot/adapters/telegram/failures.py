"""python-telegram-bot's exceptions → Vonk's delivery errors, so the outbox decides what to do.

Only what is known to be temporary becomes :class:`RetryLater`, only what can never succeed
becomes :class:`PermanentDeliveryError`; anything else (a bug, a malformed request) is left to
raise, so it is logged loudly instead of being retried quietly forever.
"""

from __future__ import annotations

import contextlib
import datetime as dtm
import warnings
from collections.abc import Iterator

from bot.errors import NotStarted, PermanentDeliveryError, RetryLater
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

NETWORK_RETRY = 5.0  # seconds before trying again after a timeout or a connection failure
_NOT_STARTED = "can't initiate conversation"
_GONE = (
    "chat not found",
    "upgraded to a supergroup",
    "user not found",
    "peer_id_invalid",
    "chat_id is empty",
)


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds; PTB 22 warns about its int/timedelta migration, which is
    noise here because both are handled."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def is_not_modified(exc: BadRequest) -> bool:
    """An edit that changes nothing: already done (e.g. a redelivered button press)."""
    return "message is not modified" in exc.message.lower()


@contextlib.contextmanager
def delivery_errors(chat_id: str) -> Iterator[None]:
    try:
        yield
    except RetryAfter as exc:
        raise RetryLater(f"Telegram rate limit in chat {chat_id}", retry_seconds(exc)) from exc
    except Forbidden as exc:  # blocked by the user, removed from the group, never started
        if _NOT_STARTED in exc.message.lower():
            raise NotStarted(f"chat {chat_id}: {exc.message}") from exc
        raise PermanentDeliveryError(f"chat {chat_id}: {exc.message}") from exc
    except BadRequest as exc:  # a subclass of NetworkError, so it must come first
        if any(reason in exc.message.lower() for reason in _GONE):
            raise PermanentDeliveryError(f"chat {chat_id}: {exc.message}") from exc
        raise
    except (TimedOut, NetworkError) as exc:
        raise RetryLater(f"Telegram unreachable for chat {chat_id}: {exc}", NETWORK_RETRY) from exc
    except FileNotFoundError as exc:  # an attachment that is gone will not come back
        raise PermanentDeliveryError(f"chat {chat_id}: attachment missing: {exc}") from exc

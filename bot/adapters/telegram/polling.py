"""Long polling that confirms a batch of updates only after the intake has it.

Why not PTB's ``Updater.start_polling``: it puts fetched updates in an in-memory queue and
confirms them with its very next getUpdates call, while they may still wait to be handled;
a crash (SIGKILL, power loss) in between loses them, because Telegram forgets confirmed updates.
Here the next getUpdates (whose ``offset`` confirms) is only sent once the whole batch was
given to the intake, which stores it (the inbox) and handles it. A crash before confirming
makes Telegram send the batch again; the inbox turns every redelivered update into a no-op,
and a stored update whose handling was cut short is taken over from the inbox.
So: none lost, none handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.adapters.telegram.failures import retry_seconds
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
STOP_GRACE = 10.0  # seconds a handler in progress may take to finish when stopping


class Poller:
    def __init__(
        self,
        bot: Bot,
        receive: Callable[[Sequence[Update]], Awaitable[None]],
        *,
        timeout: float,
        allowed_updates: Sequence[str],
    ) -> None:
        self._bot = bot
        self._receive = receive
        self._timeout = dtm.timedelta(seconds=timeout)
        self._allowed = list(allowed_updates)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._interruptible = False  # waiting (long poll, back-off), not handling an update

    @property
    def running(self) -> bool:
        """The polling loop is alive (for /healthz)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")
        self._task.add_done_callback(self._report_end)

    async def stop(self) -> None:
        """Interrupt a waiting long poll at once; let a batch being handled finish first (were
        it cut short, the inbox would still hand it to the next run)."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None or task.done():
            return
        if self._interruptible:
            task.cancel()
        _, pending = await asyncio.wait({task}, timeout=STOP_GRACE)
        if pending:
            log.warning("Telegram updates were still being handled after %.0fs", STOP_GRACE)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def _run(self) -> None:
        offset: int | None = None  # None: start with whatever Telegram has not seen confirmed
        backoff = 1.0
        while not self._stopping:
            self._interruptible = True
            try:
                updates = await self._bot.get_updates(
                    offset=offset, timeout=self._timeout, allowed_updates=self._allowed
                )
            except InvalidToken:
                log.error("Telegram rejected the bot token; polling stops")
                raise
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except TelegramError as exc:  # Conflict, NetworkError, TimedOut, server errors
                hint = (
                    " (is another Vonk polling with this token?)"
                    if isinstance(exc, Conflict)
                    else ""
                )
                log.warning("getUpdates failed: %s%s; retrying in %.0fs", exc, hint, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            finally:
                self._interruptible = False
            backoff = 1.0
            if not updates:
                continue
            try:
                await self._receive(updates)
            except asyncio.CancelledError:
                raise
            except Exception:  # not stored: leave the batch unconfirmed and try again
                log.exception("could not take in %d Telegram update(s); retrying", len(updates))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            offset = updates[-1].update_id + 1

    def _report_end(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram polling ended", exc_info=task.exception())

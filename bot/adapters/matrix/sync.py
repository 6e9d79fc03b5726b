"""The sync loop: long-poll the homeserver, hand every new event on, then save the position.

Vonk keeps the sync token (``next_batch``) itself, in ``storage.adapter_state``, and saves it
only after the intake has stored the sync's events: a crash in between means the events come
again, and the inbox (keyed by Matrix event id) makes sure they are handled once. Handling runs
outside this loop, so a slow handler never holds up the next sync.

* First start (no token): one sync to learn the rooms; their history is *not* handled.
* Restart (token): a ``full_state`` sync from the token, so room names and members are known
  again while the timeline still starts where the bot stopped.
* A ``limited`` timeline (more happened than one sync returns) is completed with
  ``/messages`` between the old token and the timeline's ``prev_batch``.
* Any failure (connection, 5xx, 429) is retried with exponential back-off; never fatal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    Event,
    InviteInfo,
    MessageDirection,
    RoomMemberEvent,
    RoomMessagesResponse,
    SyncResponse,
)

from bot.adapters.matrix.failures import (
    CONNECTION_ERRORS,
    Backoff,
    describe,
    is_rate_limited,
    retry_after,
)
from storage.repositories.state import AdapterStateStore

log = logging.getLogger(__name__)

PLATFORM = "matrix"
TOKEN_KEY = "next_batch"
TIMELINE_LIMIT = 50
GAP_PAGE = 100
GAP_MAX_PAGES = 50  # 5,000 events per room and outage: more is history, not conversation

# Turns the events of one sync (room id, event) into what the bot handles, and stores them.
OnEvents = Callable[[list[tuple[str, Event]]], Awaitable[None]]
OnInvite = Callable[[str, InviteInfo], Awaitable[None]]
OnAccountData = Callable[[SyncResponse], Awaitable[None]]


class SyncFailed(Exception):
    """One sync round did not complete; the loop backs off and tries again from the token."""

    def __init__(self, message: str, at_least: float = 0.0) -> None:
        super().__init__(message)
        self.at_least = at_least


_SYNC_ERRORS: tuple[type[BaseException], ...] = (SyncFailed, *CONNECTION_ERRORS)


class SyncLoop:
    def __init__(
        self,
        client: AsyncClient,
        state: AdapterStateStore,
        *,
        on_events: OnEvents,
        on_invite: OnInvite,
        on_account_data: OnAccountData,
        after_sync: Callable[[], Awaitable[None]] | None = None,
        poll_ms: int = 30_000,
        timeline_limit: int = TIMELINE_LIMIT,
    ) -> None:
        self._client = client
        self._state = state
        self._on_events = on_events
        self._on_invite = on_invite
        self._on_account_data = on_account_data
        self._after_sync = after_sync
        self._poll_ms = poll_ms
        self._filter = {"room": {"timeline": {"limit": timeline_limit}}}
        self._token: str | None = None
        self._primed = False
        self.ready = asyncio.Event()  # set after the first complete sync round
        self.backoff = Backoff()

    @property
    def token(self) -> str | None:
        return self._token

    async def run(self) -> None:
        """Sync until cancelled; every failure is logged and retried after a back-off."""
        self._token = await self._state.get(PLATFORM, TOKEN_KEY)
        while True:
            try:
                await self.sync_once()
            except asyncio.CancelledError:
                raise
            except _SYNC_ERRORS as exc:
                at_least = exc.at_least if isinstance(exc, SyncFailed) else 0.0
                delay = self.backoff.next_delay(at_least)
                log.warning(
                    "Matrix sync failed (%s: %s); attempt %d, retrying in %.1f s",
                    type(exc).__name__,
                    exc,
                    self.backoff.failures,
                    delay,
                )
                await asyncio.sleep(delay)
            except Exception:
                delay = self.backoff.next_delay()
                log.exception("Matrix sync round crashed; retrying in %.1f s", delay)
                await asyncio.sleep(delay)

    async def sync_once(self) -> None:
        """One round: fetch, dispatch, then persist ``next_batch``."""
        since = self._token
        full_state = not self._primed  # first round of this process: learn all room state
        resp = await self._client.sync(
            timeout=0 if full_state else self._poll_ms,
            sync_filter=self._filter,
            since=since,
            full_state=full_state or None,
        )
        if isinstance(resp, ErrorResponse):
            at_least = retry_after(resp) if is_rate_limited(resp) else 0.0
            raise SyncFailed(describe(resp), at_least)
        assert isinstance(resp, SyncResponse)
        await self._on_account_data(resp)
        for room_id, invite in resp.rooms.invite.items():
            await self._guarded(self._on_invite(room_id, invite), f"invite to {room_id}")
        if self._after_sync is not None:
            await self._after_sync()
        if since is not None:
            batch: list[tuple[str, Event]] = []
            for room_id, info in resp.rooms.join.items():
                events = await self._new_events(room_id, info.timeline, since)
                batch.extend((room_id, event) for event in events)
            if batch:
                await self._on_events(batch)  # stored before the token moves on (or raises)
        elif not self._primed:
            log.info("first Matrix sync: existing room history is not handled")
        if resp.next_batch != self._token:
            await self._state.set(PLATFORM, TOKEN_KEY, resp.next_batch)
            self._token = resp.next_batch
        self._primed = True
        self.backoff.reset()
        self.ready.set()

    async def _guarded(self, work: Awaitable[None], what: str) -> None:
        """One bad event must not stop the loop (or make it re-run the whole batch forever)."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handling Matrix %s failed", what)

    async def _new_events(self, room_id: str, timeline: Any, since: str) -> list[Event]:
        events: list[Event] = list(timeline.events)
        joined_at = self._own_join(events)
        if joined_at is None and timeline.limited and timeline.prev_batch:
            events = await self._gap(room_id, since, timeline.prev_batch) + events
            joined_at = self._own_join(events)
        if joined_at is not None:  # joined just now: what came before is history
            events = events[joined_at + 1 :]
        seen: set[str] = set()
        unique = []
        for event in events:
            event_id = getattr(event, "event_id", None)
            if event_id and event_id not in seen:
                seen.add(event_id)
                unique.append(event)
        return unique

    def _own_join(self, events: list[Event]) -> int | None:
        """Index of the bot's own (latest) join in ``events``, if it joined in this stretch."""
        own = self._client.user_id
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if (
                isinstance(event, RoomMemberEvent)
                and event.state_key == own
                and event.membership == "join"
                and event.prev_membership != "join"
            ):
                return index
        return None

    async def _gap(self, room_id: str, since: str, until: str) -> list[Event]:
        """Events between the previous sync and this sync's timeline, oldest first."""
        gathered: list[Event] = []
        start = since
        for _ in range(GAP_MAX_PAGES):
            resp = await self._client.room_messages(
                room_id,
                start=start,
                end=until,
                direction=MessageDirection.front,
                limit=GAP_PAGE,
            )
            if not isinstance(resp, RoomMessagesResponse):
                at_least = retry_after(resp) if is_rate_limited(resp) else 0.0
                raise SyncFailed(f"filling the gap in {room_id}: {describe(resp)}", at_least)
            gathered += [e for e in resp.chunk if isinstance(e, Event)]
            if not resp.chunk or not resp.end or resp.end == start:
                break
            start = resp.end
        else:
            log.warning(
                "gap in %s longer than %d events; older ones skipped",
                room_id,
                GAP_MAX_PAGES * GAP_PAGE,
            )
        log.info("filled a gap of %d event(s) in %s", len(gathered), room_id)
        return gathered

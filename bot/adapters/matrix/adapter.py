"""The Matrix adapter: lifecycle, invites, direct rooms and sending.

The sync loop (``sync.py``) brings events in, ``incoming.py`` turns them into neutral events,
``render.py`` turns replies into ``m.notice`` contents. This module holds them together and
talks to the homeserver for everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    InviteInfo,
    InviteMemberEvent,
    JoinResponse,
    LocalProtocolError,
    MatrixRoom,
    MegolmEvent,
    ProfileGetDisplayNameResponse,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
    UnknownAccountDataEvent,
)
from nio import Event as NioEvent
from nio.exceptions import EncryptionError, OlmUnverifiedDeviceError, SendRetryError

from bot.adapters.matrix.addressing import strip_reply_fallback
from bot.adapters.matrix.buttons import ButtonMemory, Offer
from bot.adapters.matrix.failures import CONNECTION_ERRORS, delivery_error
from bot.adapters.matrix.incoming import EventReader, RecentIds, localpart
from bot.adapters.matrix.media import upload_content
from bot.adapters.matrix.render import Quoted, message_content, option_emojis
from bot.adapters.matrix.rooms import DirectRooms
from bot.adapters.matrix.session import (
    MatrixConfig,
    inviter_allowed,
    login,
    put_account_data,
)
from bot.adapters.matrix.sync import TIMELINE_LIMIT, SyncLoop
from bot.clock import Clock
from bot.config import Settings
from bot.core import Attachment, Capabilities, Event, Intake, Reply, SentMessage
from bot.errors import HandOver, PermanentDeliveryError, RetryLater
from bot.i18n import Translator
from storage import Storage
from storage.locks import HeldLock

log = logging.getLogger(__name__)
MAX_UNDECRYPTED = 500  # undecryptable events kept waiting for their keys

PLATFORM = "matrix"
READY_TIMEOUT_S = 60.0
NEW_ROOM_TIMEOUT_S = 15.0
LOCK_CHECK_S = 15.0  # holder: is the sync lock (its database connection) still ours?
TAKEOVER_S = 10.0  # standing by: how often to try to take the sync over
HAND_OVER_S = 2.0  # standing by: a Matrix message goes back to the queue for this long
MEGOLM = "m.megolm.v1.aes-sha2"


class MatrixAdapter:
    """Vonk on Matrix through matrix-nio. See ``docs/matrix.md`` for the account set-up."""

    platform = PLATFORM
    capabilities = Capabilities(idempotent_sends=True)

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        clock: Clock,
        *,
        poll_ms: int = 30_000,
        timeline_limit: int = TIMELINE_LIMIT,
    ) -> None:
        """``poll_ms`` is the sync long-poll; ``timeline_limit`` the events per room and sync
        (tests lower it to make a gap that must be filled from ``/messages``)."""
        self.config = MatrixConfig.from_settings(settings)
        self._settings = settings
        self._storage = storage
        self._clock = clock
        self._poll_ms = poll_ms
        self._timeline_limit = timeline_limit
        self._client: AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._intake: Intake | None = None
        self._sync: SyncLoop | None = None
        self._reader: EventReader | None = None
        self._buttons = ButtonMemory(storage.adapter_state, storage.buttons, clock)
        self._directs = DirectRooms()
        self._sent = RecentIds()
        self._create_lock = asyncio.Lock()
        self._pending_invites: dict[str, InviteInfo] = {}
        self._apologised: set[tuple[str, str]] = set()  # (room, megolm session) answered
        # Events not decryptable yet, by event id: tried again after every sync, as their
        # keys may arrive later (a key request answered, a key forwarded).
        self._undecrypted: dict[str, tuple[str, MegolmEvent]] = {}
        self._synced = asyncio.Event()  # replaced after each sync: wakes who waits for one
        # Only one process syncs this account (storage.locks, PostgreSQL advisory lock); the
        # others stand by and take over when the holder stops or dies.
        self._lock: HeldLock | None = None
        self._guard: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return self.config.user_id

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise RuntimeError("MatrixAdapter used before start()")
        return self._client

    @property
    def sync_loop(self) -> SyncLoop | None:
        return self._sync

    @property
    def running(self) -> bool:
        """The sync loop is alive, or this process stands by for it (for /healthz)."""
        if self._lock is None:  # standing by: healthy while the guard watches for the lock
            return self._guard is not None and not self._guard.done()
        return self._task is not None and not self._task.done()

    @property
    def standing_by(self) -> bool:
        """Another process syncs this account; this one neither syncs nor sends on Matrix."""
        return self._lock is None

    @property
    def lock_name(self) -> str:
        return f"matrix-sync:{self.user_id}"

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, intake: Intake) -> None:
        """Log in, run the first sync, and leave the sync loop running in a task; or, when
        another process already syncs this account, stand by (see :meth:`_guard_lock`)."""
        self._intake = intake
        self._lock = await self._storage.locks.try_hold(self.lock_name)
        if self._lock is None:
            log.info(
                "Matrix: another Vonk process syncs %s; standing by to take over", self.user_id
            )
        else:
            try:
                await self._start_syncing()
            except BaseException:
                await self._stop_syncing()
                raise
        self._guard = asyncio.create_task(self._guard_lock(), name="matrix-lock")

    async def _guard_lock(self) -> None:
        """Holding the lock: check every LOCK_CHECK_S that it is still ours (its connection
        alive), else stop syncing at once, since another process may have taken over.
        Standing by: try to take the lock every TAKEOVER_S, and start syncing when it is ours."""
        while True:
            try:
                if self._lock is not None:
                    await asyncio.sleep(LOCK_CHECK_S)
                    if not await self._lock.alive():
                        log.error("Matrix: lost the sync lock for %s; standing by", self.user_id)
                        await self._stop_syncing()
                    continue
                await asyncio.sleep(TAKEOVER_S)
                self._lock = await self._storage.locks.try_hold(self.lock_name)
                if self._lock is not None:
                    log.info("Matrix: taking over the sync of %s", self.user_id)
                    await self._start_syncing()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Matrix: taking over failed; standing by")
                await self._stop_syncing()

    async def _start_syncing(self) -> None:
        client = await login(self.config, self._storage.adapter_state)
        self._client = client
        try:  # the name people type to address the bot; the localpart works without it
            name: Any = await client.get_displayname()
        except CONNECTION_ERRORS as exc:
            name = exc
        display_name = name.displayname if isinstance(name, ProfileGetDisplayNameResponse) else ""
        self._reader = EventReader(
            client, self._buttons, self._directs, self._sent, display_name or ""
        )
        self._sync = SyncLoop(
            client,
            self._storage.adapter_state,
            on_events=self._on_events,
            on_invite=self._on_invite,
            on_account_data=self._on_account_data,
            after_sync=self._after_sync,
            poll_ms=self._poll_ms,
            timeline_limit=self._timeline_limit,
        )
        self._task = asyncio.create_task(self._sync.run(), name="matrix-sync")
        ready = asyncio.create_task(self._sync.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()  # re-raise what killed the loop
            log.warning("Matrix: no successful sync in %.0f s; still trying", READY_TIMEOUT_S)
        log.info(
            "Matrix: %s (device %s) is syncing%s",
            self.user_id,
            client.device_id,
            " with end-to-end encryption" if self.config.e2ee else "",
        )

    async def stop(self) -> None:
        """Cancel the sync loop and close the connection; a second call does nothing."""
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await guard
        await self._stop_syncing()
        self._intake = None

    async def _stop_syncing(self) -> None:
        """Sync loop cancelled, connection closed, lock released: another process may sync."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        self._sync = None
        lock, self._lock = self._lock, None
        if lock is not None:
            await lock.release()

    # -- incoming -------------------------------------------------------------------------------
    async def _on_account_data(self, resp: SyncResponse) -> None:
        for event in resp.account_data_events:
            if isinstance(event, UnknownAccountDataEvent) and event.type == "m.direct":
                self._directs.load(event.content)

    async def _on_events(self, batch: list[tuple[str, NioEvent]]) -> None:
        """One sync's events, read into neutral events and stored by the intake before the
        sync token moves on; they are handled in the background, so syncing goes on."""
        if self._reader is None or self._intake is None:
            return
        events: list[Event] = []
        for room_id, event in batch:
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            try:
                if isinstance(event, MegolmEvent):
                    await self._undecryptable(room, event)
                    continue
                translated = await self._reader.read(room, event)
            except asyncio.CancelledError:
                raise
            except Exception:  # one odd event must not block the others
                log.exception("reading Matrix event %s failed", event.event_id)
                continue
            if translated is not None:
                events.append(translated)
        if events:
            await self._intake.accept(events)

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        """Say so in the log and, once per sender session, kindly in the room."""
        log.warning(
            "cannot decrypt Matrix event %s in %s from %s (device %s, session %s): the room "
            "key was not shared with this bot's device %s%s",
            event.event_id,
            room.room_id,
            event.sender,
            event.device_id,
            event.session_id,
            self.client.device_id,
            "" if self.config.e2ee else "; encryption is off (VONK_MATRIX_E2EE)",
        )
        if self.client.olm is not None:
            with contextlib.suppress(Exception):
                await self.client.request_room_key(event)
            self._undecrypted[event.event_id] = (room.room_id, event)
            while len(self._undecrypted) > MAX_UNDECRYPTED:  # the oldest give up
                self._undecrypted.pop(next(iter(self._undecrypted)))
        key = (room.room_id, event.session_id or event.event_id)
        if key in self._apologised:
            return
        self._apologised.add(key)
        language = await self._language_of_user(event.sender)
        with contextlib.suppress(RetryLater, PermanentDeliveryError):
            await self.send(room.room_id, Reply(Translator(language)("matrix.undecryptable")))

    async def _on_invite(self, room_id: str, info: InviteInfo) -> None:
        own = [
            e
            for e in info.invite_state
            if isinstance(e, InviteMemberEvent) and e.state_key == self.user_id
        ]
        if not own or own[-1].membership != "invite":
            return
        invite = own[-1]
        inviter = invite.sender
        if not inviter_allowed(inviter, self.config.allowed_inviters):
            log.warning(
                "declined the invite to %s from %s: not in VONK_MATRIX_ALLOWED_INVITERS",
                room_id,
                inviter,
            )
            self._pending_invites.pop(room_id, None)
            await self._quiet(self.client.room_leave(room_id), f"declining {room_id}")
            return
        try:
            resp: Any = await self.client.join(room_id)
        except CONNECTION_ERRORS as exc:
            resp = exc
        if not isinstance(resp, JoinResponse):
            log.warning("could not join %s (invited by %s): %s; will retry", room_id, inviter, resp)
            self._pending_invites[room_id] = info
            return
        self._pending_invites.pop(room_id, None)
        log.info("joined %s, invited by %s", room_id, inviter)
        if invite.content.get("is_direct"):
            await self._mark_direct(inviter, room_id)

    async def _after_sync(self) -> None:
        """Work between syncs: retry failed joins, and the encryption key chores."""
        synced, self._synced = self._synced, asyncio.Event()
        synced.set()
        for room_id, info in list(self._pending_invites.items()):
            await self._quiet(self._on_invite(room_id, info), f"joining {room_id}")
        client = self.client
        if client.olm is None:
            return
        if client.should_upload_keys:
            await self._quiet(client.keys_upload(), "uploading keys")
        if client.should_query_keys:
            await self._quiet(client.keys_query(), "querying keys")
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            await self._quiet(client.keys_claim(users), "claiming keys")
        await self._quiet(client.send_to_device_messages(), "sending to-device messages")
        if self._undecrypted:
            await self._quiet(self._late_keys(), "decrypting events whose keys came late")

    async def _late_keys(self) -> None:
        """Events that could not be decrypted when they came: those whose keys have arrived
        since are read and handed to the intake like any other."""
        events: list[Event] = []
        for event_id, (room_id, encrypted) in list(self._undecrypted.items()):
            room = self.client.rooms.get(room_id)
            try:
                decrypted = self.client.decrypt_event(encrypted)
            except EncryptionError:
                continue  # still no key
            del self._undecrypted[event_id]
            if room is None or self._reader is None:
                continue
            log.info("Matrix event %s in %s decrypted once its key arrived", event_id, room_id)
            translated = await self._reader.read(room, decrypted)
            if translated is not None:
                events.append(translated)
        if events and self._intake is not None:
            await self._intake.accept(events)

    async def _quiet(self, work: Awaitable[Any], what: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the next round tries again
            log.warning("Matrix: %s failed: %s", what, exc)

    # -- direct rooms ---------------------------------------------------------------------------
    async def _mark_direct(self, user_id: str, room_id: str) -> None:
        """Record the room in the bot's ``m.direct`` so every client (and a restart) knows."""
        if self._directs.add(user_id, room_id):
            try:
                await put_account_data(self.client, "m.direct", self._directs.content())
            except CONNECTION_ERRORS as exc:
                log.warning("could not update m.direct: %s", exc)

    def _refuse_when_standing_by(self) -> None:
        if self._client is None and self._intake is not None:
            raise HandOver(f"another process syncs {self.user_id}", retry_after=HAND_OVER_S)

    async def direct_chat_id(self, platform_user_id: str) -> str:
        """An existing direct room with this person, or a new one they are invited to."""
        self._refuse_when_standing_by()
        async with self._create_lock:
            found = self._find_direct(platform_user_id)
            if found is not None:
                return found
            return await self._create_direct(platform_user_id)

    def start_link(self) -> str | None:
        """``https://matrix.to/#/<bot user id>``: opens a direct chat with the bot in any
        Matrix client."""
        return f"https://matrix.to/#/{self.user_id}"

    def group_link(self) -> str | None:
        """None: a Matrix room invites the bot by its user id."""
        return None

    def _find_direct(self, user_id: str) -> str | None:
        rooms = self.client.rooms
        for room_id in self._directs.rooms_with(user_id):
            room = rooms.get(room_id)
            if room is not None and user_id in room.users:
                return room_id
        for room_id, room in rooms.items():
            if not room.is_named and room.member_count == 2 and user_id in room.users:
                return room_id
        return None

    async def _create_direct(self, user_id: str) -> str:
        initial_state = []
        if self.config.e2ee:
            initial_state.append(
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}
            )
        try:
            resp = await self.client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.trusted_private_chat,
                initial_state=initial_state,
            )
        except CONNECTION_ERRORS as exc:
            raise RetryLater(f"creating a direct room with {user_id}: {exc}", 5.0) from exc
        if not isinstance(resp, RoomCreateResponse):
            raise delivery_error(resp, f"creating a direct room with {user_id}")
        await self._mark_direct(user_id, resp.room_id)
        await self._wait_for_room(resp.room_id)
        return resp.room_id

    async def _wait_for_room(self, room_id: str) -> None:
        """Let the sync loop learn a new room: nio encrypts only for rooms it has synced.

        Without encryption there is nothing to wait for. Inside the sync task itself (a
        handler run by the loop) waiting would deadlock, so the first send may then fail
        with :class:`RetryLater` and the outbox tries again after the next sync.
        """
        if not self.config.e2ee or asyncio.current_task() is self._task:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + NEW_ROOM_TIMEOUT_S
        while room_id not in self.client.rooms:
            synced = self._synced
            try:
                await asyncio.wait_for(synced.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                log.warning("new room %s not seen in a sync yet", room_id)
                return

    async def _language_of_user(self, user_id: str | None) -> str:
        if user_id:
            found = await self._storage.members.by_account(PLATFORM, user_id)
            if found is not None:
                return found[0].language
        return self._settings.language

    async def _language_of_room(self, room_id: str) -> str:
        """The person's language in a direct room; the network's default in a group."""
        user_id = self._directs.user_of(room_id)
        room = self.client.rooms.get(room_id)
        if user_id is None and room is not None and self._directs.is_direct(room_id, room):
            others = [u for u in room.users if u != self.user_id]
            user_id = others[0] if len(others) == 1 else None
        return await self._language_of_user(user_id)

    # -- sending --------------------------------------------------------------------------------
    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        """One ``m.notice`` (plus an upload for an attachment, plus the option reactions).

        ``key`` becomes the transaction id of every event sent for this message, so sending
        it again after a crash (between sending and marking it sent) is a no-op on the
        homeserver: the same transaction id with the same access token returns the event
        that was already sent."""
        self._refuse_when_standing_by()
        if reply.keeps_text:  # Matrix edits replace the whole content; the text is unknown here
            log.debug("buttons-only edit of %s in %s skipped on Matrix", reply.edit_of, chat_id)
            return SentMessage(chat_id, reply.edit_of or "")
        links = [b for b in reply.buttons if b.opens]
        if links:  # no link buttons on Matrix: the address is written out
            lines = "\n".join(f"{b.label}: {b.opens}" for b in links)
            options = tuple(b for b in reply.buttons if not b.opens)
            reply = replace(reply, text=f"{reply.text}\n\n{lines}", buttons=options)
        hint = None
        if reply.buttons:
            hint = Translator(await self._language_of_room(chat_id))("matrix.buttons_hint")
        quoted = await self._quoted(chat_id, reply.reply_to) if reply.reply_to else None
        content = message_content(reply, hint, quoted=quoted)
        event_id = await self._room_send(chat_id, content, tx_id=_tx(key, "m"))
        if reply.edit_of:  # the reactions stay on the original; its options become these
            emojis = option_emojis(reply.buttons)
            offer = Offer(reply.edit_of, await self._buttons.refs(reply.buttons), tuple(emojis))
            await self._buttons.revise(chat_id, reply.edit_of, offer if reply.buttons else None)
            return SentMessage(chat_id, reply.edit_of)
        if reply.buttons:
            emojis = option_emojis(reply.buttons)
            offer = Offer(event_id, await self._buttons.refs(reply.buttons), tuple(emojis))
            await self._buttons.remember(chat_id, offer)
            for number, emoji in enumerate(emojis):
                if emoji:  # offered as a ready reaction: one tap answers
                    await self._react(chat_id, event_id, emoji, _tx(key, f"r{number}"))
        if reply.attachment is not None:
            await self._send_attachment(chat_id, reply.attachment, _tx(key, "a"))
        return SentMessage(chat_id, event_id)

    async def _quoted(self, room_id: str, event_id: str) -> Quoted | None:
        """The message answered, for the reply fallback; None when it cannot be fetched (the
        reply still carries ``m.in_reply_to``)."""
        try:
            resp = await self.client.room_get_event(room_id, event_id)
        except CONNECTION_ERRORS as exc:
            log.debug("replied-to event %s not fetched: %s", event_id, exc)
            return None
        if not isinstance(resp, RoomGetEventResponse):
            return None
        body = resp.event.source.get("content", {}).get("body")
        if not isinstance(body, str):
            return None
        return Quoted(room_id, event_id, resp.event.sender, strip_reply_fallback(body))

    async def _react(self, room_id: str, event_id: str, key: str, tx_id: str | None) -> None:
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        try:
            await self._room_send(room_id, {"m.relates_to": relates}, "m.reaction", tx_id=tx_id)
        except (RetryLater, PermanentDeliveryError) as exc:  # the numbers still work
            log.warning("could not add reaction %s in %s: %s", key, room_id, exc)

    async def _room_send(
        self,
        room_id: str,
        content: dict[str, Any],
        kind: str = "m.room.message",
        *,
        tx_id: str | None = None,
    ) -> str:
        try:
            resp = await self.client.room_send(
                room_id, kind, content, tx_id=tx_id, ignore_unverified_devices=True
            )
        except LocalProtocolError as exc:  # encrypted path: a room nio has not synced
            if self.config.e2ee and room_id in self._directs:
                raise RetryLater(f"send to {room_id}: {exc}", 2.0) from exc  # just created
            raise PermanentDeliveryError(f"send to {room_id}: {exc}") from exc
        except (SendRetryError, OlmUnverifiedDeviceError) as exc:
            raise RetryLater(f"send to {room_id}: {exc}", 5.0) from exc
        except CONNECTION_ERRORS as exc:
            raise RetryLater(f"send to {room_id}: {type(exc).__name__} {exc}", 5.0) from exc
        if not isinstance(resp, RoomSendResponse):
            assert isinstance(resp, ErrorResponse)
            raise delivery_error(resp, f"send to {room_id}")
        self._sent.add(resp.event_id)
        return str(resp.event_id)

    async def _send_attachment(
        self, room_id: str, attachment: Attachment, tx_id: str | None
    ) -> str:
        room = self.client.rooms.get(room_id)
        encrypt = bool(room is not None and room.encrypted and self.client.olm is not None)
        content = await upload_content(self.client, attachment, encrypt=encrypt)
        return await self._room_send(room_id, content, tx_id=tx_id)


def _tx(key: str | None, part: str) -> str | None:
    """The transaction id of one event of an outbox message: stable across resends."""
    return f"vonk.{key}.{part}" if key else None


__all__ = ["MatrixAdapter", "localpart"]

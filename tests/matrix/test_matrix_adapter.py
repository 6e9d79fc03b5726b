"""The Matrix adapter against a real Synapse: a second nio client plays the member.

Each test reads like a conversation: the member invites, writes, answers by number or by
reaction, and checks what the bot said (an ``m.notice``, which nio parses as
``RoomMessageNotice``). The bot is the whole app (router, handlers, SQLite), not a stub.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteInfo,
    JoinResponse,
    LoginResponse,
    ReactionEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessageImage,
    RoomMessageNotice,
    RoomSendResponse,
    SyncResponse,
)

from bot.adapters.matrix import MatrixAdapter
from bot.app import App
from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.core import Attachment, AttachmentKind, Button, ButtonPress, ChatKind, Reply
from bot.errors import PermanentDeliveryError, RetryLater
from bot.runtime import close_app, open_app
from storage import Storage
from storage.records import Role
from tests.recording_intake import RecordingIntake

if TYPE_CHECKING:  # tests/matrix/synapse.py (conftest loads it under another name)
    from synapse import MatrixUser, SynapseServer

pytestmark = pytest.mark.slow

WAIT_S = 15.0
HELP = "Dit kan ik voor je doen"
# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
T = TypeVar("T")
MEGOLM = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


# -- the member: a nio client with its own background sync ---------------------------------------
class Member:
    """A person on Matrix. Everything its client syncs is kept, so tests can wait for it."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.events: list[tuple[str, Event]] = []
        self.invites: dict[str, InviteInfo] = {}
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return self.client.user_id

    @classmethod
    async def login(cls, url: str, user: MatrixUser, *, store: Path | None = None) -> Member:
        config = AsyncClientConfig(
            store_sync_tokens=False, encryption_enabled=store is not None, max_timeouts=0
        )
        if store is not None:
            await asyncio.to_thread(store.mkdir, parents=True, exist_ok=True)
        client = AsyncClient(url, user.user_id, store_path=str(store or ""), config=config)
        resp = await client.login(user.password, device_name="member")
        assert isinstance(resp, LoginResponse), resp
        member = cls(client)
        await client.sync(timeout=0)  # from now on, only new events
        await member._chores()
        member._task = asyncio.create_task(member._loop())
        return member

    async def _loop(self) -> None:
        while True:
            try:
                resp = await self.client.sync(timeout=300)
            except (aiohttp.ClientError, OSError, TimeoutError):
                await asyncio.sleep(0.2)  # the homeserver restarts
                continue
            if not isinstance(resp, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            for room_id, info in resp.rooms.join.items():
                self.events += [(room_id, e) for e in info.timeline.events]
            self.invites.update(resp.rooms.invite)
            await self._chores()
            synced, self._synced = self._synced, asyncio.Event()
            synced.set()

    async def _chores(self) -> None:
        client = self.client
        if client.olm is None:
            return
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def wait_for(self, found: Callable[[], T | None], what: str, within: float = WAIT_S) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = found()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{self.user_id} waited {within}s in vain for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._synced.wait(), remaining)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    # -- speaking ---------------------------------------------------------------------------
    async def create_room(self, *invite: str, **options: Any) -> str:
        resp = await self.client.room_create(invite=list(invite), **options)
        assert isinstance(resp, RoomCreateResponse), resp
        return resp.room_id

    async def say(self, room_id: str, body: str, **content: Any) -> str:
        resp = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": body, **content},
            ignore_unverified_devices=True,
        )
        assert isinstance(resp, RoomSendResponse), resp
        return resp.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        resp = await self.client.room_send(room_id, "m.reaction", {"m.relates_to": relates})
        assert isinstance(resp, RoomSendResponse), resp

    # -- listening --------------------------------------------------------------------------
    def notices(self, room_id: str, sender: str) -> list[RoomMessageNotice]:
        return [
            e
            for r, e in self.events
            if r == room_id and isinstance(e, RoomMessageNotice) and e.sender == sender
        ]

    async def notice(self, room_id: str, sender: str, containing: str) -> RoomMessageNotice:
        """The first notice from ``sender`` in the room whose body contains the text."""
        return await self.wait_for(
            lambda: next((n for n in self.notices(room_id, sender) if containing in n.body), None),
            f"a notice containing {containing!r}",
        )

    async def joined(self, room_id: str, user_id: str) -> None:
        await self._membership(room_id, user_id, "join")

    async def _membership(self, room_id: str, user_id: str, membership: str) -> None:
        await self.wait_for(
            lambda: any(
                r == room_id
                and isinstance(e, RoomMemberEvent)
                and e.state_key == user_id
                and e.membership == membership
                for r, e in self.events
            ),
            f"{user_id} to {membership} {room_id}",
        )

    async def left(self, room_id: str, user_id: str) -> None:
        await self._membership(room_id, user_id, "leave")


# -- the bot: the whole app with a Matrix adapter --------------------------------------------------
@dataclass
class Vonk:
    app: App
    adapter: MatrixAdapter
    settings: Settings
    user: MatrixUser
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.user.localpart

    @property
    def user_id(self) -> str:
        return self.user.user_id


StartVonk = Callable[..., Awaitable[Vonk]]
NewMember = Callable[..., Awaitable[Member]]


def vonk_settings(
    synapse: SynapseServer, user: MatrixUser, data_dir: Path, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'vonk.db'}",
        "matrix_homeserver": synapse.url,
        "matrix_user_id": user.user_id,
        "matrix_password": user.password,
    }
    return load_settings(env={}, **{**values, **extra})


@pytest_asyncio.fixture
async def start_vonk(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[StartVonk]:
    """``await start_vonk(bot_user, allowed=[...])``: an app on its own database, running."""
    running: list[App] = []

    async def start(
        user: MatrixUser,
        *,
        allowed: list[str],
        data_dir: Path | None = None,
        timeline_limit: int = 50,
        **extra: Any,
    ) -> Vonk:
        settings = vonk_settings(
            synapse,
            user,
            data_dir or tmp_path / user.localpart,
            matrix_allowed_inviters=allowed,
            **extra,
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app = await open_app(settings)
        adapter = MatrixAdapter(
            settings, app.services.storage, app.clock, poll_ms=5000, timeline_limit=timeline_limit
        )
        app.add_adapter(adapter)
        running.append(app)
        await app.start()
        return Vonk(app, adapter, settings, user)

    yield start
    for app in running:
        await close_app(app)  # stop is safe twice: tests may have stopped it already


@pytest_asyncio.fixture
async def new_member(
    synapse: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> AsyncIterator[NewMember]:
    members: list[Member] = []

    async def make(prefix: str = "member", *, store: Path | None = None) -> Member:
        member = await Member.login(synapse.url, matrix_user(prefix), store=store)
        members.append(member)
        return member

    yield make
    for member in members:
        await member.close()


async def until(condition: Callable[[], bool], what: str, within: float = WAIT_S) -> None:
    """Poll a condition of the bot's own state (there is no event to wait on)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {within}s in vain for {what}")
        await asyncio.sleep(0.05)


async def join_invite(member: Member, room_id: str) -> None:
    await member.wait_for(lambda: room_id in member.invites, f"an invite to {room_id}")
    assert isinstance(await member.client.join(room_id), JoinResponse)


async def dm_with(member: Member, vonk: Vonk, **options: Any) -> str:
    room_id = await member.create_room(vonk.user_id, is_direct=True, **options)
    await member.joined(room_id, vonk.user_id)
    return room_id


# -- the conversations -----------------------------------------------------------------------------
async def test_invites_are_checked_and_images_uploaded(
    start_vonk: StartVonk,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    member, stranger = await new_member("member"), await new_member("stranger")
    vonk = await start_vonk(matrix_user("vonk"), allowed=[member.user_id])

    stranger_room = await stranger.create_room(vonk.user_id, name="Onbekend")
    room_id = await member.create_room(vonk.user_id, name="Buurtnet")
    await member.joined(room_id, vonk.user_id)
    await stranger.left(stranger_room, vonk.user_id)
    assert f"declined the invite to {stranger_room} from {stranger.user_id}" in caplog.text

    with pytest.raises(PermanentDeliveryError):  # a room the bot is not in
        await vonk.adapter.send(stranger_room, Reply("hallo?"))

    chart = tmp_path / "grafiek.png"
    chart.write_bytes(PNG)
    await vonk.adapter.send(
        room_id, Reply("De grafiek:", attachment=Attachment(chart, AttachmentKind.IMAGE))
    )
    image = await member.wait_for(
        lambda: next(
            (e for r, e in member.events if r == room_id and isinstance(e, RoomMessageImage)), None
        ),
        "the chart",
    )
    assert image.url.startswith("mxc://") and image.body == "grafiek.png"


async def test_question_in_a_group_is_answered_with_escaped_html(
    start_vonk: StartVonk, new_member: NewMember, matrix_user: Callable[..., MatrixUser]
) -> None:
    member, neighbour = await new_member("kees"), await new_member("buur")
    vonk = await start_vonk(matrix_user("vonk"), allowed=[":localhost"])
    await member.client.set_displayname("Kees <b>vet</b>")
    room_id = await member.create_room(vonk.user_id, neighbour.user_id, name="Buurt Oost")
    await join_invite(neighbour, room_id)
    await member.joined(room_id, vonk.user_id)

    chatter = await member.say(room_id, "wie heeft er een ladder?")  # not addressed: quiet
    edit = {"rel_type": "m.replace", "event_id": chatter}
    await member.say(
        room_id,
        f"* {vonk.name}: !hulp",
        **{  # an edit is never handled
            "m.new_content": {"msgtype": "m.text", "body": f"{vonk.name}: !hulp"},
            "m.relates_to": edit,
        },
    )
    await member.say(room_id, "!onzin")  # an unknown command, not addressed: quiet
    pill = f'<a href="https://matrix.to/#/{vonk.user_id}">{vonk.name}</a>: !hulp'
    asked = await member.say(
        room_id,
        f"{vonk.name}: !hulp",
        format="org.matrix.custom.html",
        formatted_body=pill,
        **{"m.mentions": {"user_ids": [vonk.user_id]}},
    )
    help_text = await member.notice(room_id, vonk.user_id, HELP)
    assert help_text.source["content"]["msgtype"] == "m.notice"
    assert "<br>" in help_text.formatted_body
    assert len(member.notices(room_id, vonk.user_id)) == 1
    # In a group the answer is a rich reply to the asker, meant for them (and only them).
    content = help_text.source["content"]
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": asked}}
    assert content["m.mentions"] == {"user_ids": [member.user_id]}
    assert help_text.body.startswith(f"> <{member.user_id}> {vonk.name}: !hulp\n\n")
    assert content["formatted_body"].startswith("<mx-reply><blockquote>")

    quote = f"> <{vonk.user_id}> {help_text.body.splitlines()[0]}\n\n!onzin"
    await member.say(
        room_id, quote, **{"m.relates_to": {"m.in_reply_to": {"event_id": help_text.event_id}}}
    )  # a reply to the bot addresses it
    await member.notice(room_id, vonk.user_id, "om te zien wat ik kan")

    # Asked in a thread, answered in that thread.
    thread = {
        "rel_type": "m.thread",
        "event_id": chatter,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": chatter},
    }
    in_thread = await member.say(room_id, f"{vonk.name}: !lessen", **{"m.relates_to": thread})
    threaded = await member.wait_for(
        lambda: next(
            (
                n
                for n in member.notices(room_id, vonk.user_id)
                if n.source["content"].get("m.relates_to", {}).get("rel_type") == "m.thread"
            ),
            None,
        ),
        "an answer in the thread",
    )
    assert threaded.source["content"]["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": chatter,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": in_thread},
    }
    before = len(member.notices(room_id, vonk.user_id))

    await member.say(room_id, f"{vonk.name}, !start")  # a mention by name, with a comma
    moved = await member.notice(room_id, vonk.user_id, "Kees <b>vet</b>")
    assert "Kees &lt;b&gt;vet&lt;/b&gt;" in moved.formatted_body
    assert "<b>" not in moved.formatted_body
    assert len(member.notices(room_id, vonk.user_id)) == before + 1

    # The onboarding moved to a direct room the bot created and invited the member to.
    dm = await member.wait_for(
        lambda: next(iter(r for r in member.invites if r != room_id), None), "a DM invite"
    )
    assert isinstance(await member.client.join(dm), JoinResponse)
    await member.notice(dm, vonk.user_id, "Hoe wil je genoemd worden?")


async def test_direct_onboarding_by_number_and_by_reaction(
    start_vonk: StartVonk, new_member: NewMember, matrix_user: Callable[..., MatrixUser]
) -> None:
    member = await new_member("anna")
    vonk = await start_vonk(matrix_user("vonk"), allowed=[":localhost"])
    dm = await dm_with(member, vonk)

    await member.say(dm, "/start")
    name_q = await member.notice(dm, vonk.user_id, "Hoe wil je genoemd worden?")
    assert "1. Gewoon" in name_q.body and "tik op het bijpassende emoji" in name_q.body
    await member.say(dm, "1")
    await member.notice(dm, vonk.user_id, "Wat kun je")
    await member.say(dm, "ik kan fietsen repareren")
    cell_q = await member.notice(dm, vonk.user_id, "In welke buurt")
    await member.react(dm, cell_q.event_id, "1️⃣")  # "Geen voorkeur"
    findable_q = await member.notice(dm, vonk.user_id, "Mogen andere leden jou vinden")
    assert "1. Ja\n2. Nee" in findable_q.body
    await member.react(dm, findable_q.event_id, "1\u20e3")  # without the variation selector
    await member.notice(dm, vonk.user_id, "persoonlijk uitnodigen")
    await member.say(dm, "2")
    await member.notice(dm, vonk.user_id, "welkom in het netwerk")

    storage = vonk.app.services.storage
    found = await storage.members.by_account("matrix", member.user_id)
    assert found is not None
    anna, account = found
    assert (anna.onboarded, anna.findable, anna.invitable) == (True, True, False)
    assert account.direct_chat_id == dm


async def test_restart_resumes_from_the_saved_token(
    start_vonk: StartVonk,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
) -> None:
    member = await new_member("piet")
    bot_user = matrix_user("vonk")
    data_dir = tmp_path / "vonk-data"
    vonk = await start_vonk(bot_user, allowed=[":localhost"], data_dir=data_dir, timeline_limit=5)
    dm = await dm_with(member, vonk)
    group = await member.create_room(vonk.user_id, name="Straat")
    await member.joined(group, vonk.user_id)
    await member.say(dm, "!hulp")
    await member.notice(dm, vonk.user_id, HELP)

    await close_app(vonk.app)
    await member.say(dm, "/help")  # while the bot is down
    await member.say(group, f"{vonk.name}: !hulp")
    for n in range(8):  # more than one sync returns: the bot must fill the gap
        await member.say(group, f"gewoon buurtpraat {n}")

    again = await start_vonk(bot_user, allowed=[":localhost"], data_dir=data_dir, timeline_limit=5)
    await member.wait_for(lambda: len(member.notices(dm, again.user_id)) >= 2, "the missed /help")
    await member.notice(group, again.user_id, HELP)
    await member.say(dm, "/hulp")  # a sync later: nothing old came back a second time
    await member.wait_for(lambda: len(member.notices(dm, again.user_id)) >= 3, "a fresh answer")
    assert len(member.notices(dm, again.user_id)) == 3
    assert len(member.notices(group, again.user_id)) == 1


async def test_first_start_ignores_history_and_homeserver_restart_is_survived(
    synapse: SynapseServer,
    start_vonk: StartVonk,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    member = await new_member("lotte")
    bot_user = matrix_user("vonk")
    # The bot is in the room before Vonk first runs (set up by hand, as operators do).
    bot_client = AsyncClient(synapse.url, bot_user.user_id)
    bot_client.restore_login(bot_user.user_id, "SETUP", bot_user.access_token)
    room_id = await member.create_room(bot_user.user_id, name="Oud")
    assert isinstance(await bot_client.join(room_id), JoinResponse)
    await bot_client.close()
    await member.say(room_id, f"{bot_user.localpart}: !hulp van vroeger")

    vonk = await start_vonk(bot_user, allowed=[":localhost"])
    sync = vonk.adapter.sync_loop
    assert sync is not None
    await asyncio.to_thread(synapse.stop)  # in a thread: the bot's loop runs on meanwhile
    await until(lambda: sync.backoff.failures >= 2, "the sync loop to notice and back off")
    synapse.start()  # from this thread: Synapse dies with the thread that started it
    await member.say(room_id, f"{vonk.name}: !hulp")
    await member.notice(room_id, vonk.user_id, HELP)
    await asyncio.sleep(0.5)
    assert len(member.notices(room_id, vonk.user_id)) == 1  # the old one stayed history
    assert "Matrix sync failed" in caplog.text


async def test_encrypted_room(
    start_vonk: StartVonk,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    member = await new_member("eva", store=tmp_path / "eva-store")
    bot_user, data_dir = matrix_user("vonk"), tmp_path / "vonk-e2e"
    vonk = await start_vonk(bot_user, allowed=[":localhost"], matrix_e2ee=True, data_dir=data_dir)
    device = vonk.adapter.client.device_id
    room_id = await member.create_room(vonk.user_id, name="Geheim", initial_state=[MEGOLM])
    await member.joined(room_id, vonk.user_id)

    await member.say(room_id, f"{vonk.name}: !hulp")
    answer = await member.notice(room_id, vonk.user_id, HELP)
    assert answer.decrypted and answer.source["content"]["msgtype"] == "m.notice"

    # After a restart the same device and its keys (in the store) carry on.
    await close_app(vonk.app)
    assert (data_dir / "matrix-store").is_dir()
    vonk = await start_vonk(bot_user, allowed=[":localhost"], matrix_e2ee=True, data_dir=data_dir)
    assert vonk.adapter.client.device_id == device
    await member.say(room_id, f"{vonk.name}: !help")
    await member.wait_for(lambda: len(member.notices(room_id, vonk.user_id)) == 2, "a 2nd answer")

    # An event the bot cannot decrypt: a log line and a kind word in the room.
    plain = await new_member("zonder-sleutel")
    assert isinstance(await member.client.room_invite(room_id, plain.user_id), object)
    await join_invite(plain, room_id)
    garbage = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgA",
        "device_id": "NOPE",
        "sender_key": "x" * 43,
        "session_id": "s" * 43,
    }
    await plain.client.room_send(room_id, "m.room.encrypted", garbage)
    await member.notice(room_id, vonk.user_id, "versleutelde bericht niet lezen")
    assert "cannot decrypt Matrix event" in caplog.text


async def test_an_event_whose_key_comes_late_is_answered_once_it_arrives(
    start_vonk: StartVonk,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    synapse: SynapseServer,
    tmp_path: Path,
) -> None:
    """Eva's client sends a message in an encrypted room before it sent the bot the room key
    (slow to-device delivery, a client that crashed in between): the bot cannot read it, says
    so, and answers it once the ``m.room_key`` arrives, without Eva writing again."""
    import json

    from nio import ToDeviceMessage
    from nio.crypto.sessions import OutboundGroupSession

    eva_user = matrix_user("eva")
    eva = await Member.login(synapse.url, eva_user, store=tmp_path / "eva-store")
    vonk = await start_vonk(
        matrix_user("vonk"),
        allowed=[":localhost"],
        matrix_e2ee=True,
        data_dir=tmp_path / "vonk-late",
    )
    try:
        room_id = await eva.create_room(vonk.user_id, name="Geheim", initial_state=[MEGOLM])
        await eva.joined(room_id, vonk.user_id)
        await eva.say(room_id, f"{vonk.name}: !hulp")  # an Olm session eva -> bot exists now
        await eva.notice(room_id, vonk.user_id, HELP)

        # A message in a megolm session the bot has not received yet, sent as it is on the
        # wire (by a second, unencrypting login of Eva, so nio does not encrypt it again).
        session = OutboundGroupSession()
        session.mark_as_shared()  # it is not: that is the point
        session_key = session.session_key  # from the first message on
        payload = {
            "type": "m.room.message",
            "room_id": room_id,
            "content": {"msgtype": "m.text", "body": f"{vonk.name}: !lessen"},
        }
        machine = eva.client.olm
        assert machine is not None
        sender_key = machine.account.identity_keys["curve25519"]
        encrypted = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": sender_key,
            "ciphertext": session.encrypt(json.dumps(payload)),
            "session_id": session.id,
            "device_id": eva.client.device_id,
        }
        raw_eva = await Member.login(synapse.url, eva_user)
        try:
            resp = await raw_eva.client.room_send(room_id, "m.room.encrypted", encrypted)
            assert isinstance(resp, RoomSendResponse), resp
            await eva.notice(room_id, vonk.user_id, "versleutelde bericht niet lezen")
            before = len(eva.notices(room_id, vonk.user_id))

            # The key arrives late, as Eva's client would have sent it: Olm-encrypted to the
            # bot's device.
            device = machine.device_store[vonk.user_id][vonk.adapter.client.device_id]
            olm_session = machine.session_store.get(device.curve25519)
            assert olm_session is not None
            key = {
                "algorithm": "m.megolm.v1.aes-sha2",
                "room_id": room_id,
                "session_id": session.id,
                "session_key": session_key,
            }
            content = machine._olm_encrypt(olm_session, device, "m.room_key", key)
            message = ToDeviceMessage("m.room.encrypted", vonk.user_id, device.id, content)
            await eva.client.to_device(message)
            await eva.wait_for(
                lambda: len(eva.notices(room_id, vonk.user_id)) > before, "the late answer"
            )
            assert not vonk.adapter._undecrypted, "nothing left waiting for a key"
        finally:
            await raw_eva.close()
    finally:
        await eva.close()


async def test_vonk_run_answers_in_a_room(
    synapse: SynapseServer,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
) -> None:
    member = await new_member("jan")
    bot_user = matrix_user("vonk")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VONK_")}
    env.update(
        {
            "VONK_DATA_DIR": str(tmp_path),
            "VONK_MATRIX_HOMESERVER": synapse.url,
            "VONK_MATRIX_USER_ID": bot_user.user_id,
            "VONK_MATRIX_ACCESS_TOKEN": bot_user.access_token,
            "VONK_MATRIX_ALLOWED_INVITERS": f"{member.user_id}, :elders.example",
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    started = asyncio.Event()

    async def drain() -> None:  # drained all along: a full pipe blocks
        assert proc.stdout is not None
        async for raw in proc.stdout:
            lines.append(raw.decode(errors="replace"))
            if "Vonk runs on" in lines[-1]:
                started.set()

    output = asyncio.create_task(drain())
    try:
        # The first start of a machine may embed the bundled knowledge (kept for later runs).
        await asyncio.wait_for(started.wait(), 180)
        room_id = await member.create_room(bot_user.user_id, name="Dorp")
        await member.joined(room_id, bot_user.user_id)
        await member.say(room_id, f"{bot_user.localpart}: !hulp")
        await member.notice(room_id, bot_user.user_id, HELP)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    await output
    log = "".join(lines)
    assert proc.returncode == 0, log
    assert "Vonk runs on matrix" in log


# -- failures between the bot and its homeserver ---------------------------------------------------
class FaultyProxy:
    """A reverse proxy in front of Synapse that answers chosen requests with an error."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.faults: list[tuple[str, str, int, dict[str, Any] | None]] = []
        self.injected: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def fail(
        self, method: str, path_part: str, status: int, body: dict[str, Any] | None = None
    ) -> None:
        """The next matching request gets ``status`` (JSON ``body``, or an HTML page)."""
        self.faults.append((method, path_part, status, body))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        for index, (method, part, status, body) in enumerate(self.faults):
            if request.method == method and part in request.path:
                del self.faults[index]
                self.injected.append(f"{method} {part} {status}")
                if body is None:
                    return web.Response(
                        status=status, text="<h1>Bad Gateway</h1>", content_type="text/html"
                    )
                return web.json_response(body, status=status)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=await request.read(),
        ) as upstream:
            return web.Response(
                body=await upstream.read(),
                status=upstream.status,
                content_type=upstream.content_type,
            )

    async def __aenter__(self) -> FaultyProxy:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()


async def test_rate_limits_and_server_errors_are_retried(
    synapse: SynapseServer,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
) -> None:
    member = await new_member("bram")
    bot_user = matrix_user("vonk")
    limited = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 300}
    async with FaultyProxy(synapse.url) as proxy:
        settings = vonk_settings(
            synapse,
            bot_user,
            tmp_path,
            matrix_homeserver=proxy.url,
            matrix_allowed_inviters=[":localhost"],
        )
        app = await open_app(settings)
        adapter = MatrixAdapter(settings, app.services.storage, app.clock, poll_ms=1000)
        app.add_adapter(adapter)
        try:
            await app.start()
            dm = await member.create_room(bot_user.user_id, is_direct=True)
            await member.joined(dm, bot_user.user_id)

            proxy.fail("PUT", "/send/", 429, limited)
            with pytest.raises(RetryLater) as raised:
                await adapter.send(dm, Reply("even geduld"))
            assert raised.value.retry_after == pytest.approx(0.3)
            proxy.fail("PUT", "/send/", 502)
            with pytest.raises(RetryLater):
                await adapter.send(dm, Reply("even geduld"))

            for status, body in ((502, None), (429, limited), (500, {"errcode": "M_UNKNOWN"})):
                proxy.fail("GET", "/sync", status, body)
            await member.say(dm, "!hulp")
            await member.notice(dm, bot_user.user_id, HELP)
            assert proxy.faults == []  # every injected failure was met, and survived
            await adapter.send(dm, Reply("alles goed"))
        finally:
            await close_app(app)


async def test_a_thumbs_up_on_an_older_call_is_a_button_press(
    synapse: SynapseServer,
    new_member: NewMember,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
) -> None:
    member, bot_user = await new_member("fleur"), matrix_user("vonk")
    settings = vonk_settings(synapse, bot_user, tmp_path, matrix_allowed_inviters=[":localhost"])
    storage = await Storage.open(settings.effective_database_url)
    adapter = MatrixAdapter(settings, storage, SystemClock(), poll_ms=1000)
    intake = RecordingIntake()
    seen = intake.events
    await adapter.start(intake)
    try:
        room_id = await member.create_room(bot_user.user_id, name="Oproepen")
        await member.joined(room_id, bot_user.user_id)
        join = Button("Ik doe mee", "call:join:7", emoji="👍")
        call = await adapter.send(room_id, Reply("Wie helpt zaterdag?", (join, Button("Nee", "n"))))
        await adapter.send(room_id, Reply("Iets anders?", (Button("Ja", "other:yes"),)))
        shown = await member.notice(room_id, bot_user.user_id, "Wie helpt zaterdag?")
        assert "1. Ik doe mee 👍\n2. Nee" in shown.body
        offered = await member.wait_for(
            lambda: (
                {
                    e.key
                    for r, e in member.events
                    if r == room_id
                    and isinstance(e, ReactionEvent)
                    and e.reacts_to == call.message_id
                }
                == {"👍", "2️⃣"}
                or None
            ),
            "the offered reactions",
        )
        assert offered

        await member.react(room_id, call.message_id, "👍")
        await until(lambda: bool(seen), "the press")
        press = seen[0]
        assert isinstance(press, ButtonPress)
        assert (press.payload, press.message_id) == ("call:join:7", call.message_id)
        assert press.chat.kind is ChatKind.GROUP and press.chat.title == "Oproepen"
        assert press.sender.platform_user_id == member.user_id
    finally:
        await adapter.stop()
        await adapter.stop()  # safe twice
        await storage.close()


async def test_a_call_is_posted_and_joined_with_a_thumbs_up(
    start_vonk: StartVonk, new_member: NewMember, matrix_user: Callable[..., MatrixUser]
) -> None:
    """The whole calls flow on Matrix: the initiator confirms privately, the call lands in the
    room with numbered options and 👍, and a reaction pledges."""
    sanne, kees = await new_member("sanne"), await new_member("kees")
    vonk = await start_vonk(matrix_user("vonk"), allowed=[":localhost"])
    room = await sanne.create_room(vonk.user_id, kees.user_id, name="Buurt Oost")
    await join_invite(kees, room)
    await sanne.joined(room, vonk.user_id)
    await sanne.say(room, f"{vonk.name}: !hulp")  # Sanne becomes known to the bot
    await sanne.notice(room, vonk.user_id, HELP)
    storage = vonk.app.services.storage
    found = await storage.members.by_account("matrix", sanne.user_id)
    assert found is not None
    await storage.members.update(found[0].id, role=Role.INITIATOR)

    await sanne.say(room, "!oproep Opruimen speelveld zaterdag 10:00 2 mensen")
    dm = await sanne.wait_for(
        lambda: next(iter(r for r in sanne.invites if r != room), None), "a DM invite"
    )
    assert isinstance(await sanne.client.join(dm), JoinResponse)
    confirm = await sanne.notice(dm, vonk.user_id, "Klopt deze oproep?")
    assert "1. Plaatsen" in confirm.body
    await sanne.say(dm, "1")

    post = await kees.notice(room, vonk.user_id, "Oproep 1 van")
    assert "1. Ik doe mee 👍" in post.body
    await kees.react(room, post.event_id, "👍")
    # The post itself is edited in place with the live count.
    edit = await kees.notice(room, vonk.user_id, "1 van 2 plekken")
    assert edit.source["content"]["m.relates_to"] == {
        "rel_type": "m.replace",
        "event_id": post.event_id,
    }
    assert "1 van 2 plekken" in edit.source["content"]["m.new_content"]["body"]
    kees_member = await storage.members.by_account("matrix", kees.user_id)
    assert kees_member is not None
    [pledge] = await storage.pledges.of_member(kees_member[0].id)
    assert pledge.what == "Opruimen speelveld" and pledge.call_id is not None

"""Proof that matrix-nio clients can do, against the real Synapse harness, everything the
Vonk Matrix adapter relies on: password login, rooms and invites, DMs, text/notice
messages, reactions, and resuming sync from a saved token across a server restart.

If one of these breaks after a Synapse or nio upgrade, the adapter's own tests would fail
for reasons unrelated to Vonk; this file pins the cause down to the platform.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteMemberEvent,
    JoinResponse,
    LoginError,
    LoginResponse,
    ReactionEvent,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

if TYPE_CHECKING:  # tests/matrix/synapse.py (conftest loads it under another name)
    from synapse import MatrixUser, SynapseServer

pytestmark = pytest.mark.slow

SYNC_TIMEOUT_MS = 1000  # long-poll length: Synapse answers early as soon as an event arrives
WAIT_S = 10.0  # generous upper bound for "the other side sees it"


def _client(url: str, user_id: str) -> AsyncClient:
    # No store path: no olm machine, so these clients never encrypt; tokens are kept here.
    return AsyncClient(url, user_id, config=AsyncClientConfig(store_sync_tokens=False))


async def _login(url: str, user: MatrixUser) -> AsyncClient:
    client = _client(url, user.user_id)
    resp = await client.login(user.password, device_name="vonk-test")
    assert isinstance(resp, LoginResponse), resp
    return client


@pytest_asyncio.fixture
async def bot(
    synapse: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> AsyncIterator[AsyncClient]:
    client = await _login(synapse.url, matrix_user("bot"))
    yield client
    await client.close()


@pytest_asyncio.fixture
async def member(
    synapse: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> AsyncIterator[AsyncClient]:
    client = await _login(synapse.url, matrix_user("member"))
    yield client
    await client.close()


async def _sync_until(
    client: AsyncClient, found: Callable[[SyncResponse], Any], *, since: str | None = None
) -> Any:
    """Sync (incrementally, from ``client.next_batch``) until ``found`` returns truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while loop.time() < deadline:
        resp = await client.sync(timeout=SYNC_TIMEOUT_MS, since=since)
        assert isinstance(resp, SyncResponse), resp
        since = None  # only the first sync uses an explicit token; then nio's next_batch
        result = found(resp)
        if result:
            return result
    raise AssertionError(f"{client.user_id} did not see the expected event in {WAIT_S}s")


def _timeline(resp: SyncResponse, room_id: str) -> list[Event]:
    room = resp.rooms.join.get(room_id)
    return list(room.timeline.events) if room else []


async def _shared_room(bot: AsyncClient, member: AsyncClient, **create: Any) -> str:
    """Bot creates a room and invites member; member sees the invite and joins."""
    await member.sync(timeout=0)  # establish member's next_batch before the invite
    created = await bot.room_create(invite=[member.user_id], **create)
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id

    await _sync_until(member, lambda r: room_id in r.rooms.invite)
    joined = await member.join(room_id)
    assert isinstance(joined, JoinResponse), joined
    return room_id


async def _send_text(client: AsyncClient, room_id: str, body: str, msgtype: str = "m.text") -> str:
    resp = await client.room_send(room_id, "m.room.message", {"msgtype": msgtype, "body": body})
    assert isinstance(resp, RoomSendResponse), resp
    return resp.event_id


def _find(resp: SyncResponse, room_id: str, cls: type[Event], event_id: str) -> Event | None:
    for event in _timeline(resp, room_id):
        if isinstance(event, cls) and event.event_id == event_id:
            return event
    return None


async def test_login_with_password(synapse: SynapseServer, matrix_user: Callable[..., MatrixUser]):
    user = matrix_user("login")
    client = _client(synapse.url, user.user_id)
    try:
        assert isinstance(await client.login("wrong password"), LoginError)
        resp = await client.login(user.password)
        assert isinstance(resp, LoginResponse)
        assert resp.user_id == user.user_id == f"@{user.localpart}:localhost"
        assert client.access_token and client.access_token != user.access_token
    finally:
        await client.close()


async def test_invite_join_and_text_both_ways(bot: AsyncClient, member: AsyncClient):
    room_id = await _shared_room(bot, member, name="Buurtnet test")
    await bot.sync(timeout=0)

    event_id = await _send_text(member, room_id, "Hoi Vonk!")
    seen = await _sync_until(bot, lambda r: _find(r, room_id, RoomMessageText, event_id))
    assert seen.body == "Hoi Vonk!" and seen.sender == member.user_id

    event_id = await _send_text(bot, room_id, "Dag buur")
    seen = await _sync_until(member, lambda r: _find(r, room_id, RoomMessageText, event_id))
    assert seen.body == "Dag buur" and seen.sender == bot.user_id


async def test_notice_arrives_as_room_message_notice(bot: AsyncClient, member: AsyncClient):
    room_id = await _shared_room(bot, member)
    event_id = await _send_text(bot, room_id, "Ik ben een bot.", msgtype="m.notice")
    seen = await _sync_until(member, lambda r: _find(r, room_id, RoomMessageNotice, event_id))
    assert seen.body == "Ik ben een bot."


async def test_reaction_arrives_as_reaction_event(bot: AsyncClient, member: AsyncClient):
    room_id = await _shared_room(bot, member)
    target = await _send_text(member, room_id, "Wie kan helpen met verhuizen?")
    relates = {"rel_type": "m.annotation", "event_id": target, "key": "👍"}
    sent = await bot.room_send(room_id, "m.reaction", {"m.relates_to": relates})
    assert isinstance(sent, RoomSendResponse), sent

    # nio >= 0.21 parses m.reaction into ReactionEvent (not UnknownEvent).
    seen = await _sync_until(member, lambda r: _find(r, room_id, ReactionEvent, sent.event_id))
    assert seen.reacts_to == target and seen.key == "👍" and seen.sender == bot.user_id


async def test_direct_room(bot: AsyncClient, member: AsyncClient):
    await member.sync(timeout=0)
    created = await bot.room_create(is_direct=True, invite=[member.user_id])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id

    def direct_invite(resp: SyncResponse) -> InviteMemberEvent | None:
        info = resp.rooms.invite.get(room_id)
        for event in info.invite_state if info else []:
            if isinstance(event, InviteMemberEvent) and event.state_key == member.user_id:
                return event
        return None

    invite = await _sync_until(member, direct_invite)
    assert invite.content.get("is_direct") is True
    assert isinstance(await member.join(room_id), JoinResponse)

    event_id = await _send_text(bot, room_id, "Privé berichtje")
    seen = await _sync_until(member, lambda r: _find(r, room_id, RoomMessageText, event_id))
    assert seen.body == "Privé berichtje"


async def test_sync_token_resumes_after_restart(
    synapse: SynapseServer, bot: AsyncClient, member: AsyncClient
):
    room_id = await _shared_room(bot, member)
    old = await _send_text(member, room_id, "vóór het token")
    await _sync_until(bot, lambda r: _find(r, room_id, RoomMessageText, old))
    saved_token = bot.next_batch  # what the adapter would persist
    assert saved_token

    missed = await _send_text(member, room_id, "terwijl de bot niet synct")
    synapse.restart()
    after = await _send_text(member, room_id, "na de herstart")

    # A fresh client (as after a bot restart) with the persisted access token and token.
    resumed = _client(synapse.url, bot.user_id)
    resumed.restore_login(bot.user_id, bot.device_id, bot.access_token)
    try:
        seen: list[str] = []

        def collect(resp: SyncResponse) -> bool:
            seen.extend(e.event_id for e in _timeline(resp, room_id))
            return after in seen

        await _sync_until(resumed, collect, since=saved_token)
        assert seen.index(missed) < seen.index(after)
        assert old not in seen  # resumed from the token, not from the start
    finally:
        await resumed.close()

"""Matrix room events -> Vonk's neutral events.

Decides what the bot reacts to: texts (with mentions and replies worked out), a typed number
or a reaction that answers a bot message with options. Its own events, other bots' notices
and edits are ignored: an edit would otherwise run a command a second time.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import UTC, datetime

from nio import (
    AsyncClient,
    Event,
    MatrixRoom,
    ReactionEvent,
    RoomGetEventResponse,
    RoomMessageText,
)

from bot.adapters.matrix.addressing import analyse
from bot.adapters.matrix.buttons import ButtonMemory
from bot.adapters.matrix.render import parse_number
from bot.adapters.matrix.rooms import DirectRooms
from bot.clean import clean_event
from bot.core import ButtonPress, ChatKind, ChatRef, IncomingMessage, Sender
from bot.core import Event as VonkEvent

log = logging.getLogger(__name__)

PLATFORM = "matrix"


class RecentIds:
    """A bounded set of event ids, oldest forgotten first."""

    def __init__(self, size: int = 2000) -> None:
        self._order: deque[str] = deque(maxlen=size)
        self._set: set[str] = set()

    def add(self, event_id: str) -> None:
        if event_id in self._set:
            return
        if len(self._order) == self._order.maxlen:
            self._set.discard(self._order[0])
        self._order.append(event_id)
        self._set.add(event_id)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._set


def localpart(user_id: str) -> str:
    return user_id.removeprefix("@").split(":", 1)[0]


def sender_of(room: MatrixRoom, user_id: str) -> Sender:
    """Who wrote, with the name they use in this room (Matrix names are per room)."""
    user = room.users.get(user_id)
    name = (user.display_name if user else None) or localpart(user_id)
    return Sender(platform_user_id=user_id, display_name=name, username=localpart(user_id))


def chat_of(room: MatrixRoom, directs: DirectRooms) -> ChatRef:
    if directs.is_direct(room.room_id, room):
        return ChatRef(PLATFORM, room.room_id, ChatKind.DIRECT, None)
    return ChatRef(PLATFORM, room.room_id, ChatKind.GROUP, room.display_name)


def is_edit(event: Event) -> bool:
    content = event.source.get("content", {})
    relates = content.get("m.relates_to") or {}
    return "m.new_content" in content or relates.get("rel_type") == "m.replace"


class EventReader:
    def __init__(
        self,
        client: AsyncClient,
        buttons: ButtonMemory,
        directs: DirectRooms,
        sent: RecentIds,
        display_name: str = "",
    ) -> None:
        self._client = client
        self._buttons = buttons
        self._directs = directs
        self._sent = sent
        self.display_name = display_name
        self._not_bot = RecentIds(500)  # replied-to events known not to be the bot's

    async def read(self, room: MatrixRoom, event: Event) -> VonkEvent | None:
        """The neutral event for a room event (its text cleaned, :mod:`bot.clean`), or None
        when the bot does not react to it."""
        found = await self._translate(room, event)
        return clean_event(found) if found is not None else None

    async def _translate(self, room: MatrixRoom, event: Event) -> VonkEvent | None:
        if event.sender == self._client.user_id:
            return None
        if isinstance(event, ReactionEvent):
            return await self._reaction(room, event)
        if isinstance(event, RoomMessageText) and not is_edit(event):
            return await self._text(room, event)
        return None  # notices, emotes, edits, state, media from members ...

    async def _reaction(self, room: MatrixRoom, event: ReactionEvent) -> ButtonPress | None:
        offer = await self._buttons.find(room.room_id, event.reacts_to)
        chosen = offer.by_emoji(event.key) if offer else None
        if offer is None or chosen is None:
            return None
        return ButtonPress(
            chat_of(room, self._directs),
            sender_of(room, event.sender),
            await self._buttons.payload(chosen),
            event_id=event.event_id,
            message_id=offer.event_id,
        )

    async def _text(self, room: MatrixRoom, event: RoomMessageText) -> VonkEvent | None:
        own = self._client.user_id
        names = {self.display_name, room.user_name(own) or ""} - {""}
        found = analyse(event.source.get("content", {}), own, names)
        chat = chat_of(room, self._directs)
        sender = sender_of(room, event.sender)
        number = parse_number(found.text)
        if number is not None:
            offer = await self._buttons.latest(room.room_id)
            chosen = offer.by_number(number) if offer else None
            if offer is not None and chosen is not None:
                return ButtonPress(
                    chat,
                    sender,
                    await self._buttons.payload(chosen),
                    event_id=event.event_id,
                    message_id=offer.event_id,
                )
        reply_to_bot = bool(found.reply_to) and await self._is_bot_event(
            room.room_id, found.reply_to or ""
        )
        return IncomingMessage(
            chat,
            sender,
            found.text,
            event_id=event.event_id,
            mentions_bot=found.mentions_bot,
            reply_to_bot=reply_to_bot,
            mentions=found.mentions,
            reply_to=found.reply_to,
            received_at=datetime.fromtimestamp(event.server_timestamp / 1000, UTC),
            message_id=event.event_id,
            thread_id=found.thread_id,
        )

    async def _is_bot_event(self, room_id: str, event_id: str) -> bool:
        """Replies to the bot's messages address it; after a restart ask the server whose."""
        if event_id in self._sent:
            return True
        if event_id in self._not_bot:
            return False
        resp = await self._client.room_get_event(room_id, event_id)
        if isinstance(resp, RoomGetEventResponse):
            if resp.event.sender == self._client.user_id:
                self._sent.add(event_id)
                return True
            self._not_bot.add(event_id)
        else:
            log.debug("could not fetch replied-to event %s: %s", event_id, resp)
        return False

"""Which bot messages in a room offered choices, kept in storage so a restart loses none.

Per room: the most recent messages with options (event id -> what each option stands for,
and the offered emoji), newest last. A typed number answers the newest; a reaction answers
whichever remembered message it was put on, so an older call in a group can still be answered
with 👍.

An option is remembered as the short id of its payload (``ButtonPayloadStore``), as Telegram
keeps it in its callback data: the room's memory names nobody, and a payload removed since
(forgetting a member removes the buttons about them) answers "this button no longer works".
Offers saved by earlier versions hold the payloads themselves; they still work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.adapters.matrix.render import normalise_emoji
from bot.clock import Clock
from bot.core import Button
from storage.repositories.state import AdapterStateStore, ButtonPayloadStore

PLATFORM = "matrix"
KEEP_PER_ROOM = 20


@dataclass(frozen=True)
class Offer:
    """One bot message with options."""

    event_id: str
    payloads: tuple[str, ...]  # short ids of the payloads (earlier: the payloads)
    emojis: tuple[str | None, ...]

    def by_number(self, number: int) -> str | None:
        return self.payloads[number - 1] if 1 <= number <= len(self.payloads) else None

    def by_emoji(self, key: str) -> str | None:
        wanted = normalise_emoji(key)
        for payload, emoji in zip(self.payloads, self.emojis, strict=True):
            if emoji and normalise_emoji(emoji) == wanted:
                return payload
        return None


class ButtonMemory:
    def __init__(
        self,
        state: AdapterStateStore,
        payloads: ButtonPayloadStore | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._state = state
        self._payloads = payloads
        self._clock = clock
        self._cache: dict[str, list[Offer]] = {}

    async def refs(self, buttons: Sequence[Button]) -> tuple[str, ...]:
        """What to remember of each button: its payload's short id."""
        if self._payloads is None or self._clock is None:
            return tuple(b.payload for b in buttons)
        now = self._clock.now()
        return tuple([b.ref or await self._payloads.short_id(b.payload, now=now) for b in buttons])

    async def payload(self, remembered: str) -> str:
        """The payload an option stands for; '' when it no longer exists."""
        if self._payloads is None or not (remembered.isascii() and remembered.isdigit()):
            return remembered  # saved before options were short ids
        return await self._payloads.payload(remembered) or ""

    @staticmethod
    def _key(room_id: str) -> str:
        return f"buttons:{room_id}"

    async def _load(self, room_id: str) -> list[Offer]:
        if room_id not in self._cache:
            raw = await self._state.get(PLATFORM, self._key(room_id))
            offers = []
            for item in json.loads(raw) if raw else []:
                offers.append(
                    Offer(item["event_id"], tuple(item["payloads"]), tuple(item["emojis"]))
                )
            self._cache[room_id] = offers
        return self._cache[room_id]

    async def remember(self, room_id: str, offer: Offer) -> None:
        offers = [o for o in await self._load(room_id) if o.event_id != offer.event_id]
        offers = [*offers, offer][-KEEP_PER_ROOM:]
        self._cache[room_id] = offers
        data = [
            {"event_id": o.event_id, "payloads": list(o.payloads), "emojis": list(o.emojis)}
            for o in offers
        ]
        await self._state.set(PLATFORM, self._key(room_id), json.dumps(data, ensure_ascii=False))

    async def revise(self, room_id: str, event_id: str, offer: Offer | None) -> None:
        """The message was edited: its options are now ``offer`` (None: it has none), in the
        same place among the room's offers (an edit does not make it the newest)."""
        offers = await self._load(room_id)
        revised = [
            offer if o.event_id == event_id else o
            for o in offers
            if o.event_id != event_id or offer is not None
        ]
        if revised == offers:
            return
        self._cache[room_id] = [o for o in revised if o is not None]
        data = [
            {"event_id": o.event_id, "payloads": list(o.payloads), "emojis": list(o.emojis)}
            for o in self._cache[room_id]
        ]
        await self._state.set(PLATFORM, self._key(room_id), json.dumps(data, ensure_ascii=False))

    async def latest(self, room_id: str) -> Offer | None:
        offers = await self._load(room_id)
        return offers[-1] if offers else None

    async def find(self, room_id: str, event_id: str) -> Offer | None:
        for offer in await self._load(room_id):
            if offer.event_id == event_id:
                return offer
        return None

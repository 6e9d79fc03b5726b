"""Which bot messages in a room offered choices, kept in storage so a restart loses none.

Per room: the most recent messages with options (event id -> payloads and offered emoji),
newest last. A typed number answers the newest; a reaction answers whichever remembered
message it was put on, so an older call in a group can still be answered with 👍.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.adapters.matrix.render import normalise_emoji
from storage.repositories.state import AdapterStateStore

PLATFORM = "matrix"
KEEP_PER_ROOM = 20


@dataclass(frozen=True)
class Offer:
    """One bot message with options."""

    event_id: str
    payloads: tuple[str, ...]
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
    def __init__(self, state: AdapterStateStore) -> None:
        self._state = state
        self._cache: dict[str, list[Offer]] = {}

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

    async def latest(self, room_id: str) -> Offer | None:
        offers = await self._load(room_id)
        return offers[-1] if offers else None

    async def find(self, room_id: str, event_id: str) -> Offer | None:
        for offer in await self._load(room_id):
            if offer.event_id == event_id:
                return offer
        return None

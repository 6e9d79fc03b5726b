"""Which rooms are direct chats: the bot's ``m.direct`` account data, plus a fallback guess.

Matrix has no "private chat" room type. Clients record direct rooms per account in the
``m.direct`` account data ({user id: [room ids]}); the inviter's ``is_direct`` flag says the
same for a new invite. Rooms that predate both are recognised as an unnamed room with exactly
two members (the bot and one person).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class RoomView(Protocol):
    """The little of nio's ``MatrixRoom`` this module reads (kept nio-free for tests)."""

    is_named: bool
    member_count: int


class DirectRooms:
    def __init__(self) -> None:
        self._by_user: dict[str, list[str]] = {}

    def load(self, content: Mapping[str, Any]) -> None:
        """Replace what is known with the ``m.direct`` content from the server."""
        self._by_user = {
            str(user): [str(r) for r in rooms]
            for user, rooms in content.items()
            if isinstance(rooms, list)
        }

    def content(self) -> dict[str, list[str]]:
        return {user: list(rooms) for user, rooms in self._by_user.items()}

    def add(self, user_id: str, room_id: str) -> bool:
        """Record a direct room; False when it was already known (nothing to write back)."""
        rooms = self._by_user.setdefault(user_id, [])
        if room_id in rooms:
            return False
        rooms.append(room_id)
        return True

    def rooms_with(self, user_id: str) -> list[str]:
        """Newest first: a person's latest direct room is the one they will look at."""
        return list(reversed(self._by_user.get(user_id, [])))

    def user_of(self, room_id: str) -> str | None:
        for user, rooms in self._by_user.items():
            if room_id in rooms:
                return user
        return None

    def is_direct(self, room_id: str, room: RoomView | None) -> bool:
        if self.user_of(room_id) is not None:
            return True
        return room is not None and not room.is_named and room.member_count == 2

    def __contains__(self, room_id: str) -> bool:
        return self.user_of(room_id) is not None

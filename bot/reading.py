"""Free text read once: what a message means (kennis' ``Search.respond``), remembered for the
few seconds between the intake's look and the handling of the same message.

The intake reads an unaddressed group line to decide whether it needs an answer at all (most
do not, and then nothing is written); if it does, the unit of work that answers it finds the
reading here instead of encoding the text a second time.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from bot.core import IncomingMessage

if TYPE_CHECKING:
    from kennis.search import Response, Search
    from storage import Storage
    from storage.records import Member

REMEMBERED = 256  # readings kept: more than the events in flight at once


class Reader:
    def __init__(self, search: Search | None) -> None:
        self._search = search
        self._recent: OrderedDict[tuple[str, str, str, str], Response] = OrderedDict()

    @property
    def available(self) -> bool:
        return self._search is not None

    async def read(
        self,
        message: IncomingMessage,
        *,
        network_id: int,
        asker: Member | None = None,
        storage: Storage | None = None,
    ) -> Response | None:
        """What the message means and, for a request, who fits; None without a search.
        ``storage``: the unit of work answering it (the search keeps in step through it)."""
        if self._search is None:
            return None
        key = (
            message.platform,
            message.chat.chat_id,
            message.sender.platform_user_id,
            message.text,
        )
        found = self._recent.pop(key, None)
        if found is not None and (asker is None or found.answer is None):
            return found
        if found is not None:  # read before the asker was known: same vector, no encode
            return await self._search.respond_to(
                found, network_id=network_id, asker=asker, storage=storage
            )
        response = await self._search.respond(
            message.text,
            network_id=network_id,
            asker=asker,
            direct=message.chat.is_direct,
            addressed=message.addressed,
            storage=storage,
        )
        if asker is None:
            self._recent[key] = response
            while len(self._recent) > REMEMBERED:
                self._recent.popitem(last=False)
        return response

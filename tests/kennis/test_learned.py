"""Learning from outcomes: a need a member was seen to meet becomes evidence for similar needs,
on the search's own score scale, with their skill as the "why"; forgotten with the member."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kennis.embedding import HashingEmbedder
from kennis.search import Search
from storage import Storage
from storage.records import MemberImportRow

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
async def storage(tmp_path: Path):
    store = await Storage.open(f"sqlite+aiosqlite:///{tmp_path / 'learned.db'}")
    yield store
    await store.close()


async def test_a_met_need_counts_for_similar_needs_until_forgotten(storage: Storage) -> None:
    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    rows = [
        MemberImportRow(2, "piet", "Piet", ("klussen in en om het huis",), "", ""),
        MemberImportRow(3, "saar", "Saar", ("ramen lappen",), "", ""),
        MemberImportRow(4, "joop", "Joop", ("fietsen repareren",), "", ""),
    ]
    await storage.members.import_rows(
        net.id, rows, language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    search = Search(HashingEmbedder(256), storage)
    question = "de dakgoot loopt over"

    async def score(handle: str) -> float:
        answer = await search.ask(question, network_id=net.id, limit=10, min_score=-1e9)
        return next(m.score for m in answer.members if m.member.handle == handle)

    before = await score("piet")
    piet = await storage.members.by_handle(net.id, "piet")
    assert piet is not None
    async with storage.unit_of_work() as work:  # as the handler of an accepted contact does
        assert await work.learned.record(
            net.id,
            piet.id,
            need="dakgoot schoonmaken",
            skill=piet.skills[0],
            source="contact",
            now=NOW,
        )
        assert not await work.learned.record(  # the same need once
            net.id,
            piet.id,
            need="dakgoot  schoonmaken",
            skill=piet.skills[0],
            source="thanks",
            now=NOW,
        )
    after = await score("piet")
    assert after > before, (before, after)
    answer = await search.ask(question, network_id=net.id, limit=10, min_score=-1e9)
    best = answer.members[0]
    assert best.member.handle == "piet" and best.why == "klussen in en om het huis"

    await storage.privacy.forget(piet.id, now=NOW)
    assert await storage.learned.for_members([piet.id]) == {}

"""Repositories on a fresh SQLite file and PostgreSQL database: records out, constraints kept, migrations applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Storage
from storage.records import MemberImportRow, Role
from storage.repositories.inbox import NewEvent

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


pytestmark = pytest.mark.both_databases


@pytest.fixture
async def storage(db_url: str):
    store = await Storage.open(db_url)
    yield store
    await store.close()


async def test_migrations_reach_head_and_are_idempotent(storage: Storage) -> None:
    first = await storage.db.current_revision()
    await storage.db.upgrade()
    assert first is not None and await storage.db.current_revision() == first


async def test_members_accounts_and_skills(storage: Storage) -> None:
    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    anna = await storage.members.create(
        net.id,
        handle="Anna de Vries",
        display_name="Anna",
        language="nl",
        timezone="Europe/Amsterdam",
        now=NOW,
    )
    twin = await storage.members.create(
        net.id,
        handle="anna_de_vries",
        display_name="Anna 2",
        language="nl",
        timezone="Europe/Amsterdam",
        now=NOW,
    )
    assert (anna.handle, twin.handle) == ("anna_de_vries", "anna_de_vries2")
    assert anna.joined_at == NOW and anna.joined_at.tzinfo is not None

    await storage.members.link_account(anna.id, "telegram", "42", username="anna")
    found = await storage.members.by_account("telegram", "42")
    assert found is not None and found[0].id == anna.id and found[1].username == "anna"

    added = await storage.members.add_skills(anna.id, ["Fietsen", "koken", "fietsen "], now=NOW)
    assert added == ["Fietsen", "koken"]
    assert await storage.members.remove_skill(anna.id, "KOKEN")
    updated = await storage.members.update(anna.id, role=Role.INITIATOR, findable=True)
    assert updated.role is Role.INITIATOR and updated.skills == ("Fietsen",)
    assert (await storage.members.by_handle(net.id, "@ANNA_DE_VRIES")).id == anna.id
    with pytest.raises(ValueError):
        await storage.members.update(anna.id, handle="x")


async def test_cells_for_an_example_are_kept_until_this_process_adds_one(
    storage: Storage,
) -> None:
    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    assert await storage.networks.cells_recent(net.id) == []
    await storage.networks.ensure_cell(net.id, "West")
    assert [c.name for c in await storage.networks.cells_recent(net.id)] == ["West"]
    async with storage.unit_of_work() as bound:  # an import adds a cell in its unit of work
        await bound.members.import_rows(
            net.id,
            [MemberImportRow(2, "kees", "Kees", (), "", "Oost")],
            language="nl",
            timezone="Europe/Amsterdam",
            now=NOW,
        )
    assert [c.name for c in await storage.networks.cells_recent(net.id)] == ["Oost", "West"]


async def test_import_upserts_atomically(storage: Storage) -> None:
    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    rows = [
        MemberImportRow(2, "kees", "Kees", ("tuinieren",), "", "Oost"),
        MemberImportRow(3, "lies", "Lies", ("koken", "bakken"), "Ik kook.", "#oost"),
    ]
    assert await storage.members.import_rows(
        net.id, rows, language="nl", timezone="Europe/Amsterdam", now=NOW
    ) == (2, 0)
    again = [MemberImportRow(2, "Kees", "Kees B", ("snoeien",), "", "")]
    assert await storage.members.import_rows(
        net.id, again, language="nl", timezone="Europe/Amsterdam", now=NOW
    ) == (0, 1)
    members = {m.handle: m for m in await storage.members.list(net.id)}
    assert members["kees"].display_name == "Kees B" and members["kees"].skills == ("snoeien",)
    assert members["kees"].cell_id is None
    assert [c.name for c in await storage.networks.cells(net.id)] == ["Oost"]  # one folded cell
    assert members["lies"].findable and members["lies"].invitable


def _event(key: str) -> NewEvent:
    return NewEvent("telegram", key, "42", {"text": "hoi"})


async def test_inbox_takes_an_event_once_and_state_survives(db_url: str) -> None:
    url = db_url
    store = await Storage.open(url)
    [first] = await store.inbox.store([_event("1001")], worker="w1", now=NOW, lease=LEASE)
    assert first is not None and first.payload == {"text": "hoi"}
    assert await store.inbox.store([_event("1001")], worker="w1", now=NOW, lease=LEASE) == [None]
    assert await store.inbox.finish(first, now=NOW)
    assert not await store.inbox.finish(first, now=NOW)  # done once
    await store.adapter_state.set("telegram", "offset", "1002")
    short = await store.buttons.short_id("pledge:call:12:yes", now=NOW)
    await store.close()

    store = await Storage.open(url)  # a restart
    assert await store.inbox.store([_event("1001")], worker="w2", now=NOW, lease=LEASE) == [None]
    assert await store.adapter_state.get("telegram", "offset") == "1002"
    assert await store.buttons.payload(short) == "pledge:call:12:yes"
    assert await store.buttons.short_id("pledge:call:12:yes", now=NOW) == short
    assert await store.buttons.payload("nonsense") is None
    await store.close()


async def test_naive_datetimes_are_refused(storage: Storage) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await storage.networks.create("x", language="nl", timezone="UTC", now=datetime(2026, 1, 1))


async def test_editing_a_call_moves_its_pledges_and_fills_from_the_waiting_list(
    storage: Storage,
) -> None:
    from storage.repositories.calls import CallStatus, PledgeStatus

    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    people = [
        await storage.members.create(
            net.id,
            handle=f"m{i}",
            display_name=f"M{i}",
            language="nl",
            timezone="Europe/Amsterdam",
            now=NOW,
        )
        for i in range(4)
    ]
    call = await storage.calls.create(
        net.id,
        people[0].id,
        title="Soep",
        starts_at=NOW + timedelta(days=2),
        has_time=True,
        cell_id=None,
        people_needed=1,
        now=NOW,
    )
    pledges = [
        (
            await storage.pledges.create(
                net.id,
                m.id,
                what=call.title,
                due_at=call.starts_at,
                due_has_time=True,
                now=NOW,
                call_id=call.id,
            )
        ).pledge
        for m in people[1:]
    ]
    assert [p.status for p in pledges] == [
        PledgeStatus.PLEDGED,
        PledgeStatus.WAITING,
        PledgeStatus.WAITING,
    ]
    later = NOW + timedelta(days=3, hours=4)
    change = await storage.calls.update(
        call.id,
        title="Soep koken",
        starts_at=later,
        has_time=True,
        cell_id=None,
        people_needed=2,
        now=NOW,
    )
    assert change.moved and change.before.title == "Soep" and change.after.status is CallStatus.FULL
    assert [p.id for p in change.promoted] == [pledges[1].id]  # the first in line, only one place
    after = {p.id: p for p in await storage.pledges.of_call(call.id)}
    assert [after[p.id].status for p in pledges] == [
        PledgeStatus.PLEDGED,
        PledgeStatus.PLEDGED,
        PledgeStatus.WAITING,
    ]
    assert all(p.due_at == later and p.what == "Soep koken" for p in after.values())
    fewer = await storage.calls.update(
        call.id,
        title="Soep koken",
        starts_at=later,
        has_time=True,
        cell_id=None,
        people_needed=1,
        now=NOW,
    )
    assert not fewer.moved and not fewer.promoted and fewer.after.status is CallStatus.FULL
    assert (
        sum(p.status is PledgeStatus.PLEDGED for p in await storage.pledges.of_call(call.id)) == 2
    )
    unlimited = await storage.calls.update(
        call.id,
        title="Soep koken",
        starts_at=later,
        has_time=True,
        cell_id=None,
        people_needed=None,
        now=NOW,
    )
    assert unlimited.after.status is CallStatus.OPEN and [p.id for p in unlimited.promoted] == [
        pledges[2].id
    ]

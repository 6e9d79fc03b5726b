"""Forget means gone, at once: right after /vergeet-mij, with the bot still running, no
database file (the database, its -wal and -shm files) holds the member's name, handle,
skills, chat ids or the buttons about them, readable or not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from tests.conftest import START

MEMBERS = """handle,name,skills,about,cell,telegram,matrix
sanne,Sanne,organiseren,,Oost,,
tamara,Tamara,koken,,Oost,,
quirijn,Quirijn Zwaneveld,xylofoonbouw;zeepkistenrace,Bouwt graag,Oost,987654321,@qzw:buurt.example
"""
# Everything that identifies Quirijn, as bytes on disk (lower case: compared case-blind).
NEEDLES = (
    b"quirijn",
    b"zwaneveld",
    b"xylofoonbouw",
    b"zeepkistenrace",
    b"987654321",
    b"qzw:buurt",
    b"bouwt graag",
)
LIFE = """
sanne: /oproep Zeepkisten schuren zaterdag 10:00 #Oost 3 mensen
sanne@dm: [2]
quirijn@dm: [1]
quirijn@dm: /doe zolder opruimen morgen
quirijn@dm: /klaar 2 2 uur
quirijn@dm: De zolder is eindelijk leeg.
tamara: wie kan helpen met xylofoonbouw?
tamara: [1]
quirijn@dm: [1]
quirijn: /bedankt @tamara voor de soep
tamara: /bedankt @quirijn voor de xylofoon
quirijn@dm: /mijngegevens
quirijn@dm: /profiel
"""


def traces(database: Path) -> dict[str, list[bytes]]:
    """Per database file, the needles found in it (any case)."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            data = path.read_bytes().lower()
            found[path.name] = [n for n in NEEDLES if n in data]
    return found


def wal_size(database: Path) -> int:
    return Path(f"{database}-wal").stat().st_size


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_forget_leaves_no_trace_in_any_database_file_while_the_bot_runs(
    settings: Settings, tmp_path: Path
) -> None:
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    clock = SimulatedClock(START)
    app = await open_app(settings, clock=clock)
    await import_file(app, csv)
    network = await app.network()
    storage = app.services.storage
    sanne = await storage.members.by_handle(network.id, "sanne")
    assert sanne is not None
    await storage.members.update(sanne.id, role=Role.INITIATOR)
    out = io.StringIO()
    console = ConsoleAdapter(out, storage=storage, clock=clock)
    app.add_adapter(console)
    await app.start(background=False)
    await storage.chats.ensure(network.id, "console", "groep", kind="group", title="groep")
    database = Path(storage.db.engine.url.database or "")
    try:
        for line in LIFE.strip().splitlines():
            await console.feed(line)
        text = out.getvalue()
        assert "vonk: Ik heb Quirijn Zwaneveld privé gevraagd" in text  # the contact button
        assert "  [document] " in text  # his export
        before = traces(database)
        assert set(before["vonk.db-wal"]) == set(NEEDLES), before  # he is on disk everywhere

        await console.feed("quirijn@dm: /vergeet-mij")
        await console.feed("quirijn@dm: [1]")
        assert "[dm quirijn] vonk: Klaar: ik heb je gegevens gewist." in out.getvalue()

        left = traces(database)  # the bot still runs: nothing was closed or checkpointed by a stop
        assert left == {name: [] for name in left}, left
        assert wal_size(database) == 0  # the log was emptied after the commit

        # The buttons about him answer kindly, everywhere they are still on screen.
        await console.feed("tamara: [1]")
        assert (
            out.getvalue()
            .rstrip()
            .endswith(
                "[groep] vonk: Deze knop werkt niet meer. Kijk even naar mijn laatste bericht."
            )
        )
    finally:
        await close_app(app)

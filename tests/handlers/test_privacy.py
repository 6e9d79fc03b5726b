"""A member's data is theirs: the export holds all of it and nothing of anyone else's; after
/vergeet-mij no row in any table can be traced to them, while anonymous counts remain.

Both checks walk every table in ``Base.metadata``, so a table added later is covered too.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from actions.retention import prune_retention
from bot.cli import app as cli
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.exports import charts_dir, exports_dir
from bot.runtime import close_app, import_file, open_app
from storage import Storage
from storage.models import Base
from storage.records import Role
from storage.repositories.inbox import NewEvent
from storage.repositories.privacy import member_columns
from tests.conftest import START, ScriptRunner

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,koken,,Oost
dirk,Dirk,tuinieren,,Noord
quirijn,Quirijn Zwaneveld,opruimen;schuren schilderen,Ik ruim graag op.,Oost
"""
# What identifies Quirijn: handle (also his console user id and chat id) and names.
WORDS = ("quirijn", "zwaneveld")

# Quirijn leaves a trace in nearly every table: a pledge for a call (and its invitation), a
# done pledge with a story, a contact request he accepts, thanks both ways, a role change,
# a call and a lesson of his own, an open question, nudges; Dirk names him in a pledge.
LIFE = """
sanne: /oproep Speelveld opruimen zaterdag 10:00 #Oost 3 mensen
sanne@dm: [1]
quirijn@dm: [1]
quirijn@dm: /doe zolder opruimen morgen
quirijn@dm: /klaar 2 2 uur
quirijn@dm: Stoffig maar fijn.
tamara: wie kan helpen met opruimen?
tamara: [1]
quirijn@dm: [1]
tamara: /bedankt @quirijn voor het opruimen
quirijn: /bedankt @dirk voor de ladder
dirk: /doe quirijn helpen met de schuur morgen
dirk: /rol @quirijn initiatiefnemer
quirijn@dm: /oproep Schuur leegruimen zondag 14:00 2 mensen
quirijn@dm: [1]
quirijn: /les Zolder opruimen: begin klein, één doos per dag #opruimen
~ 4d
quirijn@dm: /profiel naam
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    """Four members who joined on 4 November; Sanne is an initiator, Dirk an admin."""
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings, clock=SimulatedClock(START - timedelta(days=20)))
    await import_file(app, csv)
    storage, network_id = app.services.storage, (await app.network()).id
    for handle, role in (("sanne", Role.INITIATOR), ("dirk", Role.ADMIN)):
        member = await storage.members.by_handle(network_id, handle)
        await storage.members.update(member.id, role=role)
    await close_app(app)
    return settings


async def dump(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    storage = await Storage.open(settings.effective_database_url)
    try:
        return await storage.privacy.dump_everything()
    finally:
        await storage.close()


async def member_id(settings: Settings, handle: str) -> int:
    storage = await Storage.open(settings.effective_database_url)
    try:
        network = await storage.networks.default()
        member = await storage.members.by_handle(network.id, handle)
        assert member is not None
        return member.id
    finally:
        await storage.close()


# Rows that name a member by a plain id: the change feed and the scheduler's member jobs.
BY_ID = {"changes": ("entity", "entity_id"), "jobs": ("kind", "ref_id")}


def points_at(table: str, row: dict[str, Any], member: int) -> bool:
    """The row references the member through a foreign key (or is the member)."""
    if table == "members":
        return row["id"] == member
    if table in BY_ID:
        kind, ref = BY_ID[table]
        return row[kind] == "member" and row[ref] == member
    columns = {c.name for c in member_columns(Base.metadata.tables[table])}
    return any(row[c] == member for c in columns)


def mentions(row: dict[str, Any]) -> bool:
    text = json.dumps(row, ensure_ascii=False).casefold()
    return any(word in text for word in WORDS)


def traces(everything: dict[str, list[dict[str, Any]]], member: int) -> list[str]:
    """Rows that point at the member by a foreign key or name them in any text.

    The one row allowed to keep the bare number is the change feed's last entry for them: it
    tells every search index to drop them, and the number resolves to nobody any more."""
    found = [
        f"{table}: {row}"
        for table, rows in everything.items()
        for row in rows
        if points_at(table, row, member) or mentions(row)
    ]
    tombstone = f"changes: {everything['changes'][-1]}"
    return [row for row in found if row != tombstone]


def attachment(out: str, kind: str) -> Path:
    (path,) = re.findall(rf"^  \[{kind}\] (\S+)$", out, re.MULTILINE)
    return Path(path)


async def test_export_has_every_table_with_only_the_members_rows(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(LIFE + "quirijn@dm: /mijngegevens\nquirijn: /mijngegevens\n")
    assert "[groep] vonk: Je gegevens stuur ik alleen in een privégesprek." in out
    # First a summary a person can read, then the full JSON.
    assert "[dm quirijn] vonk: Dit weet ik over je:" in out
    assert "• Naam: Quirijn Zwaneveld; cel: Oost" in out
    assert "• Wat je kunt: opruimen, schuren schilderen" in out
    assert "• Doe-bijdragen: 1 open, 1 gedaan (2 uur)" in out
    assert "• Oproepen die je plaatste: 1" in out
    assert "• Bedankjes die je kreeg: 1" in out
    assert "embedding" not in out.split("Dit weet ik over je:")[1].split("[")[0]
    path = attachment(out, "document")
    assert path.parent == exports_dir(network.data_dir)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["member"] == "quirijn" and document["format"] == 1
    exported = document["tables"]
    everything = await dump(network)
    quirijn = await member_id(network, "quirijn")

    assert set(exported) == set(Base.metadata.tables)  # every table, even when empty
    for table, rows in everything.items():
        mine = [row for row in rows if points_at(table, row, quirijn)]
        for row in mine:  # everything that points at him is in his export ...
            assert row in exported[table], (table, row)
        for row in exported[table]:  # ... and each exported row is his, nobody else's
            assert row in rows, (table, row)
            assert points_at(table, row, quirijn) or mentions(row), (table, row)
    # A life in the network touches many tables; all of them are in the export.
    for table in (
        "members", "accounts", "skills", "chats", "pledges", "call_invitations", "calls",
        "stories", "thanks", "contact_requests", "audit_log", "lessons", "conversations",
        "outbox", "nudge_reasons",
    ):  # fmt: skip
        assert exported[table], f"nothing exported from {table}"
    # Other members' own rows stay out (their skills, their pledges, their chats).
    tamara = await member_id(network, "tamara")
    assert not any(row["member_id"] == tamara for row in exported["skills"])
    assert not any(row.get("platform_chat_id") == "dm:tamara" for row in exported["chats"])
    assert not any(row["member_id"] not in (quirijn, None) for row in exported["pledges"])


async def test_forget_leaves_no_trace_but_keeps_anonymous_counts(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(LIFE + "quirijn@dm: /mijngegevens\nsanne@dm: /impact\n")
    export_file = attachment(out.split("sanne@dm: /impact")[0], "document")
    before = out.split("sanne@dm: /impact")[1]
    quirijn = await member_id(network, "quirijn")
    assert traces(await dump(network), quirijn)  # he is all over the database now

    out = await run_script("quirijn: /vergeet-mij\nquirijn@dm: [1]")
    assert "[groep] vonk: Ik heb je privé geantwoord." in out
    assert "Wil je dat ik je vergeet?" in out
    assert "[dm quirijn] vonk: Klaar: ik heb je gegevens gewist." in out
    # The console remembers every chat's buttons in memory until it restarts (a real platform
    # keeps them on its side), so the rest is played after a restart.
    out = await run_script("sanne@dm: /impact\ntamara: wie kan helpen met opruimen?")
    left = traces(await dump(network), quirijn)
    assert left == [], "\n".join(left)
    assert not export_file.exists()  # the export file on disk was his data too

    # Anonymous counts: his done pledge (2 hours) still counts; he no longer counts as a person.
    after = out.split("sanne@dm: /impact")[1]
    assert "• Doe-bijdragen gedaan: 1" in before and "• Doe-bijdragen gedaan: 1" in after
    assert "• Uren: 2 " in before and "• Uren: 2 " in after
    people = re.compile(r"• Actieve mensen: (\d+)")
    assert int(people.search(after)[1]) == int(people.search(before)[1]) - 1
    everything = await dump(network)
    kept = [p for p in everything["pledges"] if p["member_id"] is None]
    assert [(p["status"], p["hours"], p["what"]) for p in kept] == [("done", 2.0, "")]
    assert {p["what"] for p in everything["pledges"]} >= {"… helpen met de schuur"}
    assert [t["reason"] for t in everything["thanks"]] == ["", ""]  # counted, unnamed
    assert everything["stories"] == [] and everything["lessons"][-1]["author_name"] == ""
    # Search no longer finds him.
    assert "Quirijn" not in out.split("tamara: wie kan helpen met opruimen?")[1]


async def test_forget_asks_first_and_no_keeps_everything(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script("quirijn@dm: /vergeet-mij\nquirijn@dm: nee\nquirijn@dm: /profiel")
    assert "[dm quirijn] vonk: Goed, er verandert niets." in out
    assert "Quirijn Zwaneveld" in out.split("quirijn@dm: /profiel")[1]


def test_cli_export_and_forget(network: Settings, tmp_path: Path) -> None:
    env = {
        "VONK_DATA_DIR": str(network.data_dir),
        "VONK_DATABASE_URL": network.effective_database_url,
        "VONK_LOG_LEVEL": "WARNING",
    }
    runner = CliRunner()
    target = tmp_path / "quirijn.json"
    result = runner.invoke(cli, ["export", "--member", "quirijn", "-o", str(target)], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [m["handle"] for m in document["tables"]["members"]] == ["quirijn"]
    assert [s["text"] for s in document["tables"]["skills"]] == ["opruimen", "schuren schilderen"]

    result = runner.invoke(cli, ["forget", "--member", "quirijn"], env=env, input="n\n")
    assert result.exit_code == 1  # not confirmed: nothing happens
    result = runner.invoke(cli, ["forget", "--member", "quirijn", "--yes"], env=env)
    assert result.exit_code == 0, result.output
    assert "@quirijn is forgotten" in result.output and "members 1" in result.output
    result = runner.invoke(cli, ["export", "--member", "quirijn"], env=env)
    assert result.exit_code == 1 and "No member with handle 'quirijn'" in result.output


async def test_retention_prunes_old_events_outbox_and_files(
    network: Settings, run_script: ScriptRunner
) -> None:
    await run_script(LIFE + "quirijn@dm: /mijngegevens\nsanne@dm: /impact\n")
    storage = await Storage.open(network.effective_database_url)
    try:
        early = START.astimezone(UTC) - timedelta(days=40)
        for key, at in (("old", early), ("new", START)):
            [item] = await storage.inbox.store(
                [NewEvent("telegram", key, "1", {})], worker="w", now=at, lease=timedelta(1)
            )
            assert item is not None and await storage.inbox.finish(item, now=at)
        everything = await storage.privacy.dump_everything()
        sent_before = everything["outbox"]
        handled = len(everything["inbox"])  # the script's events and the two above
        assert sent_before and all(r["status"] == "sent" for r in sent_before)
        old_file = exports_dir(network.data_dir) / "member-99-old.json"
        old_file.write_text("{}", encoding="utf-8")
        day_ago = time.time() - 2 * 86400
        os.utime(old_file, (day_ago, day_ago))
        fresh_charts = list(charts_dir(network.data_dir).iterdir())

        class At:
            def __init__(self, now: datetime) -> None:
                self._now = now

            def now(self) -> datetime:
                return self._now

        # Twenty days on, nothing is old enough yet; forty days on, all of it.
        pruned = await prune_retention(storage, At(START + timedelta(days=20)), network)
        assert (pruned.inbox, pruned.outbox) == (1, 0)
        assert not old_file.exists() and all(p.exists() for p in fresh_charts)
        pruned = await prune_retention(storage, At(START + timedelta(days=40)), network)
        assert (pruned.inbox, pruned.outbox) == (handled - 1, len(sent_before))
        new = NewEvent("telegram", "old", "1", {})
        [again] = await storage.inbox.store([new], worker="w", now=START, lease=timedelta(1))
        assert again is not None  # the id was forgotten
    finally:
        await storage.close()


async def test_a_question_instead_of_the_answer_drops_forgetting(
    network: Settings, run_script: ScriptRunner
) -> None:
    """Something else than a yes or a no under "Alles wissen?" is read on its own, and the
    question is gone: a later "ja" meant for something else forgets nobody."""
    out = await run_script(
        "quirijn@dm: /vergeet-mij\nquirijn@dm: wie kan koken?\nquirijn@dm: ja\nquirijn@dm: /profiel"
    )
    cooking = out.split("quirijn@dm: wie kan koken?")[1].split("quirijn@dm:")[0]
    assert "Tamara" in cooking
    assert "Quirijn Zwaneveld" in out.split("quirijn@dm: /profiel")[1]

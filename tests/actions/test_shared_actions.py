"""The chat and the CLI take the same road: `vonk forget` is /vergeet-mij (a place the member
held goes to the first on the waiting list, who is told), `vonk role` is /rol (one audit entry
each), and a call can be closed or cancelled the same way by whoever may."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage import Storage
from storage.records import Role
from tests.conftest import ScriptRunner

pytestmark = pytest.mark.both_databases

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,organiseren,,Oost
dirk,Dirk,tuinieren,,Noord
tamara,Tamara,opruimen,,Oost
willem,Willem,opruimen,,Oost
chantal,Chantal,koken,,West
bart,Bart,fotografie,,West
"""
# No date: the CLI runs on the real clock, and a call whose moment passed promotes nobody.
FULL_CALL = """
sanne: /oproep Opruimen speelveld 2 mensen
sanne@dm: [1]
tamara: ik doe mee 1
willem: ik doe mee 1
chantal: ik doe mee 1
bart: ik doe mee 1
"""
PROMOTED = "vonk: Er is een plek vrijgekomen bij 'Opruimen speelveld': je doet nu mee"


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    """Six members; Sanne is an initiator, Dirk an admin."""
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings)
    await import_file(app, csv)
    storage, network_id = app.services.storage, (await app.network()).id
    for handle, role in (("sanne", Role.INITIATOR), ("dirk", Role.ADMIN)):
        member = await storage.members.by_handle(network_id, handle)
        assert member is not None
        await storage.members.update(member.id, role=role)
    await close_app(app)
    return settings


async def vonk(settings: Settings, *args: str) -> str:
    """`vonk ARGS` on this network, as an operator types it (in a thread: it runs its own
    event loop)."""
    env = {
        "VONK_DATA_DIR": str(settings.data_dir),
        "VONK_DATABASE_URL": settings.effective_database_url,
        "VONK_EMBEDDING_MODEL": "hashing",
        "VONK_LOG_LEVEL": "WARNING",
    }
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_forget_in_the_chat_and_on_the_command_line_both_tell_the_promoted_member(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(FULL_CALL)
    assert "[dm chantal] vonk: 'Opruimen speelveld' is vol, maar je staat op de wachtlijst." in out
    assert "[dm bart] vonk: 'Opruimen speelveld' is vol, maar je staat op de wachtlijst." in out

    out = await run_script("willem@dm: /vergeet-mij\nwillem@dm: [1]")
    assert "[dm willem] vonk: Klaar: ik heb je gegevens gewist." in out
    assert f"[dm chantal] {PROMOTED}" in out

    said = await vonk(network, "forget", "--member", "tamara", "--yes")
    assert "@tamara is forgotten" in said
    assert "Places they held: 1 went to members on a waiting list" in said
    # The running bot delivers what the operator's command queued (at the real time it ran).
    out = await run_script("", start=datetime.now(UTC) + timedelta(minutes=1))
    assert f"[dm bart] {PROMOTED}" in out
    assert "Willem" not in out and "Tamara" not in out  # nobody hears who left

    out = await run_script("sanne@dm: /oproep status 1")
    assert "Toegezegd:\n  • Chantal\n  • Bart" in out
    assert "Wachtlijst:\n  (nog niemand)" in out


async def test_forget_on_the_command_line_invites_the_next_fitting_member(
    network: Settings, run_script: ScriptRunner
) -> None:
    """With nobody waiting, the place goes to the next fitting member, as in the chat."""
    app = await open_app(network)
    try:
        storage, network_id = app.services.storage, (await app.network()).id
        sanne = await storage.members.by_handle(network_id, "sanne")
        tamara = await storage.members.by_handle(network_id, "tamara")
        assert sanne is not None and tamara is not None
        call = await storage.calls.create(
            network_id,
            sanne.id,
            title="Opruimen speelveld",
            starts_at=None,
            has_time=False,
            cell_id=None,
            people_needed=1,
            now=app.clock.now(),
        )
        await storage.pledges.create(
            network_id, tamara.id, what=call.title, due_at=None, due_has_time=False,
            now=app.clock.now(), call_id=call.id,
        )  # fmt: skip
    finally:
        await close_app(app)
    said = await vonk(network, "forget", "--member", "tamara", "--yes")
    assert "0 went to members on a waiting list, 1 fitting members were invited" in said
    out = await run_script("", start=datetime.now(UTC) + timedelta(minutes=1))
    assert "[dm willem] vonk: Hoi Willem! Sanne zoekt hulp bij 'Opruimen speelveld'" in out


async def test_role_in_the_chat_and_on_the_command_line_one_audit_entry_each(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script("dirk: /rol @tamara initiatiefnemer")
    assert "[groep] vonk: Tamara is nu initiatiefnemer." in out
    said = await vonk(network, "role", "@willem", "initiator")
    assert said.strip() == "Willem (@willem) is now initiator."

    storage = await Storage.open(network.effective_database_url)
    try:
        network_id = (await storage.networks.default()).id  # type: ignore[union-attr]
        entries = await storage.audit.recent(network_id)
        handles = {m.id: m.handle for m in await storage.members.list(network_id)}
        roles = {m.handle: m.role for m in await storage.members.list(network_id)}
    finally:
        await storage.close()
    by_operator, by_dirk, imported = entries  # newest first, and nothing else
    assert imported.action == "import" and imported.details["by"] == "operator"
    assert (handles[by_dirk.actor_id], handles[by_dirk.target_id]) == ("dirk", "tamara")
    assert by_dirk.details == {"role": "initiator", "previous": "member"}
    assert (by_operator.actor_id, handles[by_operator.target_id]) == (None, "willem")
    assert by_operator.details == {"role": "initiator", "previous": "member", "by": "operator"}
    assert roles["tamara"] is Role.INITIATOR and roles["willem"] is Role.INITIATOR


async def test_cancelling_a_call_hands_back_every_pledge_and_tells_each_member(
    network: Settings, run_script: ScriptRunner
) -> None:
    await run_script(FULL_CALL)
    out = await run_script(
        """
        tamara@dm: /oproep annuleer 1
        sanne@dm: /oproep annuleer 1
        sanne@dm: /oproep annuleer 1
        chantal: ik doe mee 1
        """
    )
    assert "[dm tamara] vonk: Oproepen plaatsen doen initiatiefnemers." not in out
    assert "[dm tamara] vonk: Een oproep sluiten kan alleen de initiatiefnemer." in out
    assert "'Opruimen speelveld' gaat niet door. Ik heb de 4 mensen die meededen" in out
    for who in ("tamara", "willem", "chantal", "bart"):  # pledged and waiting alike
        assert out.count(f"[dm {who}] vonk: 'Opruimen speelveld' gaat helaas niet door.") == 1
    assert "[groep] vonk: Oproep 1, 'Opruimen speelveld', gaat niet door." in out
    assert "'Opruimen speelveld' was al geannuleerd" in out  # twice tells nobody twice
    assert "vonk: Er is een plek vrijgekomen" not in out  # nobody was promoted
    assert "[groep] vonk: 'Opruimen speelveld' gaat niet door. Dank je" in out


async def test_lessons_language_and_questions_are_actions_with_their_own_checks(
    network: Settings, run_script: ScriptRunner
) -> None:
    """/les and the dashboard add notes alike; a note is changed by its author or an
    initiator, never by another member; a language outside the catalogs is refused; putting
    a question aside is for initiators."""
    from actions.lessons import edit_lesson
    from actions.members import set_language
    from actions.questions import dismiss_question
    from bot.errors import PermissionDenied, UserFacingError

    await run_script("tamara@dm: /les Soep: begin met uien #koken")
    app = await open_app(network)
    try:
        storage, network_id = app.services.storage, (await app.network()).id
        tamara = await storage.members.by_handle(network_id, "tamara")
        bart = await storage.members.by_handle(network_id, "bart")
        sanne = await storage.members.by_handle(network_id, "sanne")
        assert tamara is not None and bart is not None and sanne is not None
        [note] = [n for n in await storage.lessons.list(network_id) if n.author_id == tamara.id]
        with pytest.raises(PermissionDenied):
            async with app.work() as ctx:
                await edit_lesson(ctx, bart, note.id, title="x", text="y", tags=())
        async with app.work() as ctx:
            await edit_lesson(ctx, tamara, note.id, title="Soep", text="uien eerst", tags=())
        async with app.work() as ctx:
            changed = await edit_lesson(ctx, sanne, note.id, title="Soep!", text="uien", tags=())
        assert (changed.title, changed.text) == ("Soep!", "uien")
        with pytest.raises(UserFacingError):
            async with app.work() as ctx:
                await set_language(ctx, bart, "xx")
        now = app.clock.now()
        await storage.questions.record(network_id, bart.id, "xylofoon", now=now)
        [question] = await storage.questions.unresolved(network_id, since=now - timedelta(1))
        with pytest.raises(PermissionDenied):
            async with app.work() as ctx:
                await dismiss_question(ctx, bart, question.id)
        async with app.work() as ctx:
            assert await dismiss_question(ctx, sanne, question.id)
    finally:
        await close_app(app)


def test_a_long_topic_is_clipped_at_a_word() -> None:
    from actions.wording import clipped

    assert clipped("mijn fiets maken", 100) == "mijn fiets maken"
    long = "I got a letter from the tax office about an extra payment and I do not understand it"
    assert clipped(long, 40) == "I got a letter from the tax office…"
    assert len(clipped(long, 40)) <= 40
    assert clipped("x" * 50, 10) == "x" * 9 + "…"  # one long word: cut inside it

"""Abuse and safety: a per-person message rate limit, over-long messages, the audit log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.core import ButtonPress, ChatKind, ChatRef, Sender
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from tests.conftest import ScriptRunner


async def test_rate_limit_per_member_answered_once_then_quiet(
    settings: Settings, run_script: ScriptRunner
) -> None:
    config = settings.replace(message_rate_limit=3)
    out = await run_script(
        """
        anna: /hulp
        anna: /hulp
        anna: /hulp
        anna: /hulp
        anna: /hulp
        bram: /hulp
        ~ 2m
        anna: /hulp
        """,
        config=config,
    )
    turns = out.split("anna: /hulp\n")[1:]
    assert all(t.startswith("[groep] vonk: Dit kan ik voor je doen:") for t in turns[:3])
    assert turns[3].startswith("[groep] vonk: Rustig aan even: dat waren veel berichten")
    # The fifth is refused without a word: a flood gets one answer, not one per message.
    assert turns[4].startswith("bram: /hulp\n[groep] vonk: Dit kan ik voor je doen:")
    assert turns[5].startswith("[groep] vonk: Dit kan ik voor je doen:")  # a minute later


async def test_plain_text_floods_are_limited_too(
    settings: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        "\n".join(["kees@dm: hallo"] * 8 + ["bram: hoi allemaal"] * 30),
        config=settings.replace(message_rate_limit=3),
    )
    replies = [line for line in out.splitlines() if line.startswith("[dm kees] vonk:")]
    assert len(replies) == 4 and "Rustig aan even" in replies[3]
    # Chatter nobody answers is not counted, and costs nothing: no reply at all.
    assert "[groep]" not in out


async def test_too_long_messages_are_declined_kindly_only_when_addressed(
    settings: Settings, run_script: ScriptRunner
) -> None:
    config = settings.replace(max_message_length=40)
    long_text = "ik heb een hele lange vraag over fietsen en tuinieren en koken"
    out = await run_script(
        f"""
        anna@dm: {long_text}
        anna: {long_text}
        anna: /wie {long_text}
        anna@dm: /hulp
        """,
        config=config,
    )
    lines = out.splitlines()
    too_long = "Dat bericht is te lang voor mij (meer dan 40 tekens). Wil je het korter zeggen?"
    assert lines[1] == f"[dm anna] vonk: {too_long}"
    assert lines[2] == f"anna: {long_text}"  # an unaddressed group message: silence
    assert lines[3] == f"anna: /wie {long_text}" and lines[4] == f"[groep] vonk: {too_long}"
    assert lines[6] == "[dm anna] vonk: Dit kan ik voor je doen:"  # short ones still work


async def test_audit_log_keeps_role_changes_and_broadcasts(
    settings: Settings, run_script: ScriptRunner, tmp_path: Path
) -> None:
    csv = tmp_path / "leden.csv"
    csv.write_text("handle,name,skills,about,cell\ndirk,Dirk,,,\ntamara,Tamara,opruimen,,\n")
    app = await open_app(settings)
    await import_file(app, csv)
    storage, network = app.services.storage, await app.network()
    dirk = await storage.members.by_handle(network.id, "dirk")
    await storage.members.update(dirk.id, role=Role.ADMIN)
    await close_app(app)

    out = await run_script(
        """
        tamara: /rol @dirk lid
        dirk: /rol @tamara initiatiefnemer
        tamara@dm: /oproep Speelveld opruimen zaterdag 10:00 2 mensen
        tamara@dm: [2]
        """
    )
    assert "Rollen toekennen kunnen alleen beheerders." in out  # refused politely

    app = await open_app(settings)
    try:
        entries = await app.services.storage.audit.recent(network.id)
        tamara = await app.services.storage.members.by_handle(network.id, "tamara")
    finally:
        await close_app(app)
    broadcast, role_change, imported = entries  # newest first; the refused change left none
    assert (imported.action, imported.actor_id) == ("import", None)
    assert imported.details == {"created": 2, "updated": 0, "by": "operator"}
    assert (role_change.action, role_change.actor_id, role_change.target_id) == (
        "role_change",
        dirk.id,
        tamara.id,
    )
    assert role_change.details == {"role": "initiator", "previous": "member"}
    assert (broadcast.action, broadcast.actor_id) == ("broadcast", tamara.id)
    assert broadcast.details["everyone"] is True and broadcast.details["messages"] >= 2


BIG = ("9223372036854775808", "2147483648", "99999999999999999999999999")


@pytest.mark.both_databases
async def test_numbers_from_outside_never_break_a_write(
    settings: Settings, run_script: ScriptRunner, tmp_path: Path
) -> None:
    """Numbers past SQLite's 64 bits (OverflowError in the driver) or PostgreSQL's 32 bits
    ("out of int32 range"), and digits of other scripts, in every command that takes a
    number: each gets a kind answer, none an apology for a failure."""
    csv = tmp_path / "leden.csv"
    csv.write_text("handle,name,skills,about,cell\nsanne,Sanne,,,\nkees,Kees,,,\n")
    app = await open_app(settings)
    await import_file(app, csv)
    network = await app.network()
    sanne = await app.services.storage.members.by_handle(network.id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    await close_app(app)
    lines = [
        "kees@dm: /doe flyers rondbrengen morgen",
        f"kees@dm: /klaar 1 {BIG[0]} uur",
        "kees@dm: /klaar 1 1,5 uur",
    ]
    for number in (*BIG, "²", "٣"):
        lines += [
            f"kees@dm: /klaar {number}",
            f"kees@dm: /afzeggen {number}",
            f"kees@dm: /les {number}",
            f"kees: ik doe mee {number}",
            f"kees@dm: /pauze {number} dagen",
            f"sanne@dm: /oproep status {number}",
            f"sanne@dm: /oproep sluit {number}",
            f"sanne@dm: /oproep annuleer {number}",
        ]
    out = await run_script("\n".join(lines))
    assert "Oeps" not in out
    assert "Dat aantal uren kan ik niet noteren" in out
    assert "Dank je wel voor 'flyers rondbrengen'!" in out  # 1,5 hours were noted
    # status, close and cancel for every number; "ik doe mee" for the ASCII ones (the others
    # are no number to the phrase, so the group chatter is left alone)
    assert out.count("Die oproep ken ik niet.") == 3 * 5 + 3
    assert "Doe-bijdrage 9223372036854775808 ken ik niet bij jou." in out
    assert "Les 2147483648 ken ik niet." in out


@pytest.mark.both_databases
async def test_forged_button_payloads_are_explained_not_applied(settings: Settings) -> None:
    """Payloads arrive from outside too (a platform's callback data, a Matrix option): one
    that does not parse into its button's type is "this button no longer works"."""
    out = io.StringIO()
    app = await open_app(settings)
    app.add_adapter(ConsoleAdapter(out, echo=False))
    await app.start(background=False)
    try:
        dm = ChatRef("console", "dm:kees", ChatKind.DIRECT)
        for payload in (
            *(f"call:join:{n}" for n in BIG),
            "pledge:done:²",
            "onb:cell:٣",
            "pledge:hours:1:inf",
            "ask:contact:-1:fietsen",
            "privacy:forget:misschien",
            "nonsense",
            "",
        ):
            await app.intake.dispatch(ButtonPress(dm, Sender("kees", "Kees"), payload))
    finally:
        await close_app(app)
    answers = out.getvalue().splitlines()
    assert (
        answers
        == ["[dm kees] vonk: Deze knop werkt niet meer. Kijk even naar mijn laatste bericht."] * 10
    )


@pytest.mark.both_databases
async def test_control_and_invisible_characters_never_reach_the_database(
    settings: Settings, run_script: ScriptRunner
) -> None:
    """A NUL broke every write on PostgreSQL; direction overrides and zero-width characters
    in names let one member pose as another in a list of names."""
    out = await run_script(
        """
        kees@dm: /start
        kees@dm: \u3164
        kees@dm: Ke\u202ees\u200b\x00 de Vries
        kees@dm: fietsen\x00 repareren en koken
        kees@dm: Oost\u2066\u2069
        kees@dm: ja
        kees@dm: ja
        kees@dm: /doe flyers\x00 rondbrengen\x1b[2J morgen
        kees@dm: /profiel
        """
    )
    assert "Oeps" not in out
    assert "Kies een naam van 1 tot 60 tekens." in out  # an invisible name is no name
    assert "[dm kees] vonk: Fijn, Kees de Vries!" in out
    assert "Genoteerd als doe-bijdrage 1: flyers rondbrengen[2J (woensdag 25 november)." in out
    profile = out.split("kees@dm: /profiel")[1]
    assert "Naam: Kees de Vries (@kees)" in profile and "Buurt: Oost\n" in profile
    said = "\n".join(line for line in out.splitlines() if line.startswith(("[", " ")))
    assert not {"\x00", "\x1b", "\u202e", "\u200b", "\u3164"} & set(said)

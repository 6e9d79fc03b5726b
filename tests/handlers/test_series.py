"""Recurring calls, played in the console on the simulated clock (START: Tuesday 24
November 2026, 10:00): "elke zaterdag 10:00" is confirmed, then makes one call per Saturday,
three weeks ahead, each with its own pledges; one is cancelled alone and never comes back;
pausing, resuming and ending are one command each; a vague repetition is asked back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SimulatedClock
from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from tests.conftest import START, ScriptRunner

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/databases.py)

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,koffie zetten;opruimen,,Oost
willem,Willem,koffie zetten;bankjes bouwen,,Oost
chantal,Chantal,koken;koffie zetten,,West
bart,Bart,opruimen;fotografie,,West
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings, clock=SimulatedClock(START))
    await import_file(app, csv)
    net = await app.network()
    sanne = await app.services.storage.members.by_handle(net.id, "sanne")
    assert sanne is not None
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    await close_app(app)
    return settings


SERIES = """
sanne@dm: /oproep Koffie-ochtend elke zaterdag 10:00 2 mensen
sanne@dm: [1]
"""
POST = "[groep] vonk: Oproep {id} van Sanne: Koffie-ochtend"


def without_edits(out: str) -> str:
    """The transcript without the bot's edits of earlier posts (a cancelled or paused date's
    post is edited in place; that is not a new message about it)."""
    kept: list[str] = []
    skipping = False
    for line in out.splitlines():
        if "vonk: (edit of" in line:
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept)


def lines_of(out: str, who: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"[dm {who}] vonk:")]


async def test_a_recurring_call_is_confirmed_then_made_three_weeks_ahead_once_each(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /oproep Koffie-ochtend elke zaterdag 10:00 2 mensen
        """
    )
    assert "Klopt deze terugkerende oproep?" in out
    assert "Wanneer: elke zaterdag om 10:00, vanaf 28 november" in out
    assert "Oproep 1 van" not in out  # nothing is posted before the confirmation
    out = await run_script(
        """
        sanne@dm: [1]
        tamara: ik doe mee 1
        tamara: ik doe mee 2
        willem: ik doe mee 2
        ~ 3d
        ~ 4d
        ~ 1d
        """
    )
    assert "Reeks 1 staat: elke zaterdag om 10:00. De eerste 3 oproepen staan erin" in out
    for call_id, day in ((1, "28 november"), (2, "5 december"), (3, "12 december")):
        assert out.count(POST.format(id=call_id)) == 1
        assert f"Wanneer: zaterdag {day} om 10:00" in out
    # One personal invitation for the batch, not three at once.
    first_week = out.split("~ 3d", 1)[0]
    invitations = [line for line in lines_of(first_week, "chantal") if "zoekt hulp bij" in line]
    assert len(invitations) == 1 and "28 november" in invitations[0]
    # Each occurrence has its own pledges: Tamara's reminder for the 28th names only that one.
    assert "Morgen staat 'Koffie-ochtend' op je lijst (zaterdag 28 november om 10:00)" in out
    for name in ("tamara", "willem"):
        assert f"[dm {name}] vonk: Top, je doet mee met 'Koffie-ochtend'" in out
    # A week on, the 19 December call is made, once, with its own invitation.
    assert out.count(POST.format(id=4)) == 1 and "zaterdag 19 december om 10:00" in out
    assert POST.format(id=5) not in out

    # A restart a day later (the job runs again): nothing is made twice.
    again = await run_script("~ 1d\nsanne@dm: /reeks", start=START + timedelta(days=8))
    assert POST.format(id=4) not in again and POST.format(id=5) not in again
    assert "Reeks 1: Koffie-ochtend, elke zaterdag om 10:00 (loopt). Volgende: oproep 2" in again


async def test_one_date_is_cancelled_alone_and_never_comes_back(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        SERIES
        + """
        tamara: ik doe mee 2
        sanne@dm: /oproep annuleer 2 Sinterklaas, het buurthuis is dicht
        ~ 7d
        ~ 7d
        ~ 7d
        sanne@dm: /reeks
        """
    )
    told = "[dm tamara] vonk: 'Koffie-ochtend' gaat helaas niet door."
    assert out.count(told) == 1
    assert "Reden: Sinterklaas, het buurthuis is dicht" in out
    assert "Oproep 2, 'Koffie-ochtend', gaat niet door." in out
    after = without_edits(out.split("/oproep annuleer 2", 1)[1])
    # The series goes on (19 and 26 December, 2 January), the 5th never returns.
    assert "Wanneer: zaterdag 5 december" not in after
    assert "Morgen staat 'Koffie-ochtend'" not in after.split("~ 7d", 1)[1].split("~ 7d", 1)[0]
    for day in ("19 december", "26 december", "2 januari 2027"):
        assert after.count(f"Wanneer: zaterdag {day} om 10:00") == 1
    assert "(loopt)" in after


async def test_pause_resume_and_stop_are_one_command_each(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        SERIES
        + """
        tamara: ik doe mee 3
        sanne@dm: /reeks pauze 1
        ~ 7d
        ~ 7d
        sanne@dm: /reeks
        sanne@dm: /reeks hervat 1
        sanne@dm: /reeks stop 1
        ~ 7d
        sanne@dm: /reeks
        """
    )
    assert "Reeks 1 (Koffie-ochtend) staat op pauze" in out
    paused = without_edits(
        out.split("sanne@dm: /reeks pauze 1", 1)[1].split("sanne@dm: /reeks hervat", 1)[0]
    )
    assert "van Sanne: Koffie-ochtend" not in paused  # no new dates while paused
    assert "(gepauzeerd)" in paused
    # Resumed on 8 December: the dates up to three weeks ahead that were missing are made.
    resumed = out.split("sanne@dm: /reeks hervat 1", 1)[1].split("sanne@dm: /reeks stop", 1)[0]
    assert "Reeks 1 (Koffie-ochtend) loopt weer; 2 nieuwe oproepen staan erin (4, 5)." in resumed
    stopped = without_edits(out.split("sanne@dm: /reeks stop 1", 1)[1])
    # Calls 4 and 5 had nobody: cancelled. Call 3 (12 December) has Tamara: it stays, named.
    assert "Reeks 1 (Koffie-ochtend) is gestopt" in stopped
    assert "2 oproepen waarvoor nog niemand zich had aangemeld gaan niet door (4, 5)." in stopped
    assert "Oproep 3 blijft staan, want daar doen al mensen aan mee." in stopped
    assert "gaat helaas niet door" not in stopped  # Tamara's date was not cancelled
    assert "Morgen staat 'Koffie-ochtend' op je lijst (zaterdag 12 december" in stopped
    assert "van Sanne: Koffie-ochtend" not in stopped  # nothing new after the end
    assert "Er zijn geen terugkerende oproepen." in stopped


async def test_a_vague_repetition_is_asked_back_never_guessed(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /oproep Koffie-ochtend elke week
        sanne@dm: zaterdag 10:00
        sanne@dm: [3]
        sanne@dm: /oproep Tuin om de week
        sanne@dm: weet ik nog niet
        sanne@dm: woensdag om 14:00
        sanne@dm: [3]
        """
    )
    assert "'elke week': op welke dag?" in out
    assert "Wanneer: elke zaterdag om 10:00, vanaf 28 november" in out
    assert "'om de week': op welke dag?" in out
    assert out.count("op welke dag?") == 3  # the answer without a day is asked once more
    assert "Wanneer: om de week op woensdag om 14:00, vanaf 25 november" in out
    assert "van Sanne" not in out  # cancelled drafts post nothing


async def test_the_guided_flow_recognises_a_recurrence(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /oproep
        sanne@dm: Repair café elke eerste maandag van de maand om 19:30
        sanne@dm: Oost
        sanne@dm: 3
        sanne@dm: [1]
        """
    )
    assert "Wat: Repair café" in out
    assert "Wanneer: elke eerste maandag van de maand om 19:30, vanaf 7 december" in out
    assert "Reeks 1 staat: elke eerste maandag van de maand om 19:30. De eerste oproep" in out
    assert "Wanneer: maandag 7 december om 19:30" in out
    assert "4 januari" not in out  # more than three weeks ahead: made later


def messages(out: str) -> list[str]:
    """The bot's messages, each with its continuation lines."""
    found: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("["):
            found.append([line])
        elif line.startswith("  ") and found and found[-1] is not None:
            found[-1].append(line)
        else:
            found.append([])
    return ["\n".join(m) for m in found if m]


async def test_three_weeks_of_a_network_no_dead_call_no_duplicate_no_silent_guess(
    network: Settings, run_script: ScriptRunner
) -> None:
    """Issue 15's "Done when": a cancelled call, a call that passed, a recurring call with
    one date cancelled alone, a late drop-out, and members answering in their own words."""
    out = await run_script(
        """
        sanne: /oproep Opruimen speelveld zaterdag 10:00 2 mensen
        sanne@dm: [1]
        sanne: /oproep Bankjes verven 12 december 3 mensen
        sanne@dm: [1]
        sanne@dm: /oproep Koffie-ochtend elke zaterdag 10:00 2 mensen
        sanne@dm: [1]
        tamara: ik doe mee
        tamara: [1]
        willem: ik doe mee 1
        chantal: ik doe mee 1
        tamara: ik doe mee 2
        sanne@dm: /oproep annuleer 2 de verf is nog niet geleverd
        bart: ik doe mee 4
        willem: ik doe mee 4
        chantal: ik doe mee 4
        sanne@dm: /oproep annuleer 5 kerstmarkt op het plein
        ~ 3d
        tamara@dm: nu even niet
        ~ 2d
        willem@dm: /klaar 2 anderhalf uur
        ~ 2d
        ~ 2d
        bart@dm: /afzeggen 5
        ~ 3d
        chantal@dm: [1]
        chantal@dm: twee uur
        ~ 7d
        bart@dm: /oproepen
        sanne@dm: /reeks
        """
    )
    week = out.split("\n~ 3d\n", 1)[1]  # from Friday 27 November on

    # No silent guess: "ik doe mee" with five calls open asks which one.
    assert "[groep] vonk: Bij welke oproep doe je mee?" in out
    assert "Top, je doet mee met 'Opruimen speelveld'" in out.split("tamara: [1]", 1)[1]

    # The cancelled call: Tamara hears it once, with the reason; then never again.
    assert out.count("[dm tamara] vonk: 'Bankjes verven' gaat helaas niet door.") == 1
    assert "Reden: de verf is nog niet geleverd" in out
    assert "Bankjes verven" not in week

    # The call that passed: no reminder after its day, nobody promoted, the waiting list
    # told once that it is over, and it is no longer offered.
    assert "plek vrijgekomen bij 'Opruimen speelveld'" not in out
    assert out.count("[dm chantal] vonk: 'Opruimen speelveld' is voorbij.") == 1
    assert "Dank je wel voor 'Opruimen speelveld'!" in out  # Willem's typed "anderhalf uur"
    listed = out.split("bart@dm: /oproepen", 1)[1].split("sanne@dm: /reeks", 1)[0]
    assert "Opruimen speelveld" not in listed

    # The recurring call: every Saturday once, three weeks ahead; 12 December cancelled alone
    # (nobody had pledged: only the group hears it) and never made again.
    for call_id, day in ((3, "28 november"), (4, "5 december"), (6, "19 december"),
                         (7, "26 december"), (8, "2 januari 2027")):  # fmt: skip
        posts = [m for m in messages(out) if m.startswith(POST.format(id=call_id) + "\n")]
        assert len(posts) == 1 and f"Wanneer: zaterdag {day} om 10:00" in posts[0]
    assert out.count("Oproep 5, 'Koffie-ochtend', gaat niet door.") == 1
    assert "12 december" not in week and "ik doe mee 5" not in week
    assert POST.format(id=9) not in out
    assert "Koffie-ochtend" in listed and "Reeks 1: Koffie-ochtend" in out

    # The late drop-out (Thursday before the 5 December coffee): the initiator hears it at
    # once, unnamed, and the waiting list's Chantal gets the place.
    assert (
        "[dm sanne] vonk: Iemand heeft zich kort van tevoren afgemeld voor 'Koffie-ochtend';"
        " er doen nu 2 mee. De eerste op de wachtlijst heeft de plek gekregen." in out
    )
    assert "[dm chantal] vonk: Er is een plek vrijgekomen bij 'Koffie-ochtend'" in out

    # Answers in their own words.
    assert "[dm tamara] vonk: Rust tot en met maandag 30 november." in out
    assert "Dank je wel voor 'Koffie-ochtend'!" in out.split("chantal@dm: twee uur", 1)[1]

    # No duplicate: no member receives the same message twice, no call is posted twice.
    direct = [m for m in messages(out) if m.startswith("[dm ")]
    assert [m for m in direct if direct.count(m) > 1] == []


async def test_help_mentions_recurring_calls(network: Settings, run_script: ScriptRunner) -> None:
    out = await run_script("sanne@dm: /hulp\nsanne@dm: /taal en\nsanne@dm: /help")
    assert "/reeks (initiatiefnemers): terugkerende oproepen" in out
    assert "/oproep Koffie-ochtend elke zaterdag 10:00 #Oost" in out
    assert "/series (initiators): see, pause, resume or stop recurring calls" in out


async def test_an_english_member_makes_a_series_in_english(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /taal en
        sanne@dm: /call Choir practice every first Monday of the month at 19:30
        sanne@dm: [3]
        sanne@dm: /call Choir practice every week
        """
    )
    assert "When: every first Monday of the month at 19:30, from 7 December" in out
    assert "'every week': on which day?" in out


async def test_an_impossible_start_is_asked_again_and_the_rule_stays(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /oproep Koffie-ochtend elke zaterdag 10:00 vanaf 31 november
        sanne@dm: 5 december
        """
    )
    assert "'31 november' kan ik niet als datum lezen." in out
    assert "Wat: Koffie-ochtend\n" in out
    assert "Wanneer: elke zaterdag om 10:00, vanaf 5 december" in out

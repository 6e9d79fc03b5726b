"""Nudges played on the simulated clock: right local time, quiet hours, caps, pause, opt-out,
catching up after downtime, and two schedulers on one database. No real sleeps."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.core import ChatKind, ChatRef, IncomingMessage, Sender
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from storage.repositories.calls import PledgeStatus
from tests.conftest import START, ScriptRunner

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/databases.py)

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,opruimen;zwerfafval prikken,,Oost
dirk,Dirk,opruimen;tuinieren,,Noord
willem,Willem,opruimen;bankjes bouwen,,Oost
chantal,Chantal,opruimen;koken,,West
bart,Bart,opruimen;fotografie,,West
lotte,Lotte,opruimen;honden uitlaten,,Zuid
umar,Umar,opruimen;auto repareren,,West
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings, clock=SimulatedClock(START))
    await import_file(app, csv)
    net = await app.network()
    sanne = await app.services.storage.members.by_handle(net.id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    await close_app(app)
    return settings


def dm_lines(out: str, who: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"[dm {who}] vonk: Hoi")]


def after(out: str, marker: str) -> str:
    return out.split(marker, 1)[1]


async def test_pledge_reminders_fire_at_their_local_times_then_lapse(
    run_script: ScriptRunner,
) -> None:
    out = await run_script(
        """
        kees@dm: /doe flyers rondbrengen vrijdag
        ~ 47h
        # Thursday 09:00: nothing yet
        ~ 1h
        # Thursday 10:00: the day before
        ~ 22h
        ~ 1h
        # Friday 09:00: the morning itself
        ~ 23h
        ~ 1h
        # Saturday 09:00: Gelukt?
        ~ 3d
        # Tuesday: no answer, the pledge lapsed quietly
        kees@dm: /mijn
        """
    )
    steps = out.split("\n~ ")
    assert "vonk" not in steps[1]  # 47h
    assert "Morgen staat 'flyers rondbrengen' op je lijst (vrijdag 27 november)." in steps[2]
    assert "vonk" not in steps[3]  # Friday 08:00
    assert "Vandaag: 'flyers rondbrengen' (vrijdag 27 november). Succes!" in steps[4]
    assert "vonk" not in steps[5]
    assert "Gelukt met 'flyers rondbrengen'?" in steps[6]
    assert (
        "[1] 1 gedaan  [2] Meer tijd  [3] Teruggeven  [4] Nu even niet  [5] Stop herinneringen"
        in steps[6]
    )
    lapsed = steps[7].split("kees@dm: /mijn")[0]
    assert len(dm_lines(lapsed, "kees")) == 1  # one kind line, no blame, nothing public
    assert "'flyers rondbrengen' (vrijdag 27 november) heb ik van je lijst gehaald" in lapsed
    assert "plek" not in lapsed  # a pledge of one's own holds no place in a call
    assert "[groep]" not in lapsed
    assert "Je hebt nog geen doe-bijdragen." in steps[7]

    # Weeks later the work turns out done all the same: reported in words, it counts.
    late = await run_script(
        "kees@dm: gelukt hoor, 2 uur\nkees@dm: /mijn", start=START + timedelta(days=25)
    )
    assert "Dank je wel voor 'flyers rondbrengen'!" in late
    assert "flyers rondbrengen (gedaan)" in late.split("kees@dm: /mijn")[1]


async def test_quiet_hours_and_one_bundled_message_a_day(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees@dm: /herinneringen stil 22-11
        kees@dm: /doe flyers rondbrengen vrijdag
        kees@dm: /doe soep koken vrijdag 18:00
        kees@dm: /doe posters ophangen donderdag 12:00
        ~ 24h
        # Wednesday 10:00: the day-before reminder waits for the end of kees's quiet hours
        ~ 1h
        ~ 23h
        # Thursday 10:00: still quiet for kees
        ~ 1h
        ~ 23h
        ~ 1h
        """
    )
    wednesday, wed_11, thursday_10, thursday_11, friday_10, friday_11 = out.split("\n~ ")[1:]
    assert "vonk" not in wednesday
    assert len(dm_lines(wed_11, "kees")) == 1 and "Morgen staat 'posters ophangen'" in wed_11
    assert "vonk" not in thursday_10
    # Thursday 11:00: three reasons, one message.
    assert len(dm_lines(thursday_11, "kees")) == 1
    assert "Morgen staat 'flyers rondbrengen'" in thursday_11
    assert "Morgen staat 'soep koken'" in thursday_11
    assert "Vandaag: 'posters ophangen'" in thursday_11
    assert "[1] 3 gedaan  [2] Nu even niet  [3] Stop herinneringen" in thursday_11
    assert "vonk" not in friday_10
    assert len(dm_lines(friday_11, "kees")) == 1
    assert "Vandaag: 'flyers rondbrengen'" in friday_11 and "Vandaag: 'soep koken'" in friday_11


async def test_at_most_one_nudge_a_day(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees@dm: /doe posters ophangen donderdag 12:00
        kees@dm: /doe flyers rondbrengen vrijdag
        ~ 47h
        ~ 1h
        ~ 23h
        """
    )
    thursday_9, thursday_10, friday = out.split("\n~ ")[1:]
    assert "Vandaag: 'posters ophangen'" in thursday_9
    # Friday's day-before reminder fell due at 10:00, but kees already heard from me today;
    # by Friday it is stale, and Friday's own reminder goes out instead.
    assert "vonk" not in thursday_10
    assert len(dm_lines(friday, "kees")) == 1 and "Vandaag: 'flyers rondbrengen'" in friday
    assert "Morgen staat 'flyers" not in out


async def test_pause_and_opt_out_hold(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees@dm: /doe flyers rondbrengen vrijdag
        kees@dm: /pauze 2 weken
        lies@dm: /doe soep koken vrijdag
        lies@dm: /herinneringen uit
        ~ 7d
        kees@dm: /herinneringen
        """
    )
    assert "Rust tot en met dinsdag 8 december." in out
    assert "Ik stuur je geen herinneringen meer." in out
    week = after(out, "~ 7d")
    assert not dm_lines(week, "kees") and not dm_lines(week, "lies")
    assert (
        "Herinneringen: gepauzeerd tot en met dinsdag 8 december. Stille uren: 21:00-09:00." in week
    )


async def test_not_now_and_stop_buttons(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees@dm: /doe flyers rondbrengen vrijdag
        ~ 2d
        kees@dm: [1]
        ~ 2d
        lies@dm: /doe soep koken morgen
        ~ 1d
        lies@dm: [3]
        """
    )
    thursday, saturday, sunday = out.split("\n~ ")[1:]
    assert "Morgen staat 'flyers rondbrengen'" in thursday
    assert "[dm kees] vonk: Rust tot en met zondag 29 november." in thursday
    assert not dm_lines(saturday, "kees")  # 'not now' holds: Friday and Saturday stay quiet
    assert "Vandaag: 'soep koken'" in sunday
    assert "[1] 2 gedaan  [2] Nu even niet  [3] Stop herinneringen" in sunday
    assert "[dm lies] vonk: Ik stuur je geen herinneringen meer." in sunday


async def test_joined_but_idle_members_get_at_most_three_weekly_nudges(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne: /oproep Opruimen speelveld zaterdag 5 december 10:00 #Oost 2 mensen
        sanne@dm: [1]
        ~ 3d
        ~ 7d
        ~ 7d
        ~ 7d
        """
    )
    first, second, third, fourth = out.split("\n~ ")[1:]
    for week in (first, second, third):
        # invited members already heard about the call; those not invited get a suggestion
        idle = [line for line in dm_lines(week, "bart") + dm_lines(week, "lotte")]
        assert idle, week
    assert "Deze oproepen passen misschien bij je:" in first
    assert "• Opruimen speelveld (zaterdag 5 december om 10:00)" in first
    assert "zoekt hulp" not in fourth and not dm_lines(fourth, "bart")


async def test_call_short_two_days_before_invites_the_next_members(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne: /oproep Opruimen speelveld zaterdag 10:00 4 mensen
        sanne@dm: [1]
        ~ 1d
        ~ 1d
        """
    )
    posted, wednesday, thursday = out.split("\n~ ")
    first = {line.split("]")[0] for line in posted.splitlines() if "zoekt hulp bij" in line}
    later = {line.split("]")[0] for line in thursday.splitlines() if "zoekt hulp bij" in line}
    assert len(first) == 5 and "zoekt hulp bij" not in wednesday
    assert len(later) == 2 and not (first & later)  # the two not asked yet; never anyone twice


async def test_weekly_digest_for_initiators(network: Settings, run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        sanne: /oproep Opruimen speelveld zaterdag 10:00 2 mensen
        sanne@dm: [1]
        tamara: ik doe mee 1
        tamara@dm: /klaar
        tamara@dm: [3]
        dirk@dm: /doe bankje schilderen morgen
        sanne@dm: /oproep Bankjes verven 12 december 3 mensen
        sanne@dm: [1]
        ~ 5d
        ~ 23h
        """
    )
    before, monday = out.split("\n~ ")[1:]
    assert "Je weekoverzicht" not in before
    digest = after(monday, "[dm sanne] vonk: Je weekoverzicht van het netwerk")
    # Saturday's call took place: only the one still ahead is open.
    assert "Open oproepen: 1" in digest
    assert "Bankjes verven" in digest and "Opruimen speelveld" not in digest
    # At most five newcomers by name, then a count.
    assert "Nieuwe leden: 8 (Bart, Chantal, Dirk, Lotte, Sanne en 3 anderen)" in digest
    assert "Deze week: 2 nieuwe doe-bijdragen, 1 gedaan (2 uur)." in digest
    assert "• Dirk: bankje schilderen" in digest  # overdue, for the initiator's eyes only
    assert "[dm tamara] vonk: Je weekoverzicht" not in out


async def start_app(settings: Settings, clock: SimulatedClock) -> tuple[App, io.StringIO]:
    out = io.StringIO()
    app = await open_app(settings, clock=clock)
    app.add_adapter(ConsoleAdapter(out, echo=False))
    await app.start(background=False)
    return app, out


def say(who: str, text: str) -> IncomingMessage:
    return IncomingMessage(ChatRef("console", f"dm:{who}", ChatKind.DIRECT), Sender(who, who), text)


async def test_restart_after_two_days_downtime_sends_due_once_and_skips_stale(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimulatedClock(START)
    app, _ = await start_app(settings, clock)
    await app.intake.dispatch(say("kees", "/doe flyers rondbrengen vrijdag"))
    await app.advance(clock, timedelta(hours=26))  # Wednesday 12:00
    await close_app(app)

    clock.advance(timedelta(days=2))  # down until Friday 12:00: Thursday's reminder is stale
    with caplog.at_level(logging.INFO):
        app, out = await start_app(settings, clock)
        await app.run_due()
        await app.advance(clock, timedelta(hours=6))
    await close_app(app)
    text = out.getvalue()
    assert "Morgen staat" not in text
    assert text.count("Vandaag: 'flyers rondbrengen'") == 1
    assert any(
        "skipped" in r.getMessage() and "day_before" in r.getMessage() for r in caplog.records
    )


async def test_two_schedulers_on_one_database_send_each_nudge_once(settings: Settings) -> None:
    clock = SimulatedClock(START)
    first, out1 = await start_app(settings, clock)
    second, out2 = await start_app(settings, clock)
    for i in range(12):
        await first.intake.dispatch(say(f"lid{i}", "/doe flyers rondbrengen vrijdag"))
    clock.advance(timedelta(hours=48))  # Thursday 10:00
    await asyncio.gather(first.run_due(), second.run_due(), first.run_due(), second.run_due())
    text = out1.getvalue() + out2.getvalue()
    for i in range(12):
        assert text.count(f"[dm lid{i}] vonk: Hoi lid{i}!\n  Morgen staat") == 1
    await close_app(first)
    await close_app(second)


async def test_more_time_asks_a_new_date(run_script: ScriptRunner, settings: Settings) -> None:
    out = await run_script(
        """
        kees@dm: /doe flyers rondbrengen morgen
        ~ 2d
        kees@dm: [2]
        kees@dm: volgende week woensdag
        ~ 4d
        """
    )
    assert "Geen probleem. Wat wordt de nieuwe datum voor 'flyers rondbrengen'?" in out
    assert "Prima, nieuwe datum: woensdag 2 december." in out
    app = await open_app(settings)
    member = await app.services.storage.members.by_handle((await app.network()).id, "kees")
    [pledge] = await app.services.storage.pledges.of_member(member.id, tuple(PledgeStatus))
    assert pledge.status is PledgeStatus.PLEDGED  # more time kept it from lapsing
    await close_app(app)

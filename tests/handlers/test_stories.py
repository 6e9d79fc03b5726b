"""Stories after a done pledge, /verhalen, the monthly digest; thanks; consent on names."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from actions.digests import monthly_story_digest
from bot.adapters.console import ConsoleAdapter
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from tests.conftest import START, ScriptRunner

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,opruimen,,Oost
dirk,Dirk,tuinieren,,Noord
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    """Sanne is the initiator; Dirk chose not to be findable."""
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings, clock=SimulatedClock(START - timedelta(days=20)))
    await import_file(app, csv)
    storage, network_id = app.services.storage, (await app.network()).id
    sanne = await storage.members.by_handle(network_id, "sanne")
    await storage.members.update(sanne.id, role=Role.INITIATOR)
    dirk = await storage.members.by_handle(network_id, "dirk")
    await storage.members.update(dirk.id, findable=False)
    await close_app(app)
    return settings


STORIES = """
tamara@dm: /doe flyers rondbrengen vandaag
tamara@dm: /klaar
tamara@dm: [2]
tamara@dm: De hele straat heeft er een, en ik sprak drie buren.
dirk@dm: /doe heg snoeien vandaag
dirk@dm: /klaar 2 1 uur
dirk@dm: Zwaar, maar mooi.
sanne@dm: /doe koffie zetten vandaag
sanne@dm: /klaar 3 1 uur
sanne@dm: [1]
"""


async def test_story_asked_after_done_skippable_and_undoable(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        STORIES
        + """
        tamara@dm: /doe ramen lappen vandaag
        tamara@dm: /klaar 4 1 uur
        tamara@dm: Oeps, dit was geen verhaal.
        tamara@dm: [1]
        tamara: /verhalen
        """
    )
    # The hours question first, then the story question, privately and skippable.
    hours, story = (
        out.index("Hoeveel uur was je er ongeveer mee bezig?"),
        out.index("[dm tamara] vonk: Hoe ging het met 'flyers rondbrengen'? Vertel het in één zin"),
    )
    assert hours < story
    assert "  [1] Overslaan" in out
    assert "[dm sanne] vonk: Prima, een andere keer misschien." in out
    assert "[dm tamara] vonk: Je verhaal is weggehaald." in out
    stories = out.split("tamara: /verhalen")[1]
    assert "[groep] vonk: Verhalen uit het netwerk:" in stories
    # Tamara is findable and named; Dirk is not, so he is "iemand".
    assert "• \"Zwaar, maar mooi.\" (iemand, bij 'heg snoeien')" in stories
    assert (
        '• "De hele straat heeft er een, en ik sprak drie buren." '
        "(Tamara, bij 'flyers rondbrengen')"
    ) in stories
    assert "Oeps" not in stories and "Dirk" not in stories


async def test_a_story_question_left_for_days_does_not_take_the_next_message(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        tamara@dm: /doe ramen lappen vandaag
        tamara@dm: /klaar 1 1 uur
        ~ 2d
        tamara@dm: wie kan mijn fiets maken?
        tamara: /verhalen
        """
    )
    assert "Hoe ging het met 'ramen lappen'?" in out
    later = out.split("~ 2d", 1)[1]
    assert "verhaal" not in later.split("tamara: /verhalen", 1)[0].lower()
    assert "fiets maken" not in later.split("tamara: /verhalen", 1)[1]


async def test_a_pledge_for_next_time_is_no_story_but_i_cant_believe_it_is(
    network: Settings, run_script: ScriptRunner
) -> None:
    """Under "Hoe ging het?", "ik ga volgende week weer ramen lappen" is a new pledge (it was
    kept as the story), while "ik kan niet geloven hoe leuk het was" is the story."""
    out = await run_script(
        """
        tamara@dm: /doe ramen lappen vandaag
        tamara@dm: /klaar 1 1 uur
        tamara@dm: ik ga volgende week zaterdag weer ramen lappen
        tamara@dm: /doe heg knippen vandaag
        tamara@dm: /klaar 3 1 uur
        tamara@dm: ik kan niet geloven hoe leuk het was
        tamara: /verhalen
        """
    )
    pledge = out.split("tamara@dm: ik ga volgende week", 1)[1].split("tamara@dm:", 1)[0]
    assert "Genoteerd als doe-bijdrage 2: weer ramen lappen" in pledge
    assert "verhaal" not in pledge.lower()
    stories = out.split("tamara: /verhalen", 1)[1]
    assert "ik kan niet geloven hoe leuk het was" in stories.lower()


async def test_monthly_digest_goes_to_initiators_once(
    network: Settings, run_script: ScriptRunner
) -> None:
    await run_script(STORIES)
    clock = SimulatedClock(START + timedelta(days=7))  # Tuesday 1 December
    app = await open_app(network, clock=clock)
    out = io.StringIO()
    app.add_adapter(ConsoleAdapter(out, echo=False))
    try:
        await app.start(background=False)
        async with app.work() as ctx:
            queued = await monthly_story_digest(ctx)
        async with app.work() as ctx:
            again = await monthly_story_digest(ctx)
        await app.settle()
    finally:
        await close_app(app)
    assert (queued, again) == (1, 0)  # one initiator; the second run sends nothing twice
    text = out.getvalue()
    assert text.startswith("[dm sanne] vonk: De verhalen van november 2026 (2), klaar om te delen:")
    assert "iemand, bij 'heg snoeien'" in text and "Tamara, bij 'flyers rondbrengen'" in text
    assert "[dm tamara]" not in text and "[dm dirk]" not in text


async def test_digest_of_a_month_without_stories_sends_nothing(network: Settings) -> None:
    clock = SimulatedClock(START + timedelta(days=7))
    app = await open_app(network, clock=clock)
    try:
        async with app.work() as ctx:
            sent = await monthly_story_digest(ctx)
    finally:
        await close_app(app)
    assert sent == 0


async def test_thanks_named_with_consent_and_told_privately(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        tamara: /bedankt @dirk voor de ladder
        dirk: /bedankt Tamara
        sanne: /bedankt @sanne voor alles
        sanne: /bedankt @niemand voor niks
        dirk@dm: /bedankt
        """
    )
    # Dirk is not findable: the group hears no name, Dirk hears it privately.
    assert "[groep] vonk: Genoteerd, ik heb je dank persoonlijk doorgegeven." in out
    assert "[dm dirk] vonk: Tamara bedankt je voor: de ladder" in out
    assert "[groep] vonk: Genoteerd, ik heb je dank aan Tamara doorgegeven." in out
    assert "[dm tamara] vonk: Dirk bedankt je!" in out
    assert "Jezelf bedanken mag altijd, maar dat tel ik niet mee." in out
    assert "Ik ken niemand die 'niemand' heet." in out
    assert (
        "[dm dirk] vonk: Je kreeg 1 bedankje in de laatste drie maanden:\n  • Tamara: de ladder"
        in out
    )


async def test_the_scheduler_sends_the_story_digest_on_the_first_of_the_month(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        STORIES
        + """
        ~ 6d
        ~ 23h
        ~ 1h
        """
    )
    before, first_of_month = out.split("~ 1h")
    assert "De verhalen van november 2026" not in before  # Monday 30 November, 09:00+23h
    assert "[dm sanne] vonk: De verhalen van november 2026 (2), klaar om te delen:" in (
        first_of_month
    )
    assert "[dm tamara] vonk: De verhalen" not in out

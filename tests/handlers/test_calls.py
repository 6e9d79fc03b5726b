"""Calls for help and pledges, played in the console: the whole life of a call."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.core import ChatKind, ChatRef, IncomingMessage, Reply, Sender, SentMessage
from bot.outbox import LEASE
from bot.runtime import close_app, open_app
from storage.records import Role
from tests.conftest import START, ScriptRunner

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/databases.py)

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,opruimen;zwerfafval prikken,Ik ruim graag op.,Oost
dirk,Dirk,opruimen;tuinieren,,Noord
willem,Willem,opruimen;bankjes bouwen,,Oost
chantal,Chantal,koken voor grote groepen,,West
bart,Bart,opruimen;fotografie,,West
"""

# Two calls of Sanne's in Oost, and Tamara in both.
BENCHES_AND_FIELD = """
sanne: /oproep Bankjes schilderen zaterdag 10:00 #Oost 3 mensen
sanne@dm: [1]
sanne: /oproep Speelveld opruimen 4 december 14:00 #Oost 3 mensen
sanne@dm: [1]
tamara: ik doe mee 1
tamara: ik doe mee 2
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    """Five members imported; Sanne is the initiator."""
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings)
    from bot.runtime import import_file

    await import_file(app, csv)
    sanne = await app.services.storage.members.by_handle((await app.network()).id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    await close_app(app)
    return settings


def lines_of(out: str, prefix: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(prefix)]


async def test_call_invitations_pledges_full_done_withdrawn_reinvite(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne: /oproep Opruimen speelveld zaterdag 10:00 #Oost 2 mensen
        sanne@dm: [1]
        """
    )
    assert "Wanneer: zaterdag 28 november om 10:00" in out
    assert "[groep] vonk: Oproep 1 van Sanne: Opruimen speelveld" in out
    invited = {
        line.split()[1].rstrip("]") for line in lines_of(out, "[dm ") if "zoekt hulp bij" in line
    }
    assert invited == {"tamara", "dirk", "willem"}  # the best few, never the initiator
    assert "Ik heb 3 mensen die goed passen persoonlijk uitgenodigd." in out

    out = await run_script(
        """
        tamara@dm: [1]
        dirk@dm: [2]
        willem: ik doe mee 1
        chantal: ik doe mee 1
        """
    )
    assert "[dm tamara] vonk: Top, je doet mee met 'Opruimen speelveld'" in out
    assert "[dm dirk] vonk: Helemaal goed, dank je voor je reactie." in out
    assert "[dm willem] vonk: Top, je doet mee met 'Opruimen speelveld'" in out
    assert "doet mee! (" not in out, "the group sees the count on the post, not a line per pledge"
    assert "[groep] vonk: 'Opruimen speelveld' is vol." in out
    assert "[dm sanne] vonk: Goed nieuws: 'Opruimen speelveld' is vol." in out
    assert "[dm chantal] vonk: 'Opruimen speelveld' is vol, maar je staat op de wachtlijst." in out

    out = await run_script(
        """
        sanne@dm: /oproep status
        tamara@dm: /klaar
        tamara@dm: [3]
        willem@dm: /afzeggen
        sanne@dm: /oproep status 1
        """
    )
    status_before, status_after = out.split("sanne@dm: /oproep status")[1:]
    assert "Toegezegd:\n  • Tamara\n  • Willem" in status_before
    assert "Wachtlijst:\n  • Chantal" in status_before
    assert "Persoonlijk uitgenodigd: 3 (nu niet: 1)" in status_before
    assert "Hoeveel uur was je er ongeveer mee bezig?" in out
    assert "[dm tamara] vonk: Dank je wel voor 'Opruimen speelveld'!" in out
    assert "[dm willem] vonk: Dank je dat je het laat weten, helemaal goed." in out
    # Willem's place goes to Chantal, first on the waiting list: no blame, no public naming.
    assert "[dm chantal] vonk: Er is een plek vrijgekomen bij 'Opruimen speelveld'" in out
    assert "Willem" not in "\n".join(lines_of(out, "[groep]"))
    assert "Gedaan:\n  • Tamara" in status_after and "Toegezegd:\n  • Chantal" in status_after

    out = await run_script("chantal@dm: /afzeggen")  # no waiting list left: invite the next
    assert "[dm chantal] vonk: Dank je dat je het laat weten" in out
    reinvited = [line for line in lines_of(out, "[dm ") if "zoekt hulp bij" in line]
    # The next fitting member, not asked before; Dirk said no and is never asked again.
    assert [line.split("]")[0] for line in reinvited] == ["[dm bart"]


async def test_guided_call_with_a_bad_date_asks_clearly(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne@dm: /oproep
        sanne@dm: Bankjes schilderen
        sanne@dm: 32 december
        sanne@dm: overmorgen
        sanne@dm: [1]
        sanne@dm: 3
        sanne@dm: [3]
        """
    )
    assert "'32 december' kan ik niet als datum lezen. Wanneer is het?" in out
    assert "Wanneer: donderdag 26 november om 10:00" in out  # a day alone starts at 10:00
    assert "Oké, de oproep is niet geplaatst." in out


async def test_english_call_and_pledge(network: Settings, run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        sanne@dm: /taal en
        sanne@dm: /call Paint the benches tomorrow 2pm 4 people
        sanne@dm: [3]
        tamara@dm: /language en
        tamara@dm: /do deliver flyers next friday
        tamara@dm: /mine
        """
    )
    assert "When: Wednesday 25 November at 14:00" in out
    assert "Needed: 4" in out
    assert "Noted as pledge 1: deliver flyers (Friday 27 November)." in out
    assert "1. deliver flyers (Friday 27 November)" in out


async def test_pledges_in_words_and_more_time(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees@dm: ik ga vrijdag de flyers rondbrengen
        kees@dm: /doe soep koken
        kees@dm: morgen 18:00
        kees@dm: /doe iets op 31 april
        kees@dm: 1 mei
        kees@dm: /klaar 1 2 uur
        kees@dm: /mijn
        """
    )
    assert "Genoteerd als doe-bijdrage 1: de flyers rondbrengen (vrijdag 27 november)." in out
    assert "Mooi: 'soep koken'. Wanneer denk je het te doen?" in out
    assert "Genoteerd als doe-bijdrage 2: soep koken (woensdag 25 november om 18:00)." in out
    assert "'31 april' kan ik niet als datum lezen." in out
    assert "Genoteerd als doe-bijdrage 3: iets (zaterdag 1 mei 2027)." in out
    assert "Dank je wel voor 'de flyers rondbrengen'!" in out
    assert "1. de flyers rondbrengen (gedaan)" in out


async def test_permission_refusals(network: Settings, run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        tamara: /oproep Feest in de straat morgen
        tamara@dm: /oproep status 1
        tamara@dm: /rol @dirk initiatiefnemer
        """
    )
    assert "[groep] vonk: Oproepen plaatsen doen initiatiefnemers." in out
    assert "[dm tamara] vonk: Het overzicht van een oproep is voor initiatiefnemers." in out
    assert "[dm tamara] vonk: Rollen toekennen kunnen alleen beheerders." in out


async def test_admin_assigns_roles(network: Settings, run_script: ScriptRunner) -> None:
    from bot.runtime import open_app as reopen

    app = await reopen(network)
    net = await app.network()
    sanne = await app.services.storage.members.by_handle(net.id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.ADMIN)
    await close_app(app)
    out = await run_script(
        """
        sanne@dm: /rol @dirk initiatiefnemer
        sanne@dm: /rol @niemand lid
        sanne@dm: /rol dirk baas
        dirk@dm: /oproep Snoeien morgen
        """
    )
    assert "Dirk is nu initiatiefnemer." in out
    assert "Ik ken niemand met de naam @niemand." in out
    assert "Zo geef je iemand een rol" in out
    assert "Klopt deze oproep?" in out


class CrashingConsole(ConsoleAdapter):
    """The console, dying (like a killed process) after a number of messages."""

    def __init__(self, crash_after: int | None = None) -> None:
        super().__init__(echo=False)
        self.crash_after = crash_after
        self.delivered: list[str] = []

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        if self.crash_after is not None and len(self.delivered) >= self.crash_after:
            raise SystemExit("killed")
        self.delivered.append(chat_id)
        return SentMessage(chat_id, str(len(self.delivered)))


async def test_restart_mid_broadcast_to_200_members_sends_each_exactly_once(
    settings: Settings, tmp_path: Path
) -> None:
    csv = tmp_path / "leden.csv"
    rows = ["handle,name,skills,about,cell", "sanne,Sanne,organiseren,,"]
    rows += [f"lid{i},Lid {i},helpen,,Oost" for i in range(200)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    from bot.clock import SimulatedClock
    from bot.runtime import import_file

    clock = SimulatedClock(START)
    app = await open_app(settings, clock=clock)
    await import_file(app, csv)
    net = await app.network()
    sanne = await app.services.storage.members.by_handle(net.id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    first = CrashingConsole(crash_after=77)
    app.add_adapter(first)
    await app.start(background=False)
    await app.services.storage.chats.ensure(net.id, "console", "groep", kind="group")
    dm = ChatRef("console", "dm:sanne", ChatKind.DIRECT)
    await app.intake.dispatch(
        IncomingMessage(dm, Sender("sanne", "Sanne"), "/oproep Straatfeest morgen")
    )
    with pytest.raises(SystemExit):
        from bot.core import ButtonPress

        await app.intake.dispatch(ButtonPress(dm, Sender("sanne", "Sanne"), "call:post:all"))
    await close_app(app)  # the process is gone; what it claimed waits for its lease
    assert len(first.delivered) == 77

    clock.advance(LEASE + timedelta(seconds=1))
    app = await open_app(settings, clock=clock)
    second = CrashingConsole()
    app.add_adapter(second)
    await app.start(background=False)
    await app.settle()
    await close_app(app)

    received = Counter(first.delivered + second.delivered)
    members = {f"dm:lid{i}" for i in range(200)}
    assert {chat for chat in received if chat.startswith("dm:lid")} == members
    assert all(received[chat] == 1 for chat in members)
    assert received["groep"] == 1


async def test_a_call_for_a_cell_goes_to_the_cells_own_chat(network: Settings) -> None:
    import io

    from bot.core import ButtonPress

    out = io.StringIO()
    app = await open_app(network)
    app.add_adapter(ConsoleAdapter(out, echo=False))
    await app.start(background=False)
    net = await app.network()
    await app.services.storage.chats.ensure(net.id, "console", "groep", kind="group")
    sanne, tamara = Sender("sanne", "Sanne"), Sender("tamara", "Tamara")
    oost = ChatRef("console", "oost", ChatKind.GROUP, "Oost")
    dm = ChatRef("console", "dm:sanne", ChatKind.DIRECT)
    await app.intake.dispatch(IncomingMessage(oost, tamara, "/cel Oost"))
    await app.intake.dispatch(IncomingMessage(oost, sanne, "/cel Oost"))
    await app.intake.dispatch(
        IncomingMessage(dm, sanne, "/oproep Opruimen speelveld zaterdag #Oost")
    )
    await app.intake.dispatch(ButtonPress(dm, sanne, "call:post:group"))
    await close_app(app)
    text = out.getvalue()
    assert "[oost] vonk: Een groep aan een buurt koppelen doen initiatiefnemers." in text
    assert "[oost] vonk: Deze groep hoort nu bij Oost" in text
    assert "[oost] vonk: Oproep 1 van Sanne: Opruimen speelveld" in text
    assert "[groep] vonk: Oproep" not in text  # the cell has its own chat


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        (
            "de buurttuin winterklaar maken, 4 mensen, 3 uur",
            "de buurttuin winterklaar maken, 3 uur",
        ),
        ("Opruimen speelveld, 5 mensen #Oost", "Opruimen speelveld"),
        ("koffie schenken ,  , 2 vrijwilligers; taart", "koffie schenken, taart"),
    ],
)
def test_a_calls_title_keeps_no_leftover_punctuation(typed: str, title: str) -> None:
    """What is left once the number of people and the cell are taken out reads as typed,
    without ',,' where '4 mensen' was."""
    from zoneinfo import ZoneInfo

    from handlers.calls import parse_call

    draft, invalid = parse_call(typed, now=START, tz=ZoneInfo("Europe/Amsterdam"))
    assert invalid is None and draft.title == title


async def test_a_question_typed_while_writing_a_call_is_answered_and_the_draft_waits(
    network: Settings, run_script: ScriptRunner
) -> None:
    """Where the bot asked for the date or the cell, "wie kan …?" is a question of its own:
    it is answered, and the call being written takes the next answer as before."""
    out = await run_script(
        """
        sanne@dm: /oproep
        sanne@dm: Wie kan er helpen met bankjes schilderen?
        sanne@dm: wie kan koken voor grote groepen?
        sanne@dm: overmorgen
        sanne@dm: kan iemand zwerfafval prikken?
        sanne@dm: Oost
        sanne@dm: 3
        sanne@dm: [3]
        """
    )
    cooking = out.split("sanne@dm: wie kan koken voor grote groepen?")[1].split("sanne@dm:")[0]
    assert "Chantal" in cooking and "als datum" not in cooking
    litter = out.split("sanne@dm: kan iemand zwerfafval prikken?")[1].split("sanne@dm:")[0]
    assert "Tamara" in litter and "naam van een cel" not in litter
    assert "Wanneer: donderdag 26 november om 10:00" in out
    assert "Oké, de oproep is niet geplaatst." in out


async def test_a_pledge_that_names_an_open_call_asks_whether_it_is_joining_it(
    network: Settings, run_script: ScriptRunner
) -> None:
    """ "ik kom zaterdag de bankjes schilderen" is most likely joining that call: the member is
    asked, so the call's count is not left short by a pledge of its own, nor filled by a
    guess. "Nee" keeps the pledge as typed; a pledge that names no call is recorded as ever."""
    out = await run_script(
        """
        sanne: /oproep Bankjes schilderen zaterdag 10:00 #Oost 3 mensen
        sanne@dm: [1]
        tamara@dm: ik kom zaterdag de bankjes schilderen
        tamara@dm: [1]
        willem: @vonk ik ga zaterdag de bankjes schilderen
        willem@dm: [2]
        bart@dm: ik ga vrijdag flyers rondbrengen
        dirk@dm: ik ga zondag de bankjes schilderen
        sanne@dm: /oproep status
        """
    )
    asked = "Hoort dat bij oproep 1, 'Bankjes schilderen' (zaterdag 28 november om 10:00)?"
    tamara = out.split("tamara@dm: ik kom zaterdag de bankjes schilderen")[1]
    assert tamara.split("tamara@dm: [1]")[0].count(asked) == 1
    willem = out.split("willem: @vonk ik ga zaterdag de bankjes schilderen")[1].split("bart@dm")[0]
    # Asked privately, though said in the group: the buttons are Willem's alone.
    assert f"[dm willem] vonk: {asked}" in willem
    assert "Genoteerd als doe-bijdrage" in willem.split("willem@dm: [2]")[1]
    bart = out.split("bart@dm: ik ga vrijdag flyers rondbrengen")[1].split("sanne@dm")[0]
    assert "Hoort dat bij" not in bart.split("dirk@dm")[0]  # names no call
    assert "Hoort dat bij" not in bart.split("dirk@dm")[1]  # another day than the call's
    assert bart.count("Genoteerd als doe-bijdrage") == 2
    status = out.split("sanne@dm: /oproep status")[1]
    assert "Tamara" in status and "Willem" not in status


async def test_plans_changed_in_words_find_the_call_they_name(
    network: Settings, run_script: ScriptRunner
) -> None:
    """ "zaterdag lukt het toch niet" hands back Saturday's pledge, not asking which of two;
    "gaan de bankjes nog door?" answers about the benches, called off, though another call
    of the member's comes next."""
    await run_script(BENCHES_AND_FIELD)
    out = await run_script(
        """
        tamara@dm: sorry, zaterdag lukt het toch niet
        tamara@dm: /mijn
        willem: ik doe mee 1
        willem: ik doe mee 2
        sanne@dm: /oproep annuleer 1
        willem@dm: gaan de bankjes nog door?
        """
    )
    handed = out.split("tamara@dm: sorry, zaterdag lukt het toch niet")[1].split("tamara@dm")[0]
    assert "Welke wil je teruggeven" not in handed and "Bankjes schilderen" in handed
    mine = out.split("tamara@dm: /mijn")[1].split("willem:")[0]
    assert "Speelveld opruimen" in mine and "Bankjes schilderen" not in mine
    news = out.split("willem@dm: gaan de bankjes nog door?")[1]
    assert "'Bankjes schilderen' gaat niet door" in news and "Speelveld" not in news


async def test_a_pledge_without_a_day_that_shares_only_a_place_is_the_members_own(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne: /oproep Bankjes schilderen bij het buurthuis zaterdag 10:00 3 mensen
        sanne@dm: [1]
        dirk@dm: ik ga de heg van het buurthuis snoeien
        dirk@dm: volgende week woensdag
        """
    )
    assert "Hoort dat bij" not in out
    assert "Genoteerd als doe-bijdrage" in out.split("dirk@dm: volgende week woensdag")[1]


async def test_a_moment_typed_right_after_a_pledge_offers_to_move_it(
    network: Settings, run_script: ScriptRunner
) -> None:
    """ "na de kerst" recorded, then "eind januari dan": the member corrects the day of the
    pledge just made; the bot offers to move it there (a button), not the /hulp pointer."""
    out = await run_script(
        """
        dirk@dm: /doe de heg snoeien na de kerst
        dirk@dm: eind januari dan
        dirk@dm: [1]
        dirk@dm: /mijn
        """
    )
    assert "Zal ik 'de heg snoeien' verzetten naar zondag 31 januari 2027?" in out
    assert "de heg snoeien (zondag 31 januari 2027)" in out.split("dirk@dm: /mijn")[1]


async def test_a_typed_yes_or_no_answers_whether_a_pledge_is_for_the_call(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        sanne: /oproep Bankjes schilderen zaterdag 10:00 #Oost 3 mensen
        sanne@dm: [1]
        tamara@dm: ik kom zaterdag de bankjes schilderen
        tamara@dm: ja hoor
        willem@dm: ik ga zaterdag de bankjes schilderen
        willem@dm: nee
        sanne@dm: /oproep status
        """
    )
    assert "Top, je doet mee met 'Bankjes schilderen'" in out.split("tamara@dm: ja hoor")[1]
    willem = out.split("willem@dm: nee")[1].split("sanne@dm")[0]
    assert "Genoteerd als doe-bijdrage" in willem
    status = out.split("sanne@dm: /oproep status")[1]
    assert "Tamara" in status and "Willem" not in status


async def test_is_it_still_on_answers_about_the_call_named_not_the_next_one(
    network: Settings, run_script: ScriptRunner
) -> None:
    await run_script(BENCHES_AND_FIELD)
    out = await run_script(
        """
        tamara@dm: gaat het speelveld nog door?
        tamara@dm: gaat het nog door?
        """
    )
    named = out.split("tamara@dm: gaat het speelveld nog door?")[1].split("tamara@dm:")[0]
    assert "Speelveld opruimen" in named and "Bankjes" not in named
    nearest = out.split("tamara@dm: gaat het nog door?")[1]
    assert "Bankjes schilderen" in nearest  # no call named: the next one

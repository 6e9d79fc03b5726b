"""Impact and network health on a scripted month in the console, checked by hand.

The script runs from Tuesday 24 November to Tuesday 15 December 2026. The expected figures
below are worked out by hand from the script, pledge by pledge, not from the code.
"""

from __future__ import annotations

import re
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SimulatedClock
from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage.records import Role
from tests.conftest import START, ScriptRunner

MEMBERS = """handle,name,skills,about,cell
sanne,Sanne,netwerk bouwen,,Oost
tamara,Tamara,opruimen;zwerfafval prikken,,Oost
dirk,Dirk,tuinieren;heggen snoeien,,Noord
willem,Willem,opruimen;bankjes bouwen,,Oost
chantal,Chantal,koken voor grote groepen,,West
"""

MONTH = """
# Tuesday 24 November: a call for Saturday, two people join; Dirk pledges and is done at once.
sanne: /oproep Opruimen speelveld zaterdag 10:00 #Oost 2 mensen
sanne@dm: [1]
tamara: ik doe mee 1
willem: ik doe mee 1
dirk@dm: /doe heg snoeien morgen
dirk@dm: /klaar 3 2 uur
dirk@dm: De heg is weer netjes, de buren waren blij.
chantal: /bedankt @dirk voor het snoeien
~ 4d
# Saturday 28 November: the call is done.
tamara@dm: /klaar 1 3 uur
tamara@dm: [1]
willem@dm: /klaar 2 3 uur
willem@dm: Gezellig, en het speelveld is weer schoon.
~ 3d
# Tuesday 1 December: a new call; Sanne (the initiator) does something herself.
sanne: /oproep Bankjes schilderen zaterdag #Noord 3 mensen
sanne@dm: [1]
dirk: ik doe mee 2
sanne@dm: /doe flyers rondbrengen morgen
sanne@dm: /klaar 5 1 uur
sanne@dm: [1]
~ 7d
# Tuesday 8 December.
dirk@dm: /klaar 4 2 uur
dirk@dm: [1]
dirk@dm: /doe compost omscheppen vandaag
dirk@dm: /klaar 6 1 uur
dirk@dm: [1]
dirk: /bedankt @tamara voor de hulp
~ 7d
# Tuesday 15 December.
tamara: /bedankt @dirk voor het gereedschap
"""


@pytest.fixture
async def network(settings: Settings, tmp_path: Path) -> Settings:
    """Five members who joined on 4 November; Sanne is the initiator."""
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings, clock=SimulatedClock(START - timedelta(days=20)))
    await import_file(app, csv)
    sanne = await app.services.storage.members.by_handle((await app.network()).id, "sanne")
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    await close_app(app)
    return settings


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def image_paths(out: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"^  \[image\] (\S+)$", out, re.MULTILINE)]


def block(out: str, command: str) -> str:
    """The bot's answer to ``command`` (up to the next line someone types)."""
    after = out.split(command, 1)[1]
    lines = []
    for line in after.splitlines()[1:]:
        if re.match(r"^\w+(@dm)?: ", line):
            break
        lines.append(line)
    return "\n".join(lines)


async def test_impact_of_a_scripted_month(network: Settings, run_script: ScriptRunner) -> None:
    out = await run_script(MONTH + "chantal: /impact\n")
    assert "Traceback" not in out
    answer = block(out, "chantal: /impact")
    # December so far: pledges 5 (Sanne, 1 h), 4 and 6 (Dirk, 2 h + 1 h). Active: Sanne
    # (call, pledge), Dirk (pledges, thanks), Tamara (thanks). Call 2 wanted 3, got 1.
    # November: pledges 3 (2 h), 1 and 2 (3 h each); active: Sanne (call), Tamara, Willem,
    # Dirk (pledges), Chantal (thanks); call 1 got its 2 people.
    assert "Wat we samen deden in december 2026 (tot nu toe)" in answer
    assert "• Actieve mensen: 3 (2 minder dan vorige maand)" in answer  # words, not "↓"
    assert "• Doe-bijdragen gedaan: 3 (evenveel als vorige maand)" in answer
    assert "• Uren: 4 (4 minder dan vorige maand)" in answer
    assert "• Oproepen vol: 0 van 1 (vorige maand 1 van 1)" in answer
    assert "• Bedankjes: 2 (1 meer dan vorige maand)" in answer
    # Per cell: Dirk's own pledge counts in his cell (Noord), call 2 is in Noord, Sanne's
    # pledge in her cell (Oost).
    assert "  • Noord: 2 gedaan, 3 uur\n    • Oost: 1 gedaan, 1 uur" in answer
    # Nobody is named in /impact.
    for name in ("Sanne", "Tamara", "Dirk", "Willem", "Chantal"):
        assert name not in answer

    (chart,) = image_paths(answer)
    assert chart.exists() and chart.parent == network.data_dir / "charts"
    width, height = png_size(chart)
    assert (width, height) == (800, 450)
    assert 5_000 < chart.stat().st_size < 500_000


async def test_network_health_for_the_initiator(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(MONTH + "tamara@dm: /netwerk\nsanne@dm: /netwerk\nsanne: /netwerk\n")
    refused = block(out, "tamara@dm: /netwerk")
    assert "Het netwerkoverzicht is voor initiatiefnemers" in refused
    assert "[image]" not in refused

    answer = block(out, "sanne@dm: /netwerk")
    # The 30 days before 15 December hold all six done pledges; one is Sanne's: 1/6 = 17%.
    assert "gedane doe-bijdragen door initiatiefnemers: 17% (ervoor nog niets)" in answer
    assert "Deel van de 6 gedane" in answer
    # Dirk did pledges 3, 4 and 6 within 60 days: the one spark carrier, findable, so named.
    assert "• Vonkdragers (3 of meer gedaan in 60 dagen): 1 (1 meer dan ervoor)\n    Dirk" in answer
    # Chantal joined on 4 November and never pledged; on 15 November nobody had been a
    # member for 14 days yet.
    assert (
        "• Slapende aanmeldingen (14+ dagen lid, nog niets toegezegd): 1 (1 meer dan ervoor)"
        in answer
    )
    # Gave: Dirk, Tamara, Willem, Sanne (done) and Dirk, Tamara (thanked). Received: Chantal,
    # Dirk, Tamara (they thanked). Both: Dirk and Tamara; five took part.
    assert "• Wederkerigheid: 2 van 5 leden gaven én kregen hulp (ervoor 0 van 0)" in answer
    assert (
        "  • Noord: 3 (3 meer dan ervoor)" in answer and "  • Oost: 3 (3 meer dan ervoor)" in answer
    )
    (chart,) = image_paths(answer)
    assert png_size(chart) == (800, 450)

    in_group = block(out, "sanne: /netwerk")
    assert "[groep] vonk: Ik heb je privé geantwoord." in in_group
    assert "[dm sanne] vonk: Hoe gaat het met het netwerk?" in in_group


async def test_impact_in_english_with_an_empty_last_month(
    network: Settings, run_script: ScriptRunner
) -> None:
    out = await run_script(
        """
        tamara@dm: /taal en
        tamara@dm: /doe flyers vandaag
        tamara@dm: /klaar 1 1,5 uur
        tamara@dm: /impact
        """
    )
    answer = block(out, "tamara@dm: /impact")
    assert "What we did together in November 2026 (so far), next to last month:" in answer
    assert "• Pledges done: 1 (up 1 from last month)" in answer
    assert "• Hours: 1.5 (up 1.5 from last month)" in answer
    assert "• Calls filled: 0 of 0 (last month 0 of 0)" in answer
    assert "  • Oost: 1 done, 1.5 hours" in answer
    (chart,) = image_paths(answer)
    assert png_size(chart) == (800, 450)

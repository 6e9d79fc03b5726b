"""Outcomes the chat learns from: an accepted introduction and a call's pledge done are kept
as evidence for the search, with the helper's nearest skill."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.runtime import close_app, import_file, open_app
from storage import Storage
from tests.conftest import ScriptRunner

MEMBERS = """handle,name,skills,about,cell
quirijn,Quirijn,opruimen;zolders leeghalen,,Oost
tamara,Tamara,fietsen repareren,,Oost
"""


async def test_an_accepted_introduction_is_remembered(
    settings: Settings, run_script: ScriptRunner, tmp_path: Path
) -> None:
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings)
    await import_file(app, csv)
    await close_app(app)
    out = await run_script(
        """
        tamara: wie kan helpen met mijn zolder opruimen?
        tamara: [1]
        quirijn@dm: [1]
        """
    )
    assert "Quirijn" in out and "Fijn!" in out, out
    storage = await Storage.open(settings.effective_database_url)
    try:
        network = await storage.networks.default()
        assert network is not None
        quirijn = await storage.members.by_handle(network.id, "quirijn")
        assert quirijn is not None
        learned = await storage.learned.for_members([quirijn.id])
        assert [need for need, _ in learned[quirijn.id]] == ["mijn zolder opruimen"]
        assert learned[quirijn.id][0][1] in quirijn.skills
    finally:
        await storage.close()

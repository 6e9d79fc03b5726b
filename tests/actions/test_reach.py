"""Imported members can be reached: a numeric Telegram id at once, an @username as soon as
that person first writes (never as a second member), and a broadcast says honestly whom it
cannot reach yet, with the link that fixes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actions.buttons import DraftPost
from bot.app import App
from bot.config import Settings
from bot.core import (
    ButtonPress,
    Capabilities,
    ChatKind,
    ChatRef,
    IncomingMessage,
    Intake,
    Reply,
    Sender,
    SentMessage,
)
from bot.runtime import close_app, import_file, open_app
from storage.records import Role

pytestmark = pytest.mark.both_databases

START_LINK = "https://t.me/vonk_test_bot?start=hoi"
MEMBERS = """handle,name,skills,about,cell,telegram,matrix
sanne,Sanne,organiseren,,,100,
bram,Bram,opruimen,,,200,
annatg,Anna,opruimen,,,@AnnaTG,
chris,Chris,opruimen,,,,
dirk,Dirk,opruimen,,,,@dirk:buurt.example
"""


class FakeTelegram:
    """Telegram as far as the app can tell: sends are recorded, the start link is known."""

    platform = "telegram"
    capabilities = Capabilities()

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def start(self, intake: Intake) -> None: ...
    async def stop(self) -> None: ...

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        self.sent.append((chat_id, reply.text))
        return SentMessage(chat_id, str(len(self.sent)))

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return platform_user_id

    def start_link(self) -> str | None:
        return START_LINK

    def texts_to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


@pytest.fixture
async def running(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[App, FakeTelegram]]:
    csv = tmp_path / "leden.csv"
    csv.write_text(MEMBERS, encoding="utf-8")
    app = await open_app(settings.replace(telegram_token="123:abc"))
    await import_file(app, csv)
    network = await app.network()
    sanne = await app.services.storage.members.by_handle(network.id, "sanne")
    assert sanne is not None
    await app.services.storage.members.update(sanne.id, role=Role.INITIATOR)
    telegram = FakeTelegram()
    app.add_adapter(telegram)
    await app.start(background=False)
    try:
        yield app, telegram
    finally:
        await close_app(app)


def dm(user_id: str, name: str, text: str, username: str | None = None) -> IncomingMessage:
    sender = Sender(user_id, name, username=username)
    return IncomingMessage(ChatRef("telegram", user_id, ChatKind.DIRECT), sender, text)


async def broadcast(app: App, telegram: FakeTelegram, title: str) -> str:
    """Sanne posts a call and presses "Plaatsen + iedereen een bericht"; returns what she
    is told."""
    await app.intake.dispatch(dm("100", "Sanne", f"/oproep {title} zaterdag 10:00"))
    chat = ChatRef("telegram", "100", ChatKind.DIRECT)
    await app.intake.dispatch(ButtonPress(chat, Sender("100", "Sanne"), DraftPost("all").encode()))
    return telegram.texts_to("100")[-1]


async def test_import_links_accounts_and_a_broadcast_names_who_it_cannot_reach(
    running: tuple[App, FakeTelegram],
) -> None:
    app, telegram = running
    told = await broadcast(app, telegram, "Speelveld opruimen")
    # Bram (numeric id) is reached at once; Anna (a username not seen yet), Chris (no
    # account) and Dirk (Matrix, which is not configured) are not, and Sanne hears so.
    assert "gaat persoonlijk naar 1 lid dat uitnodigingen wil krijgen" in told
    assert "3 leden kan ik nog niet bereiken: Anna, Chris, Dirk." in told
    assert START_LINK in told
    assert any("Speelveld opruimen" in text for text in telegram.texts_to("200"))
    assert not telegram.texts_to("300")

    # Anna opens the link: her Telegram account is the imported member's, not a new one.
    storage, network = app.services.storage, await app.network()
    before = len(await storage.members.list(network.id))
    await app.intake.dispatch(dm("300", "Anna de Vries", "/start hoi", username="annatg"))
    assert "Je bent al aangemeld, Anna." in telegram.texts_to("300")[-1]
    assert len(await storage.members.list(network.id)) == before
    found = await storage.members.by_account("telegram", "300")
    assert found is not None and found[0].handle == "annatg"
    assert [a.pending for a in await storage.members.accounts(found[0].id)] == [False]

    told = await broadcast(app, telegram, "Bankjes verven")
    assert "gaat persoonlijk naar 2 leden" in told
    assert "2 leden kan ik nog niet bereiken: Chris, Dirk." in told
    assert any("Bankjes verven" in text for text in telegram.texts_to("300"))


async def test_a_stranger_with_an_imported_username_never_becomes_a_second_member(
    running: tuple[App, FakeTelegram],
) -> None:
    """The symptom of issue 12 was a second member 'annatg2'."""
    app, _ = running
    storage, network = app.services.storage, await app.network()
    await app.intake.dispatch(dm("300", "Anna", "/hulp", username="annatg"))
    await app.intake.dispatch(dm("301", "Iemand anders", "/hulp", username="someone"))
    handles = sorted(m.handle for m in await storage.members.list(network.id))
    assert handles == ["annatg", "bram", "chris", "dirk", "sanne", "someone"]

"""The adapter on its own, in this process, against the fake Bot API: what it sends, how it
reports failures, and which neutral events it makes of updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import (
    Attachment,
    AttachmentKind,
    Button,
    ButtonPress,
    ChatKind,
    IncomingMessage,
    Reply,
)
from bot.errors import PermanentDeliveryError, RetryLater
from storage import Storage
from tests.fakes.telegram_api import TINY_PNG, FakeTelegramServer
from tests.recording_intake import RecordingIntake
from tests.telegram.conftest import BOT_USERNAME


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(username=BOT_USERNAME, privacy_mode=False) as server:
        yield server


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[Storage]:
    opened = await Storage.open(settings.effective_database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def adapter(
    fake: FakeTelegramServer, settings: Settings, storage: Storage
) -> AsyncIterator[tuple[TelegramAdapter, RecordingIntake]]:
    config = settings.replace(telegram_token=fake.token, telegram_base_url=fake.base_url)
    telegram = TelegramAdapter(config, storage, SystemClock(), poll_timeout=1)
    received = RecordingIntake()
    await telegram.start(received)
    yield telegram, received
    await telegram.stop()
    await telegram.stop()  # safe twice


async def test_photo_and_document_with_escaped_captions(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer, tmp_path: Path
) -> None:
    telegram, _ = adapter
    chat = fake.private_chat(fake.user("Anne"))
    chart = tmp_path / "impact.png"
    chart.write_bytes(TINY_PNG)
    export = tmp_path / "leden.csv"
    export.write_text("naam,buurt\nAnne,Oost\n")

    photo = await telegram.send(
        str(chat["id"]),
        Reply("Impact <deze maand>", attachment=Attachment(chart, AttachmentKind.IMAGE)),
    )
    call = fake.calls("sendPhoto")[-1]
    assert call.files["photo"].data == TINY_PNG
    assert call.params["caption"] == "Impact &lt;deze maand&gt;"
    assert photo.message_id == str(fake.messages_in(chat)[-1]["message_id"])

    await telegram.send(
        str(chat["id"]),
        Reply("Export", attachment=Attachment(export, AttachmentKind.DOCUMENT, "export.csv")),
    )
    document = fake.calls("sendDocument")[-1]
    assert document.files["document"].filename == "export.csv"
    assert document.files["document"].data == export.read_bytes()
    assert fake.messages_in(chat)[-1]["document"]["file_name"] == "export.csv"

    # Too long for a caption (1024): the picture goes first, the text with its buttons follows.
    long = "x" * 1500
    await telegram.send(
        str(chat["id"]),
        Reply(long, (Button("Ok", "ok"),), Attachment(chart, AttachmentKind.IMAGE)),
    )
    *_, picture, text = fake.messages_in(chat)
    assert "caption" not in picture and "photo" in picture
    assert text["text"] == long and text["reply_markup"]["inline_keyboard"]


# PTB itself warns about its int/timedelta migration when it builds a RetryAfter.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_delivery_failures_become_vonk_errors(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer, tmp_path: Path
) -> None:
    telegram, _ = adapter
    chat = fake.private_chat(fake.user("Bob"))
    fake.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryLater) as limited:
        await telegram.send(str(chat["id"]), Reply("hoi"))
    assert limited.value.retry_after == 3

    fake.fail_next("sendMessage", 502)
    with pytest.raises(RetryLater):
        await telegram.send(str(chat["id"]), Reply("hoi"))

    with pytest.raises(PermanentDeliveryError, match=r"(?i)chat not found"):
        await telegram.send("123456", Reply("hoi"))
    with pytest.raises(PermanentDeliveryError, match="attachment missing"):
        await telegram.send(str(chat["id"]), Reply("x", attachment=Attachment(tmp_path / "weg")))
    fake.block_bot(chat)
    with pytest.raises(PermanentDeliveryError, match="blocked"):
        await telegram.send(str(chat["id"]), Reply("hoi"))


async def test_buttons_edits_and_long_texts(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer, storage: Storage
) -> None:
    telegram, _ = adapter
    chat = fake.private_chat(fake.user("Carla"))
    long_payload = "pledge:" + "9" * 100  # more than Telegram's 64 bytes of callback data
    sent = await telegram.send(
        str(chat["id"]), Reply("Kun je helpen?", (Button("Ja", long_payload), Button("Nee", "n")))
    )
    [row] = fake.messages_in(chat)[-1]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in row] == ["Ja", "Nee"]
    assert await storage.buttons.payload(row[0]["callback_data"]) == long_payload

    await telegram.send(str(chat["id"]), Reply("Bedankt <3", edit_of=sent.message_id))
    edited = fake.messages_in(chat)[-1]
    assert (edited["text"], edited.get("reply_markup")) == ("Bedankt <3", None)
    await telegram.send(str(chat["id"]), Reply("Bedankt <3", edit_of=sent.message_id))  # no-op

    before = len(fake.messages_in(chat))
    lines = [f"{n}. {'buurtbewoner ' * 30}".strip() for n in range(30)]
    await telegram.send(str(chat["id"]), Reply("\n".join(lines), (Button("Meer", "m"),)))
    *first, last = fake.messages_in(chat)[before:]
    assert len(first) >= 2 and all(len(m["text"]) <= 4096 for m in first)
    assert "\n".join(m["text"] for m in [*first, last]) == "\n".join(lines)
    assert not [m for m in first if "reply_markup" in m] and last["reply_markup"]
    assert await telegram.direct_chat_id("4242") == "4242"


async def test_updates_become_neutral_events(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    telegram, received = adapter
    assert telegram.bot_username == BOT_USERNAME
    anne = fake.user("Anne", last_name="Jansen", username="anne_j", language_code="en")
    group = fake.group_chat("Repair Café")
    bot_message = await telegram.send(str(group["id"]), Reply("Wie heeft een boor?"))

    fake.push_message(group, anne, f"/hulp@{BOT_USERNAME} fietsen")
    fake.push_message(group, anne, "/hulp@ander_bot")  # dropped: another bot's command
    fake.push_message(group, anne, f"Hé @{BOT_USERNAME}: wie kan 🚲 maken? vraag @piet")
    fake.push_message(group, anne, "ik!", reply_to=int(bot_message.message_id))
    update = fake.push_message(fake.private_chat(anne), anne, "hallo")
    assert update is not None
    events = await received.next(4)
    assert all(isinstance(e, IncomingMessage) for e in events)
    command, mention, reply, direct = (e for e in events if isinstance(e, IncomingMessage))

    assert command.text == "/hulp fietsen" and command.mentions_bot
    assert command.chat.kind is ChatKind.GROUP and command.chat.title == "Repair Café"
    assert command.sender.platform_user_id == str(anne["id"])
    assert (command.sender.display_name, command.sender.username) == ("Anne Jansen", "anne_j")
    assert command.sender.language_code == "en"
    assert mention.text == "Hé wie kan 🚲 maken? vraag @piet" and mention.mentions_bot
    assert mention.mentions == ("piet",)
    assert reply.reply_to_bot and not reply.mentions_bot and reply.addressed
    assert direct.chat.kind is ChatKind.DIRECT and direct.addressed
    assert direct.event_id == str(update["update_id"])


async def test_button_presses(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    telegram, received = adapter
    anne = fake.user("Anne")
    dm, group = fake.private_chat(anne), fake.group_chat("Buurt")
    question = "Kom je? Typ /hulp, zie https://buurt.example & <meer>"
    await telegram.send(str(dm["id"]), Reply(question, (Button("Ja", "rsvp:ja"),)))
    pressed = fake.press_button(anne, fake.messages_in(dm)[-1], "Ja")
    [press] = await received.next(1)
    assert isinstance(press, ButtonPress) and press.payload == "rsvp:ja"
    assert press.event_id == "cb:" + pressed["callback_query"]["id"]
    assert press.chat.kind is ChatKind.DIRECT
    answered = fake.messages_in(dm)[-1]
    assert press.message_id == str(answered["message_id"])
    assert (answered["text"], answered.get("reply_markup")) == (f"{question}\n\n✓ Ja", None)

    # In a group the buttons stay: everyone may pledge under the same call.
    await telegram.send(str(group["id"]), Reply("Wie helpt?", (Button("Ik help", "pledge:7"),)))
    fake.press_button(anne, fake.messages_in(group)[-1], "Ik help")
    [_, group_press] = await received.next(2)
    assert isinstance(group_press, ButtonPress) and group_press.payload == "pledge:7"
    assert fake.messages_in(group)[-1]["reply_markup"]["inline_keyboard"]


@pytest.mark.parametrize(
    "forged",
    ["²", "9223372036854775808", "2147483648", "-1", " 1", "١", "99999999999999999999999"],
)
async def test_forged_callback_data_is_answered_and_never_reaches_the_bot(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer, forged: str
) -> None:
    """Callback data is ours only if it is a short id we handed out: anything else (another
    script's digits, a number past SQLite's or PostgreSQL's integer range) is answered "this
    button no longer works", the spinner stops, and nothing is written or handled."""
    telegram, received = adapter
    anne = fake.user("Anne", language_code="nl")
    dm = fake.private_chat(anne)
    await telegram.send(str(dm["id"]), Reply("Kom je?", (Button("Ja", "rsvp:ja"),)))
    pressed = fake.push_callback_query(anne, fake.messages_in(dm)[-1], forged, check_button=False)
    query_id = pressed["callback_query"]["id"]
    for _ in range(100):
        if query_id in fake.answered_callback_queries:
            break
        await asyncio.sleep(0.05)
    assert fake.answered_callback_queries[query_id]["text"].startswith("Deze knop werkt niet meer")
    # The real button still works afterwards: the poller moved on.
    fake.press_button(anne, fake.messages_in(dm)[-1], "Ja")
    [press] = await received.next(1)
    assert isinstance(press, ButtonPress) and press.payload == "rsvp:ja"


async def test_control_characters_never_reach_the_bot(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    _, received = adapter
    mallory = fake.user("Mal\u202elory\x00", username="mallory")
    fake.push_message(fake.private_chat(mallory), mallory, "/doe flyers\x00 \x1b[2Jrondbrengen")
    [message] = await received.next(1)
    assert isinstance(message, IncomingMessage)
    assert message.text == "/doe flyers [2Jrondbrengen"
    assert message.sender.display_name == "Mallory"
    assert message.chat.title == "Mallory"

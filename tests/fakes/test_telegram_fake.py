"""Prove that the real python-telegram-bot works against the fake Telegram Bot API.

These tests matter because every Telegram test of Vonk trusts the fake: if PTB could not poll,
parse, or raise the right errors against it, those tests would prove nothing. Nothing in PTB is
patched; the library is only pointed at the fake with ``base_url``/``base_file_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket
import threading
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .telegram_api import TINY_PNG, FakeTelegramServer, parse_markdown_v2

BOT_USERNAME = "vonk_test_bot"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def _build_app(fake: FakeTelegramServer) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling_app(
    fake: FakeTelegramServer, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real PTB Application polling the fake with a short long-poll timeout."""
    app = _build_app(fake)
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=1))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        retry = exc.retry_after
    return retry.total_seconds() if isinstance(retry, dtm.timedelta) else float(retry)


async def test_get_me_and_token_errors(fake: FakeTelegramServer, bot: Bot) -> None:
    """Bot.initialize() already called getMe; PTB caches the bot user from the fake."""
    assert bot.username == BOT_USERNAME
    me = await bot.get_me()
    assert me.id == int(fake.token.split(":")[0])
    assert me.is_bot and me.can_read_all_group_messages is False
    assert fake.calls("getMe")[0].ok

    wrong = Bot("1:wrong", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()

    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}{fake.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        # Method names are case-insensitive and JSON bodies are accepted, as on Telegram.
        async with session.post(f"{fake.base_url}{fake.token}/getme", json={}) as resp:
            body = await resp.json()
            assert body["ok"] is True and body["result"]["username"] == BOT_USERNAME


async def test_long_poll_returns_pushed_update_and_offset_confirms(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    anne = fake.user("Anne", username="anne_buurt")
    chat = fake.private_chat(anne)

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=1))
    await asyncio.sleep(0.1)
    pushed = fake.push_message(chat, anne, "Hallo Vonk 👋")
    updates = await poll
    assert time.monotonic() - started < 0.9, "long poll must return as soon as an update arrives"
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert updates[0].message.text == "Hallo Vonk 👋"
    assert updates[0].message.from_user.username == "anne_buurt"

    # Not confirmed yet: it is delivered again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [pushed["update_id"]]
    # offset = last id + 1 confirms it; a short poll on an empty queue waits only `timeout`.
    started = time.monotonic()
    assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 1.0
    assert fake.pending_updates == []

    # limit and allowed_updates are honoured.
    for text in ("een", "twee", "drie"):
        fake.push_message(chat, anne, text)
    first_two = await bot.get_updates(limit=2, allowed_updates=["message"])
    assert [u.message.text for u in first_two] == ["een", "twee"]
    assert fake.calls("getUpdates")[-1].params["allowed_updates"] == ["message"]


async def test_command_with_bot_suffix_reaches_command_handler(fake: FakeTelegramServer) -> None:
    seen: list[list[str]] = []

    async def wie(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        await update.effective_message.reply_text("Wie kan helpen met een fiets?")

    anne = fake.user("Anne")
    group = fake.group_chat("Buurtgroep Oost")
    async with polling_app(fake, CommandHandler("wie", wie)):
        # Privacy mode: plain group chatter never reaches the bot, like on Telegram.
        assert fake.push_message(group, anne, "gewoon kletsen") is None
        update = fake.push_message(group, anne, f"/wie@{BOT_USERNAME} fiets")
        assert update is not None
        assert update["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": len(f"/wie@{BOT_USERNAME}")}
        ]
        reply = await fake.wait_for_call("sendMessage", within=2)
    assert seen == [["fiets"]]
    assert reply.params["chat_id"] == group["id"]
    assert reply.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    texts = [m["text"] for m in fake.messages_in(group)]
    assert texts == [
        "gewoon kletsen",
        f"/wie@{BOT_USERNAME} fiets",
        "Wie kan helpen met een fiets?",
    ]
    assert fake.messages_in(group, from_bot=True)[0]["reply_to_message"]["text"].startswith("/wie")


async def test_send_message_with_inline_keyboard_is_recorded(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    anne = fake.user("Anne")
    chat = fake.private_chat(anne)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Ik help", callback_data="help:42")],
            [InlineKeyboardButton("Meer info", url="https://example.org/info")],
        ]
    )
    sent = await bot.send_message(
        chat["id"], "Wie helpt Bert met verhuizen?", reply_markup=keyboard
    )
    assert sent.reply_markup == keyboard
    assert sent.from_user.id == bot.id and sent.chat.id == chat["id"]

    call = fake.calls("sendMessage")[-1]
    assert call.params["chat_id"] == chat["id"]
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "help:42"
    # Wire format: strings verbatim, other values JSON-encoded (checked against PTB's source).
    assert call.raw["text"] == "Wie helpt Bert met verhuizen?"
    assert call.raw["chat_id"] == str(chat["id"])
    assert call.raw["reply_markup"].startswith('{"inline_keyboard"')
    assert fake.messages_in(chat)[-1]["reply_markup"] == keyboard.to_dict()

    # A text that looks like JSON stays a string.
    numeric = await bot.send_message(chat["id"], "123")
    assert numeric.text == "123" and fake.calls("sendMessage")[-1].params["text"] == "123"

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-1009999, "hallo?")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(
            chat["id"],
            "te lang",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="x" * 65)]]
            ),
        )


async def test_callback_query_is_answered_and_message_edited(fake: FakeTelegramServer) -> None:
    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Dank je!")
        await query.edit_message_text(f"Gekozen: {query.data}")

    bert = fake.user("Bert")
    chat = fake.private_chat(bert)
    async with polling_app(fake, CallbackQueryHandler(on_button)) as app:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Ja", callback_data="ja"),
                    InlineKeyboardButton("Nee", callback_data="nee"),
                ]
            ]
        )
        message = await app.bot.send_message(chat["id"], "Kun je zaterdag?", reply_markup=keyboard)
        update = fake.press_button(bert, message.to_dict(), "Ja")
        edit = await fake.wait_for_call("editMessageText", within=2)

    query_id = update["callback_query"]["id"]
    assert fake.answered_callback_queries[query_id]["text"] == "Dank je!"
    assert edit.ok and edit.params["text"] == "Gekozen: ja"
    current = fake.messages_in(chat)[-1]
    assert current["text"] == "Gekozen: ja"
    assert "reply_markup" not in current, "an edit without reply_markup drops the keyboard"
    assert "edit_date" in current
    with pytest.raises(ValueError, match="no button"):
        fake.push_callback_query(bert, current, "ja")


async def test_edit_errors_match_telegram(fake: FakeTelegramServer, bot: Bot) -> None:
    chat = fake.private_chat(fake.user("Cor"))
    message = await bot.send_message(chat["id"], "Zelfde tekst")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Zelfde tekst", chat_id=chat["id"], message_id=message.id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat["id"], message_id=999)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    edited = await bot.edit_message_reply_markup(
        chat_id=chat["id"], message_id=message.id, reply_markup=keyboard
    )
    assert not isinstance(edited, bool) and edited.reply_markup == keyboard
    assert fake.messages_in(chat)[-1]["reply_markup"] == keyboard.to_dict()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("123")


async def test_parse_modes_produce_entities_or_telegram_errors(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    chat = fake.private_chat(fake.user("Dirk"))
    html = await bot.send_message(
        chat["id"], "<b>Vonk</b> 🚲 <i>helpt</i>", parse_mode=ParseMode.HTML
    )
    assert html.text == "Vonk 🚲 helpt"
    assert [(e.type, e.offset, e.length) for e in html.entities] == [
        ("bold", 0, 4),
        ("italic", 8, 5),  # the bicycle emoji is two UTF-16 code units
    ]
    assert html.parse_entity(html.entities[1]) == "helpt"

    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(chat["id"], "*Dank* voor je hulp.", parse_mode=ParseMode.MARKDOWN_V2)
    ok = await bot.send_message(
        chat["id"], r"*Dank* voor je hulp\. [site](https://x.nl)", parse_mode=ParseMode.MARKDOWN_V2
    )
    assert ok.text == "Dank voor je hulp. site"
    assert [e.type for e in ok.entities] == ["bold", "text_link"]
    assert ok.entities[1].url == "https://x.nl"

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat["id"], "Groet van jan_devries", parse_mode=ParseMode.MARKDOWN)
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(chat["id"], "<p>nee</p>", parse_mode=ParseMode.HTML)
    assert parse_markdown_v2("```python\nprint(1)\n```")[1][0]["language"] == "python"


async def test_set_my_commands_per_language_and_scope(fake: FakeTelegramServer, bot: Bot) -> None:
    dutch = [BotCommand("wie", "Wie kan helpen?"), BotCommand("hulp", "Vraag om hulp")]
    english = [BotCommand("wie", "Who can help?")]
    private = [BotCommand("start", "Begin")]
    assert await bot.set_my_commands(dutch, language_code="nl")
    assert await bot.set_my_commands(english)
    assert await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())

    assert await bot.get_my_commands(language_code="nl") == tuple(dutch)
    assert await bot.get_my_commands() == tuple(english)
    assert await bot.get_my_commands(language_code="de") == ()
    assert fake.commands(language_code="nl")[0] == {
        "command": "wie",
        "description": "Wie kan helpen?",
    }
    call = fake.calls("setMyCommands")[0]
    assert call.params["language_code"] == "nl"
    # The documented fall-back order: a private chat sees the all_private_chats list first.
    group = fake.group_chat()
    assert fake.visible_commands(fake.private_chat(fake.user()), "nl")[0]["command"] == "start"
    assert [c["command"] for c in fake.visible_commands(group, "nl")] == ["wie", "hulp"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Wie", "hoofdletters mogen niet")])


async def test_send_photo_and_document_record_uploads(fake: FakeTelegramServer, bot: Bot) -> None:
    chat = fake.private_chat(fake.user("Els"))
    photo_msg = await bot.send_photo(chat["id"], TINY_PNG, caption="Kaart van de wijk")
    call = fake.calls("sendPhoto")[-1]
    assert call.files["photo"].data == TINY_PNG
    assert call.files["photo"].size == len(TINY_PNG)
    assert call.params["caption"] == "Kaart van de wijk"
    assert photo_msg.caption == "Kaart van de wijk"
    assert (photo_msg.photo[-1].width, photo_msg.photo[-1].height) == (1, 1)

    payload = b"naam;telefoon\nAnne;0612345678\n"
    doc_msg = await bot.send_document(chat["id"], payload, filename="vrijwilligers.csv")
    upload = fake.calls("sendDocument")[-1].files["document"]
    assert (upload.filename, upload.size, upload.data) == (
        "vrijwilligers.csv",
        len(payload),
        payload,
    )
    assert doc_msg.document.file_name == "vrijwilligers.csv"
    assert doc_msg.document.mime_type == "text/csv"

    # Files round-trip through getFile + base_file_url, and file_ids can be re-sent.
    tg_file = await bot.get_file(doc_msg.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == payload
    again = await bot.send_photo(chat["id"], photo_msg.photo[-1].file_id)
    assert again.photo[-1].file_id == photo_msg.photo[-1].file_id

    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(chat["id"], b"geen plaatje")
    assert await bot.send_chat_action(chat["id"], "upload_document")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_errors_surface_as_ptb_exceptions(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    chat = fake.private_chat(fake.user("Fleur"))
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat["id"], "te snel")
    assert _retry_seconds(caught.value) == 7
    assert fake.calls("sendMessage")[-1].status == 429
    assert (await bot.send_message(chat["id"], "nu wel")).text == "nu wel"

    fake.fail_next("sendMessage", 502, body=b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(chat["id"], "gateway")

    fake.block_bot(chat)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(chat["id"], "ben je daar?")


async def test_set_webhook_makes_get_updates_conflict(fake: FakeTelegramServer, bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/tg", secret_token="geheim_1")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/tg" and info.pending_update_count == 0
    assert fake.webhook is not None and fake.webhook["secret_token"] == "geheim_1"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


async def test_second_poller_gets_conflict(fake: FakeTelegramServer, bot: Bot) -> None:
    """Two bot instances polling at once: Telegram ends the older poll with 409."""
    async with Bot(fake.token, base_url=fake.base_url) as other_instance:
        first = asyncio.create_task(bot.get_updates(timeout=1.5))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(other_instance.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


async def test_webhook_delivery_with_secret_token(fake: FakeTelegramServer) -> None:
    received: list[str] = []
    done = asyncio.Event()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        received.append(update.effective_message.text)
        done.set()

    anne = fake.user("Anne")
    chat = fake.private_chat(anne)
    port = _free_port()
    app = _build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url=f"http://127.0.0.1:{port}/telegram",
            secret_token="buurt-geheim",
        )
        try:
            assert fake.webhook is not None
            assert fake.webhook["secret_token"] == "buurt-geheim"
            fake.push_message(chat, anne, "via webhook")
            assert await fake.deliver_webhook_updates() == 1
            await asyncio.wait_for(done.wait(), 2)
            assert received == ["via webhook"]

            # With the wrong secret PTB answers 403; Telegram keeps the update and reports it.
            await app.bot.set_webhook(f"http://127.0.0.1:{port}/telegram", secret_token="fout")
            fake.push_message(chat, anne, "tweede")
            assert await fake.deliver_webhook_updates() == 0
            info = await app.bot.get_webhook_info()
            assert info.pending_update_count == 1
            assert info.last_error_message is not None
            assert info.last_error_message.startswith("Wrong response from the webhook: 403")
        finally:
            await app.updater.stop()
            await app.stop()


async def test_shutdown_is_quick_during_open_long_poll() -> None:
    server = FakeTelegramServer()
    await server.start()
    bot = Bot(server.token, base_url=server.base_url)
    await bot.initialize()
    try:
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=5))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await server.aclose()
        assert time.monotonic() - started < 1.0
        # The open poll is answered (empty) rather than left hanging until its timeout.
        assert await asyncio.wait_for(poll, 2) == ()
    finally:
        await bot.shutdown()


def test_thread_mode_serves_a_separate_event_loop() -> None:
    """For tests that run `vonk run` in a subprocess: the fake lives in its own thread."""
    with FakeTelegramServer().run_in_thread() as fake:
        anne = fake.user("Anne")
        chat = fake.private_chat(anne)

        async def poll_and_answer() -> list[str]:
            async with Bot(fake.token, base_url=fake.base_url) as bot:
                updates = await bot.get_updates(timeout=1)
                await bot.send_message(chat["id"], "gezien")
                return [u.message.text for u in updates]

        timer = threading.Timer(0.2, fake.push_message, args=(chat, anne, "uit een andere thread"))
        timer.start()
        assert asyncio.run(poll_and_answer()) == ["uit een andere thread"]
        timer.join()
        assert fake.wait_for_call_sync("sendMessage", within=1).params["text"] == "gezien"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", fake.port), timeout=0.5).close()


async def test_get_chat_delete_and_housekeeping(fake: FakeTelegramServer, bot: Bot) -> None:
    group = fake.group_chat("Repair Café", username="repaircafe_oost")
    info = await bot.get_chat("@repaircafe_oost")
    assert info.id == group["id"] and info.type == "supergroup" and info.title == "Repair Café"
    person = await bot.get_chat(fake.private_chat(fake.user("Gijs", username="gijs"))["id"])
    assert person.username == "gijs"

    sent = await bot.send_message(group["id"], "weg ermee")
    assert await bot.delete_message(group["id"], sent.message_id)
    assert fake.messages_in(group) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(group["id"], sent.message_id)

    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(group["id"], "dancing")
    assert await bot.log_out()
    assert await bot.close()
    assert [c.method for c in fake.calls()][-2:] == ["logOut", "close"]

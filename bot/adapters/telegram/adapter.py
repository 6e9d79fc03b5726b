"""The Telegram adapter: python-telegram-bot (v22) on one side, Vonk's neutral events on the other.

Receiving: long polling by default (our own :class:`Poller`, which confirms an update only once
it was handled), or a webhook when ``VONK_TELEGRAM_WEBHOOK_URL`` is set (PTB's webhook server,
secret token checked). Both feed PTB's ``Application.process_update``, so handler errors go to
one error hook and one bad update never stops the bot.

Sending: HTML with every piece of text escaped; inline keyboards whose callback data is a short
id of a payload kept in the database (Telegram allows 64 bytes); photos and documents. Failures
become :mod:`bot.errors` delivery errors for the outbox. No PTB rate limiter: the outbox paces
by :attr:`capabilities` ``.limits`` and a 429 becomes ``RetryLater``, whereas PTB's
``AIORateLimiter`` would *sleep* inside a handler and hold up every update behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.adapters.telegram import render
from bot.adapters.telegram.addressing import u16_len
from bot.adapters.telegram.commands import MENU_LANGUAGES, menu, warn_left_out
from bot.adapters.telegram.failures import delivery_errors, is_not_modified
from bot.adapters.telegram.incoming import PLATFORM, chat_of, message_event, sender_of
from bot.adapters.telegram.polling import Poller
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.core import (
    AttachmentKind,
    Button,
    ButtonPress,
    Capabilities,
    Dispatch,
    Reply,
    SentMessage,
)
from bot.i18n import Translator
from bot.ratelimit import RateLimits
from storage import Storage
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
POLL_TIMEOUT = 30.0  # seconds a long poll stays open; stop() interrupts it at once

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def file_url_for(base_url: str) -> str:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot`` (same for a
    self-hosted Bot API server), where PTB downloads files from."""
    head, sep, tail = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else base_url.rstrip("/") + "/file/bot"


class TelegramAdapter:
    platform = PLATFORM
    capabilities = Capabilities(
        limits=RateLimits(per_second=30, per_chat_per_minute=20),
    )

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        clock: Clock,
        *,
        commands: Sequence[str] = (),
        poll_timeout: float = POLL_TIMEOUT,
    ) -> None:
        """``commands``: the router's canonical command names, for the menu (the runtime passes
        them, as only it knows both the router and the adapters)."""
        self._settings = settings
        self._storage = storage
        self._clock = clock
        self._commands = list(commands)
        self._poll_timeout = poll_timeout
        self._app: AnyApplication | None = None
        self._poller: Poller | None = None
        self._dispatch: Dispatch | None = None
        self._stopping = False

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def bot_username(self) -> str:
        """This bot's @username without the @, known once started (from getMe)."""
        return self._bot.username

    @property
    def running(self) -> bool:
        """Receiving updates: the polling loop is alive, or the webhook server runs (for
        /healthz)."""
        app = self._app
        if app is None or self._stopping:
            return False
        if self._poller is not None:
            return self._poller.running
        return app.updater is not None and app.updater.running

    @property
    def _bot(self) -> Bot:
        if self._app is None:
            raise RuntimeError("TelegramAdapter used before start()")
        return self._app.bot

    async def start(self, dispatch: Dispatch) -> None:
        if self._app is not None:
            raise RuntimeError("TelegramAdapter started twice")
        settings = self._settings
        webhook = bool(settings.telegram_webhook_url)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_base_url)
            .base_file_url(file_url_for(settings.telegram_base_url))
        )
        if not webhook:
            builder = builder.updater(None)  # polling is ours, see polling.py
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        self._dispatch = dispatch
        await app.initialize()  # getMe: fails here, loudly, on a wrong token
        self._app = app
        try:
            await self._publish_menu()
            await app.start()
            if webhook:
                await self._start_webhook(app)
            else:
                # getUpdates is refused while a webhook is set, e.g. one left from webhook mode.
                await app.bot.delete_webhook(drop_pending_updates=False)
                self._poller = Poller(
                    app.bot,
                    app.process_update,
                    timeout=self._poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                self._poller.start()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "Telegram: @%s receives by %s", app.bot.username, "webhook" if webhook else "polling"
        )

    async def _start_webhook(self, app: AnyApplication) -> None:
        settings = self._settings
        assert app.updater is not None
        await app.updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret or None,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )

    async def stop(self) -> None:
        """Stop receiving first, letting an update in progress finish (it may still reply, so
        the bot stays usable until the very end), then close the connections."""
        app = self._app
        if app is None or self._stopping:
            return
        self._stopping = True
        try:
            if self._poller is not None:
                await self._poller.stop()
                self._poller = None
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()  # handles what the webhook already accepted
            await app.shutdown()
        finally:
            self._app = None
            self._dispatch = None
            self._stopping = False

    async def _publish_menu(self) -> None:
        """The "/" menu per language code, plus the network's language for everyone else."""
        if not self._commands:
            return
        warn_left_out(self._commands)
        languages = [(None, self._settings.language)] + [(code, code) for code in MENU_LANGUAGES]
        for language_code, language in languages:
            commands = [BotCommand(name, text) for name, text in menu(self._commands, language)]
            try:
                await self._bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as exc:  # a menu is a nicety: never refuse to start over it
                log.warning("setMyCommands (%s) failed: %s", language_code or "default", exc)

    # -- receiving ------------------------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._dispatch is None:
            return
        if update.callback_query is not None:
            await self._on_button(update.callback_query, self._dispatch)
        elif update.message is not None:
            event = message_event(
                update.message,
                update.update_id,
                bot_id=self._bot.id,
                bot_username=self._bot.username,
            )
            if event is not None:
                await self._dispatch(event)

    async def _on_button(self, query: CallbackQuery, dispatch: Dispatch) -> None:
        """Answer the press (so the client stops its spinner); in a private chat mark the message
        as answered and remove its keyboard (so an old question cannot be answered twice); then
        hand it on.

        A group message's buttons are for everyone (pledges under a call for help), so one
        press must not take them away from the others; a handler that wants the message
        changed replies with ``Reply(edit_of=...)``.
        """
        message = query.message
        payload = await self._storage.buttons.payload(query.data or "")
        if payload is None or message is None:
            await self._answer(query, self._translator(query)("telegram.button_expired"))
            return
        await self._answer(query)
        if isinstance(message, Message) and message.chat.type == Chat.PRIVATE:
            await self._mark_pressed(message, query.data or "")
        await dispatch(
            ButtonPress(
                chat=chat_of(message.chat, query.from_user),
                sender=sender_of(query.from_user),
                payload=payload,
                event_id=f"cb:{query.id}",
                message_id=str(message.message_id),
            )
        )

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        try:
            await query.answer(text)
        except BadRequest as exc:  # too old, or answered before a restart: nothing to do
            log.debug("answerCallbackQuery %s: %s", query.id, exc)

    async def _mark_pressed(self, message: Message, data: str) -> None:
        label = next(
            (
                button.text
                for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                for button in row
                if button.callback_data == data
            ),
            None,
        )
        if label is None:
            return  # already marked (a redelivered press) or not our keyboard
        try:
            text = render.pressed_text(message.text_html, label) if message.text else ""
            if text and u16_len(text) <= render.MAX_TEXT:
                await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:
            if not is_not_modified(exc):
                log.warning("could not mark message %s as answered: %s", message.message_id, exc)

    def _translator(self, query: CallbackQuery) -> Translator:
        code = (query.from_user.language_code or "")[:2]
        return Translator(code if code in SUPPORTED_LANGUAGES else self._settings.language)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("Telegram update %s failed", update_id, exc_info=context.error)

    # -- sending --------------------------------------------------------------------------------
    async def send(self, chat_id: str, reply: Reply) -> SentMessage:
        with delivery_errors(chat_id):
            markup = await self._keyboard(reply.buttons)
            if reply.edit_of is not None and u16_len(reply.text) <= render.MAX_TEXT:
                return await self._edit(chat_id, reply.edit_of, reply.text, markup)
            if reply.attachment is not None:
                return await self._send_attachment(chat_id, reply, markup)
            return await self._send_text(chat_id, reply.text, markup)

    async def _send_text(
        self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> SentMessage:
        """Long texts go out as several messages; the buttons sit under the last one."""
        pieces = render.split_text(text)
        sent: Message | None = None
        for number, piece in enumerate(pieces, 1):
            sent = await self._bot.send_message(
                int(chat_id),
                render.escape(piece),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if number == len(pieces) else None,
            )
        assert sent is not None
        return SentMessage(chat_id, str(sent.message_id))

    async def _send_attachment(
        self, chat_id: str, reply: Reply, markup: InlineKeyboardMarkup | None
    ) -> SentMessage:
        """The text is the caption when it fits (1024), else it follows as its own message."""
        attachment = reply.attachment
        assert attachment is not None
        data = await asyncio.to_thread(attachment.path.read_bytes)
        fits = u16_len(reply.text) <= render.MAX_CAPTION
        caption = render.escape(reply.text) if fits and reply.text else None
        common: dict[str, Any] = {
            "caption": caption,
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup if fits else None,
        }
        name = attachment.filename or attachment.path.name
        if attachment.kind is AttachmentKind.IMAGE:
            sent = await self._bot.send_photo(int(chat_id), data, filename=name, **common)
        else:
            sent = await self._bot.send_document(int(chat_id), data, filename=name, **common)
        if not fits:
            return await self._send_text(chat_id, reply.text, markup)
        return SentMessage(chat_id, str(sent.message_id))

    async def _edit(
        self, chat_id: str, message_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> SentMessage:
        try:
            await self._bot.edit_message_text(
                render.escape(text),
                chat_id=int(chat_id),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise
        return SentMessage(chat_id, message_id)

    async def _keyboard(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        now = self._clock.now()
        keys = [
            InlineKeyboardButton(
                button.label,
                callback_data=await self._storage.buttons.short_id(button.payload, now=now),
            )
            for button in buttons
        ]
        return InlineKeyboardMarkup(render.keyboard_rows(keys, [b.label for b in buttons]))

    async def direct_chat_id(self, platform_user_id: str) -> str:
        """On Telegram a person's private chat with the bot has the person's user id."""
        return platform_user_id

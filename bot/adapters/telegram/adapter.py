"""The Telegram adapter: python-telegram-bot (v22) on one side, Vonk's neutral events on the other.

Receiving: long polling by default (our own :class:`Poller`, which confirms a batch of updates
only once the intake stored it), or a webhook when ``VONK_TELEGRAM_WEBHOOK_URL`` is set (our own
small server, :mod:`webhook`, which answers Telegram 200 only after the update is stored, and
refuses requests without the secret token). Either way no update Telegram considers delivered
is lost, and the inbox makes a redelivered one a no-op.

Sending: HTML with every piece of text escaped; inline keyboards whose callback data is a short
id of a payload kept in the database (Telegram allows 64 bytes); photos and documents. Failures
become :mod:`bot.errors` delivery errors for the outbox. No PTB rate limiter: the outbox paces
by :attr:`capabilities` ``.limits`` and a 429 becomes ``RetryLater``, whereas PTB's
``AIORateLimiter`` would *sleep* inside a handler and hold up every update behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from bot.adapters.telegram import render
from bot.adapters.telegram.addressing import u16_len
from bot.adapters.telegram.commands import (
    MENU_LANGUAGES,
    SCOPES,
    descriptions,
    menu,
    scoped,
    warn_left_out,
)
from bot.adapters.telegram.failures import delivery_errors, is_not_modified
from bot.adapters.telegram.incoming import (
    PLATFORM,
    chat_of,
    membership_event,
    message_event,
    migration_event,
    sender_of,
    thread_of,
)
from bot.adapters.telegram.polling import Poller
from bot.adapters.telegram.webhook import WebhookServer
from bot.clean import clean_event
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.core import (
    AttachmentKind,
    Button,
    ButtonPress,
    Capabilities,
    Event,
    Intake,
    Reply,
    SentMessage,
)
from bot.i18n import Translator
from bot.ratelimit import RateLimits
from storage import Storage
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
START_WORD = "hoi"  # the /start argument of the link; names no cell, so it only says hello
_SCOPE_TYPES: dict[str, Callable[[], BotCommandScope]] = {
    "all_private_chats": BotCommandScopeAllPrivateChats,
    "all_group_chats": BotCommandScopeAllGroupChats,
    "all_chat_administrators": BotCommandScopeAllChatAdministrators,
}
POLL_TIMEOUT = 30.0  # seconds a long poll stays open; stop() interrupts it at once


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
        self._bot_object: Bot | None = None
        self._poller: Poller | None = None
        self._webhook: WebhookServer | None = None
        self._intake: Intake | None = None
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
        if self._bot_object is None or self._stopping:
            return False
        if self._poller is not None:
            return self._poller.running
        return self._webhook is not None and self._webhook.running

    @property
    def _bot(self) -> Bot:
        if self._bot_object is None:
            raise RuntimeError("TelegramAdapter used before start()")
        return self._bot_object

    async def start(self, intake: Intake) -> None:
        if self._bot_object is not None:
            raise RuntimeError("TelegramAdapter started twice")
        settings = self._settings
        webhook = bool(settings.telegram_webhook_url)
        bot = Bot(
            settings.telegram_token,
            base_url=settings.telegram_base_url,
            base_file_url=file_url_for(settings.telegram_base_url),
        )
        self._intake = intake
        await bot.initialize()  # getMe: fails here, loudly, on a wrong token
        self._bot_object = bot
        try:
            await self._publish_menu()
            if webhook:
                await self._start_webhook()
            else:
                # getUpdates is refused while a webhook is set, e.g. one left from webhook mode.
                await bot.delete_webhook(drop_pending_updates=False)
                self._poller = Poller(
                    bot,
                    self._receive_batch,
                    timeout=self._poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                self._poller.start()
        except BaseException:
            await self.stop()
            raise
        log.info("Telegram: @%s receives by %s", bot.username, "webhook" if webhook else "polling")

    async def _start_webhook(self) -> None:
        settings = self._settings
        self._webhook = WebhookServer(
            self._receive_json,
            path=urlsplit(settings.telegram_webhook_url).path,
            secret=settings.telegram_webhook_secret or None,
        )
        await self._webhook.start(settings.telegram_webhook_listen, settings.telegram_webhook_port)
        await self._bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret or None,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )

    async def stop(self) -> None:
        """Stop receiving first (the batch or webhook request being stored finishes, so
        nothing confirmed is lost), then close the connection."""
        bot = self._bot_object
        if bot is None or self._stopping:
            return
        self._stopping = True
        try:
            if self._poller is not None:
                await self._poller.stop()
                self._poller = None
            if self._webhook is not None:
                await self._webhook.stop()
                self._webhook = None
            await bot.shutdown()
        finally:
            self._bot_object = None
            self._intake = None
            self._stopping = False

    async def _publish_menu(self) -> None:
        """The "/" menu per scope (:mod:`commands`: private chats, groups, group
        administrators) and per language code, plus the network's language for everyone else
        (also in the default scope); and the bot's description and short description in the
        same languages. A menu is a nicety: a failure is logged, never fatal."""
        languages = [(None, self._settings.language)] + [(code, code) for code in MENU_LANGUAGES]
        for language_code, language in languages:
            description, short = descriptions(language)
            try:
                await self._bot.set_my_description(description, language_code=language_code)
                await self._bot.set_my_short_description(short, language_code=language_code)
            except TelegramError as exc:
                log.warning("setMyDescription (%s) failed: %s", language_code or "default", exc)
        if not self._commands:
            return
        warn_left_out(self._commands)
        scopes: list[tuple[str, BotCommandScope | None]] = [("default", None)]
        scopes += [(name, _SCOPE_TYPES[name]()) for name in SCOPES]
        for name, scope in scopes:
            names = scoped(self._commands, "all_private_chats" if scope is None else name)
            for language_code, language in languages:
                commands = [BotCommand(n, text) for n, text in menu(names, language)]
                try:
                    await self._bot.set_my_commands(
                        commands, scope=scope, language_code=language_code
                    )
                except TelegramError as exc:
                    log.warning(
                        "setMyCommands (%s, %s) failed: %s", name, language_code or "-", exc
                    )

    # -- receiving ------------------------------------------------------------------------------
    async def _receive_batch(self, updates: Sequence[Update]) -> None:
        """A polled batch: stored before the poller confirms it (with its next getUpdates);
        handled in the background meanwhile, so the next batch need not wait for this one."""
        if self._intake is None:
            return
        events = [event for update in updates for event in await self._events_of(update)]
        await self._intake.accept(events)

    async def _receive_json(self, data: dict[str, Any]) -> None:
        """A webhook update: stored before Telegram hears 200; handled in the background."""
        if self._intake is None:
            raise RuntimeError("the adapter is stopping")
        update = Update.de_json(data, self._bot)
        await self._intake.accept(await self._events_of(update))

    async def _events_of(self, update: Update) -> list[Event]:
        """The neutral events of one update, their text cleaned (:mod:`bot.clean`)."""
        return [clean_event(event) for event in await self._translate(update)]

    async def _translate(self, update: Update) -> list[Event]:
        try:
            if update.callback_query is not None:
                press = await self._button_event(update.callback_query)
                return [press] if press is not None else []
            if update.my_chat_member is not None:
                membership = membership_event(
                    update.my_chat_member,
                    update.update_id,
                    reads_all=bool(self._bot.can_read_all_group_messages),
                )
                return [membership] if membership is not None else []
            if update.message is not None and update.message.migrate_to_chat_id is not None:
                migrated = migration_event(update.message, update.update_id)
                return [migrated] if migrated is not None else []
            if update.message is not None:
                event = message_event(
                    update.message,
                    update.update_id,
                    bot_id=self._bot.id,
                    bot_username=self._bot.username,
                )
                return [event] if event is not None else []
        except TelegramError as exc:  # one odd update must never block the ones after it
            log.warning("Telegram update %s skipped: %s", update.update_id, exc)
        return []

    async def _button_event(self, query: CallbackQuery) -> ButtonPress | None:
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
            await self._answer(query, self._translator(query)("buttons.expired"))
            return None
        await self._answer(query)
        if isinstance(message, Message) and message.chat.type == Chat.PRIVATE:
            await self._mark_pressed(message, query.data or "")
        return ButtonPress(
            chat=chat_of(message.chat, query.from_user),
            sender=sender_of(query.from_user),
            payload=payload,
            event_id=f"cb:{query.id}",
            message_id=str(message.message_id),
            thread_id=thread_of(message) if isinstance(message, Message) else None,
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

    # -- sending --------------------------------------------------------------------------------
    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        with delivery_errors(chat_id):
            markup = await self._keyboard(reply.buttons)
            if reply.keeps_text:
                assert reply.edit_of is not None
                return await self._edit_buttons(chat_id, reply.edit_of, markup)
            if reply.edit_of is not None and u16_len(reply.text) <= render.MAX_TEXT:
                return await self._edit(chat_id, reply.edit_of, reply.text, markup)
            if reply.attachment is not None:
                return await self._send_attachment(chat_id, reply, markup)
            return await self._send_text(chat_id, reply, markup)

    @staticmethod
    def _placing(reply: Reply) -> dict[str, Any]:
        """Where in the chat: the forum topic, and the message answered (quoted; sent anyway
        should that message be deleted meanwhile)."""
        placing: dict[str, Any] = {}
        if reply.thread_id:
            placing["message_thread_id"] = int(reply.thread_id)
        if reply.reply_to:
            placing["reply_parameters"] = ReplyParameters(
                int(reply.reply_to), allow_sending_without_reply=True
            )
        return placing

    async def _send_text(
        self, chat_id: str, reply: Reply, markup: InlineKeyboardMarkup | None
    ) -> SentMessage:
        """Long texts go out as several messages (the first answers the asker); the buttons
        sit under the last one."""
        pieces = render.split_text(reply.text)
        placing = self._placing(reply)
        sent: Message | None = None
        for number, piece in enumerate(pieces, 1):
            sent = await self._bot.send_message(
                int(chat_id),
                render.escape(piece),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if number == len(pieces) else None,
                **placing,
            )
            placing.pop("reply_parameters", None)
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
            **self._placing(reply),
        }
        name = attachment.filename or attachment.path.name
        if attachment.kind is AttachmentKind.IMAGE:
            sent = await self._bot.send_photo(int(chat_id), data, filename=name, **common)
        else:
            sent = await self._bot.send_document(int(chat_id), data, filename=name, **common)
        if not fits:
            return await self._send_text(chat_id, replace(reply, reply_to=None), markup)
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

    async def _edit_buttons(
        self, chat_id: str, message_id: str, markup: InlineKeyboardMarkup | None
    ) -> SentMessage:
        """Only the buttons change (none: they are removed); the text stays."""
        try:
            await self._bot.edit_message_reply_markup(
                chat_id=int(chat_id), message_id=int(message_id), reply_markup=markup
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
            InlineKeyboardButton(button.label, url=button.opens)
            if button.opens
            else InlineKeyboardButton(button.label, web_app=WebAppInfo(button.url))
            if button.url
            else InlineKeyboardButton(
                button.label,
                callback_data=button.ref
                or await self._storage.buttons.short_id(button.payload, now=now),
            )
            for button in buttons
        ]
        return InlineKeyboardMarkup(render.keyboard_rows(keys, [b.label for b in buttons]))

    async def direct_chat_id(self, platform_user_id: str) -> str:
        """On Telegram a person's private chat with the bot has the person's user id."""
        return platform_user_id

    def start_link(self) -> str | None:
        """``https://t.me/<bot>?start=hoi``: opens the private chat and sends /start, after
        which the bot may write to that person. Known once started (the username is getMe's)."""
        if self._bot_object is None:
            return None
        return f"https://t.me/{self._bot_object.username}?start={START_WORD}"

    def group_link(self) -> str | None:
        """``https://t.me/<bot>?startgroup=hoi``: Telegram asks which group to add the bot to;
        once added, the bot welcomes the group and it joins the network."""
        if self._bot_object is None:
            return None
        return f"https://t.me/{self._bot_object.username}?startgroup={START_WORD}"

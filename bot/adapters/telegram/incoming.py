"""Telegram messages and users → Vonk's neutral events (no I/O here)."""

from __future__ import annotations

from bot.adapters.telegram.addressing import Entity, read_addressing
from bot.core import ChatKind, ChatRef, IncomingMessage, Sender
from telegram import Chat, Message, User

PLATFORM = "telegram"


def sender_of(user: User) -> Sender:
    return Sender(
        platform_user_id=str(user.id),
        display_name=user.full_name,
        username=user.username,
        language_code=user.language_code,
    )


def chat_of(chat: Chat, user: User | None = None) -> ChatRef:
    """A private chat is the bot's direct chat with that person; groups and supergroups are
    groups (channels never reach here: only ``message`` and ``callback_query`` are asked for)."""
    if chat.type == Chat.PRIVATE:
        title = user.full_name if user is not None else chat.full_name
        return ChatRef(PLATFORM, str(chat.id), ChatKind.DIRECT, title)
    return ChatRef(PLATFORM, str(chat.id), ChatKind.GROUP, chat.title)


def message_event(
    message: Message, update_id: int, *, bot_id: int, bot_username: str
) -> IncomingMessage | None:
    """The neutral event for a person's text message, or None when it is not for Vonk: no text,
    written by a bot, or a command addressed to another bot in the group."""
    user = message.from_user
    if message.text is None or user is None or user.is_bot:
        return None
    entities = [
        Entity(e.type, e.offset, e.length, e.user.id if e.user else None) for e in message.entities
    ]
    found = read_addressing(message.text, entities, bot_username=bot_username, bot_id=bot_id)
    if found.for_other_bot:
        return None
    replied = message.reply_to_message
    reply_to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    return IncomingMessage(
        chat=chat_of(message.chat, user),
        sender=sender_of(user),
        text=found.text,
        event_id=str(update_id),
        mentions_bot=found.mentions_bot,
        reply_to_bot=reply_to_bot,
        mentions=found.mentions,
        reply_to=str(replied.message_id) if replied else None,
        received_at=message.date,
    )

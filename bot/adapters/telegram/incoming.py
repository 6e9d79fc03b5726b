"""Telegram messages and users → Vonk's neutral events (no I/O here)."""

from __future__ import annotations

from bot.adapters.telegram.addressing import Entity, read_addressing
from bot.core import (
    ChatKind,
    ChatMembership,
    ChatRef,
    IncomingMessage,
    MembershipChange,
    Sender,
)
from telegram import Chat, ChatMember, ChatMemberUpdated, Message, User

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


def thread_of(message: Message) -> str | None:
    """The forum topic a message is in (None: not a forum, or its "General" topic). Outside
    forums Telegram also sets ``message_thread_id`` on replies; only topics count here."""
    if message.is_topic_message and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


def membership_event(
    update: ChatMemberUpdated, update_id: int, *, reads_all: bool
) -> ChatMembership | None:
    """The bot added to or removed from a group (``my_chat_member``); None for anything else
    (its rights changing, a private chat blocked or unblocked). ``reads_all``: privacy mode
    is off for this bot (getMe's ``can_read_all_group_messages``); an administrator bot reads
    everything anyway."""
    if update.chat.type == Chat.PRIVATE:
        return None
    old, new = update.old_chat_member, update.new_chat_member
    was_in = old.status in _IN and getattr(old, "is_member", True)
    is_in = new.status in _IN and getattr(new, "is_member", True)
    if was_in == is_in:
        return None
    change = MembershipChange.ADDED if is_in else MembershipChange.REMOVED
    return ChatMembership(
        chat=chat_of(update.chat),
        sender=sender_of(update.from_user),
        change=change,
        event_id=str(update_id),
        sees_everything=reads_all or new.status == ChatMember.ADMINISTRATOR,
    )


def migration_event(message: Message, update_id: int) -> ChatMembership | None:
    """A basic group became a supergroup (``migrate_to_chat_id`` in the old group): the chat
    goes on under the new id."""
    if message.migrate_to_chat_id is None or message.from_user is None:
        return None
    return ChatMembership(
        chat=chat_of(message.chat),
        sender=sender_of(message.from_user),
        change=MembershipChange.MIGRATED,
        event_id=str(update_id),
        new_chat_id=str(message.migrate_to_chat_id),
    )


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
        message_id=str(message.message_id),
        thread_id=thread_of(message),
    )

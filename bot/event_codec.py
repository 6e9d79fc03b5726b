"""Neutral events as JSON, for the inbox: what is stored is exactly what will be handled, on
any platform, by any process, after any restart."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bot.core import (
    ButtonPress,
    ChatKind,
    ChatMembership,
    ChatRef,
    Event,
    IncomingMessage,
    MembershipChange,
    Sender,
)


def event_key(event: Event) -> str:
    """The platform's id of the event (a redelivery has the same one); events without one
    (the console) get a fresh id, as each typed line is new."""
    return event.event_id or f"local:{uuid.uuid4().hex}"


def chat_key(event: Event) -> str:
    return event.chat.chat_id


def _chat(chat: ChatRef) -> dict[str, Any]:
    return {
        "platform": chat.platform,
        "id": chat.chat_id,
        "kind": chat.kind.value,
        "title": chat.title,
    }


def _sender(sender: Sender) -> dict[str, Any]:
    return {
        "id": sender.platform_user_id,
        "name": sender.display_name,
        "username": sender.username,
        "language": sender.language_code,
    }


def to_json(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {
        "chat": _chat(event.chat),
        "sender": _sender(event.sender),
        "event_id": event.event_id,
    }
    if isinstance(event, ButtonPress):
        return data | {
            "type": "press",
            "payload": event.payload,
            "message_id": event.message_id,
            "thread_id": event.thread_id,
        }
    if isinstance(event, ChatMembership):
        return data | {
            "type": "membership",
            "change": event.change.value,
            "new_chat_id": event.new_chat_id,
            "sees_everything": event.sees_everything,
        }
    return data | {
        "type": "message",
        "text": event.text,
        "mentions_bot": event.mentions_bot,
        "reply_to_bot": event.reply_to_bot,
        "mentions": list(event.mentions),
        "reply_to": event.reply_to,
        "received_at": event.received_at.isoformat() if event.received_at else None,
        "message_id": event.message_id,
        "thread_id": event.thread_id,
    }


def from_json(data: dict[str, Any]) -> Event:
    c, s = data["chat"], data["sender"]
    chat = ChatRef(c["platform"], c["id"], ChatKind(c["kind"]), c.get("title"))
    sender = Sender(s["id"], s["name"], s.get("username"), s.get("language"))
    if data["type"] == "press":
        return ButtonPress(
            chat,
            sender,
            data["payload"],
            data.get("event_id"),
            data.get("message_id"),
            data.get("thread_id"),
        )
    if data["type"] == "membership":
        return ChatMembership(
            chat,
            sender,
            MembershipChange(data["change"]),
            data.get("event_id"),
            new_chat_id=data.get("new_chat_id"),
            sees_everything=bool(data.get("sees_everything")),
        )
    received = data.get("received_at")
    return IncomingMessage(
        chat,
        sender,
        data["text"],
        event_id=data.get("event_id"),
        mentions_bot=bool(data.get("mentions_bot")),
        reply_to_bot=bool(data.get("reply_to_bot")),
        mentions=tuple(data.get("mentions") or ()),
        reply_to=data.get("reply_to"),
        received_at=datetime.fromisoformat(received) if received else None,
        message_id=data.get("message_id"),
        thread_id=data.get("thread_id"),
    )

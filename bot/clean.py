"""Text from outside, made safe to store and to show, at the adapter boundary.

Every adapter passes the events it builds through :func:`clean_event`, so nothing further in
(the inbox, the handlers, the database) ever sees:

- control characters (NUL, terminal escapes, C1 controls): PostgreSQL refuses NUL in text,
  which broke the whole write (and telling the person to try again cannot help), terminals act
  on escapes, and nobody types them on purpose. Newlines and tabs stay; ``\\r\\n`` becomes
  ``\\n``;
- lone surrogates and noncharacters: they cannot be encoded as UTF-8 and would break the write
  just the same.

Names (display names, usernames, chat titles, and the handles and cell names made from them)
are cleaned further by :func:`clean_name`: format characters are removed, so a right-to-left
override or a zero-width space cannot make "Anna" look like someone else in a list of names,
and whitespace is folded to single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.core import ButtonPress, ChatMembership, ChatRef, Event, Sender

# C0 controls except tab and newline, DEL, C1 controls, surrogates, noncharacters.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85]")
# Shown as nothing at all although they are not format characters: Hangul fillers and the
# combining grapheme joiner, favourites for "invisible" names.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Message text without control characters, surrogates or noncharacters."""
    if text.isprintable() and text.isascii():  # the common case, at C speed
        return text
    return _UNSAFE.sub("", _NEWLINES.sub("\n", text))


def clean_name(name: str) -> str:
    """A name as one line of visible characters: :func:`clean_text`, then without format
    characters (direction overrides and isolates, zero-width spaces and joiners, soft hyphens,
    byte order marks) and with runs of whitespace folded to one space."""
    text = clean_text(name)
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf" and c not in _INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def _sender(sender: Sender) -> Sender:
    return Sender(
        platform_user_id=clean_text(sender.platform_user_id),
        display_name=clean_name(sender.display_name),
        username=(clean_name(sender.username) or None) if sender.username else None,
        language_code=clean_text(sender.language_code) if sender.language_code else None,
    )


def _chat(chat: ChatRef) -> ChatRef:
    title = clean_name(chat.title) if chat.title is not None else None
    return replace(chat, chat_id=clean_text(chat.chat_id), title=title)


def clean_event(event: Event) -> Event:
    """The event with every piece of text from outside cleaned; names as names."""
    if isinstance(event, ButtonPress):
        return replace(
            event,
            chat=_chat(event.chat),
            sender=_sender(event.sender),
            payload=clean_text(event.payload),
        )
    if isinstance(event, ChatMembership):
        new_id = clean_text(event.new_chat_id) if event.new_chat_id is not None else None
        return replace(
            event, chat=_chat(event.chat), sender=_sender(event.sender), new_chat_id=new_id
        )
    return replace(
        event,
        chat=_chat(event.chat),
        sender=_sender(event.sender),
        text=clean_text(event.text),
        mentions=tuple(clean_text(m) for m in event.mentions),
    )

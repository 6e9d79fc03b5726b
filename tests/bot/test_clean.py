"""Text from outside is cleaned at the adapter boundary: no control characters anywhere, and
names that cannot pose as someone else."""

from __future__ import annotations

import pytest

from bot.clean import clean_event, clean_name, clean_text
from bot.core import ButtonPress, ChatKind, ChatRef, IncomingMessage, Sender


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("hallo", "hallo"),
        ("regel één\nregel twee\tmet tab", "regel één\nregel twee\tmet tab"),
        ("Windows\r\nregels\rhier", "Windows\nregels\nhier"),
        ("NUL\x00 weg", "NUL weg"),
        ("escape \x1b[31mrood\x1b[0m", "escape [31mrood[0m"),
        ("C1 \x85\x9b controls", "C1 \n controls"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("non\ufffecharacter\uffff", "noncharacter"),
        ("emoji 👩‍🚀 blijft", "emoji 👩‍🚀 blijft"),  # text keeps joiners; names do not
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # always storable


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Anna de Vries", "Anna de Vries"),
        ("Anna\u202egnip", "Annagnip"),  # a right-to-left override
        ("\u2066Bram\u2069", "Bram"),  # isolates
        ("Ch\u200bantal", "Chantal"),  # zero-width space
        ("Dirk\u200d\u200c\u2060\ufeff", "Dirk"),  # joiners, word joiner, BOM
        ("Eva\u00ad", "Eva"),  # soft hyphen
        ("\u3164\u115f", ""),  # Hangul fillers: an "invisible" name is no name
        ("  Fenna \n  van\tDam ", "Fenna van Dam"),
        ("Gijs\x00\x07", "Gijs"),
        ("Åse Ünal", "Åse Ünal"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_clean_event_cleans_text_and_names() -> None:
    chat = ChatRef("test", "c1\x00", ChatKind.GROUP, "Buurt\u202e Oost")
    sender = Sender("1", "An\u200bna\x00", "an\u202ena", "nl\x00")
    message = clean_event(IncomingMessage(chat, sender, "/doe\x00 flyers", mentions=("p\x00",)))
    assert isinstance(message, IncomingMessage)
    assert message.text == "/doe flyers" and message.mentions == ("p",)
    assert (message.chat.chat_id, message.chat.title) == ("c1", "Buurt Oost")
    assert (message.sender.display_name, message.sender.username) == ("Anna", "anna")
    assert message.sender.language_code == "nl"
    press = clean_event(ButtonPress(chat, Sender("2", "\u2066\u2069"), "call:join:1\x00"))
    assert isinstance(press, ButtonPress) and press.payload == "call:join:1"
    assert press.sender.display_name == ""  # the app falls back to the username or the id

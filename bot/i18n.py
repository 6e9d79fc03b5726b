"""Translation layer: gettext ``.po`` catalogs (Dutch and English) read with Babel.

Message ids are symbolic keys (``onboarding.ask_name``) rather than Dutch sentences, so a
test can prove both catalogs hold every key with the same placeholders, and a Dutch wording
change does not orphan its English translation. Catalogs are read once per process.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES

DEFAULT_LANGUAGE = "nl"


@cache
def catalog(language: str) -> dict[str, str]:
    """The messages of one language as ``{key: text}``."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    path = resources.files("bot") / "locale" / language / "LC_MESSAGES" / "vonk.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Translator:
    """Turns keys into text in one language, falling back to Dutch, then to the key itself.

    Falling back instead of raising keeps a missing translation from silencing the bot; the
    catalog test catches the gap before it ships.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **params: Any) -> str:
        text = catalog(self.language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
        return text.format(**params) if params else text

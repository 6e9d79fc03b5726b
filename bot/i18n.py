"""Translation layer: gettext ``.po`` catalogs (Dutch and English) read with Babel.

Message ids are symbolic keys (``onboarding.ask_name``) rather than Dutch sentences, so a
test can prove both catalogs hold every key with the same placeholders, and a Dutch wording
change does not orphan its English translation. Catalogs are read once per process.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES

DEFAULT_LANGUAGE = "nl"


@cache
def _read(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    path = resources.files("bot") / "locale" / language / "LC_MESSAGES" / "vonk.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=language)
    single = {str(m.id): str(m.string) for m in po if m.id and m.string and not m.pluralizable}
    plural = {
        str(m.id[0]): tuple(str(x) for x in m.string)
        for m in po
        if m.id and m.pluralizable and isinstance(m.string, tuple | list) and all(m.string)
    }
    return single, plural, gettext.c2py(po.plural_expr)


def catalog(language: str) -> dict[str, str]:
    """The messages of one language as ``{key: text}``."""
    return _read(language)[0]


def plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """The messages with plural forms (``msgid_plural``) as ``{key: (one, other, …)}``: a
    count picks the form by the catalog's own Plural-Forms rule."""
    return _read(language)[1]


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

    def n(self, key: str, count: int, /, **params: Any) -> str:
        """The plural form of ``key`` that fits ``count`` (also passed as ``{count}``), as
        gettext's ngettext picks it."""
        language = self.language
        forms = plural_catalog(language).get(key)
        if forms is None:
            language, forms = DEFAULT_LANGUAGE, plural_catalog(DEFAULT_LANGUAGE).get(key)
        if forms is None:
            return key
        index = min(_read(language)[2](count), len(forms) - 1)
        return forms[index].format(count=count, **params)


# Words that say which of the two languages a line is in (none in both: "is", "in", "hi").
_ENGLISH_WORDS = frozenset(
    "the my i i'm i've you your and to a an of on for with can could who what please just "
    "have has it this that anyone someone anybody somebody hello thanks thank does do am are "
    "moved need want would here new".split()
)
_DUTCH_WORDS = frozenset(
    "de het een ik je jij u en van op voor met kan kun wie wat mijn mn heb heeft iemand hallo "
    "hoi bedankt dank graag niet ook nog er dat die ben zijn wil wij ons onze hier nieuw".split()
)


def language_of(text: str, default: str) -> str:
    """The language a newcomer's first line is plainly in, else ``default``: a first reply
    in Dutch to "hi all, I'm Pete, just moved in" reads as unwelcome. Plainly: at least two
    English words and no Dutch one (or the other way round)."""
    words = [w.strip(".,!?;:()\"'") for w in text.casefold().split()]
    english = sum(w in _ENGLISH_WORDS for w in words)
    dutch = sum(w in _DUTCH_WORDS for w in words)
    if english >= 2 and dutch == 0 and "en" in SUPPORTED_LANGUAGES:
        return "en"
    if dutch >= 2 and english == 0 and "nl" in SUPPORTED_LANGUAGES:
        return "nl"
    return default

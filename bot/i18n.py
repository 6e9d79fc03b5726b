"""Translation layer: gettext ``.po`` catalogs (Dutch and English) read with Babel.

Message ids are symbolic keys (``onboarding.ask_name``) rather than Dutch sentences, so a
test can prove both catalogs hold every key with the same placeholders, and a Dutch wording
change does not orphan its English translation. Catalogs are read once per process.

Texts with a number in them have plural forms (``msgid_plural`` with the same key,
``msgstr[0]``, ``msgstr[1]``, chosen by the catalog's ``Plural-Forms`` rule, as gettext's
``ngettext`` does): ``t.n("calls.invited", 1)`` says "1 persoon", never "1 mensen".
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES

DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class _Catalog:
    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]]
    plural_index: Callable[[int], int]  # the catalog's Plural-Forms rule: count -> form
    forms: int  # how many forms the language has (nplurals)


@cache
def _read(language: str) -> _Catalog:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    path = resources.files("bot") / "locale" / language / "LC_MESSAGES" / "vonk.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=language)
    messages, plurals = {}, {}
    for m in po:
        if not m.id or not m.string:
            continue
        if m.pluralizable:
            plurals[str(m.id[0])] = tuple(str(form) for form in m.string)
        else:
            messages[str(m.id)] = str(m.string)
    return _Catalog(messages, plurals, gettext.c2py(po.plural_expr), po.num_plurals)


def catalog(language: str) -> dict[str, str]:
    """The messages of one language as ``{key: text}`` (without the plural ones)."""
    return _read(language).messages


def plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """The plural messages of one language as ``{key: (form, ...)}``."""
    return _read(language).plurals


def plural_forms(language: str) -> int:
    """How many plural forms the language's catalog declares (``nplurals``)."""
    return _read(language).forms


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
        """The plural form of ``key`` that fits ``count`` (gettext's ngettext), formatted
        with ``count`` and ``params``."""
        for language in (self.language, DEFAULT_LANGUAGE):
            found = _read(language)
            forms = found.plurals.get(key)
            if forms:
                form = forms[min(found.plural_index(count), len(forms) - 1)]
                return form.format(count=count, **params)
        return key

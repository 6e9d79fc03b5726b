"""Which languages a text names, so that a request for one language is not answered with a
neighbour who speaks another.

Embeddings put "Tamil tolken" right next to "Arabisch tolken", and "gebarentaal" near any
interpreter: the shared part (interpreting) outweighs the one word that decides. A language is
exact: an Arabic interpreter cannot help with Tamil, however close the vectors. So when a
request names a language, a member's text that names only *other* languages does not count
for it (kennis.search). Texts that name no language (most skills) are left alone.

Dutch and English alone do not make a request about a language: requests name them as what
is missing ("ze spreekt nog geen Nederlands", "an English-speaking GP"), while the answer is
another language or another kind of help (:data:`LOCAL`). Named with another language they
count ("mijn Poolse buurman wil Nederlands leren" is met by a Dutch language buddy).
"""

from __future__ import annotations

import re

__all__ = ["LOCAL", "languages"]

# Stems in Dutch and English, with the Dutch adjective and "-talig" forms where they differ.
_NAMES: dict[str, str] = {
    "dutch": r"nederlands(?:e|talig|talige)?|dutch",
    "english": r"engels(?:e|talig|talige)?|english",
    "arabic": r"arabisch(?:e|talig|talige)?|arabic",
    "turkish": r"turks(?:e|talig|talige)?|turkish",
    "polish": r"pools(?:e|talig|talige)?|(?<!nail\s)(?<!shoe\s)polish"  # not shoe polish
    r"(?!\s+(?:my|the|your|his|her|our|it|them|shoes?|nails?|silver|furniture|cars?|floors?"
    r"|wood))",
    "ukrainian": r"oekra[iï]ens(?:e|talig|talige)?|ukrainian",
    "russian": r"russisch(?:e|talig|talige)?|russian",
    "spanish": r"spaans(?:e|talig|talige)?|spanish",
    "french": r"frans(?:e|talig|talige)|french",  # "Frans" alone is also a first name
    "german": r"duits(?:e|talig|talige)?|german",
    "italian": r"italiaans(?:e|talig|talige)?|italian",
    "portuguese": r"portugee?s(?:e|talig|talige)?|portuguese",
    "tigrinya": r"tigrin(?:y|j|i)a",
    "amharic": r"amhaars(?:e)?|amharic",
    "somali": r"somalisch(?:e)?|somali",
    "persian": r"farsi|perzisch(?:e)?|persian|dari",
    "pashto": r"pashto|pasjtoe",
    "kurdish": r"koerdisch(?:e)?|kurdish|kurmanji|sorani",
    "berber": r"berbers(?:e)?|berber|tamazight",
    "chinese": r"chinee?s(?:e)?|chinese|mandarijn|mandarin|kantonees|cantonese",
    "japanese": r"japans(?:e)?|japanese",
    "hindi": r"hindi",
    "urdu": r"urdu",
    "bengali": r"bengaals(?:e)?|bengali",
    "tamil": r"tamil",
    "latin": r"latijn(?:se)?|latin",
    "greek": r"grieks(?:e)?|greek",
    "romanian": r"roemeens(?:e)?|romanian",
    "bulgarian": r"bulgaars(?:e)?|bulgarian",
    "hungarian": r"hongaars(?:e)?|hungarian",
    "papiamento": r"papiaments(?:e)?|papiamento|papiamentu",
    "sranan": r"sranan(?:tongo)?",
    "bosnian-croatian-serbian": r"kroatisch(?:e)?|servisch(?:e)?|bosnisch(?:e)?|croatian"
    r"|serbian|bosnian",
    "hebrew": r"hebreeuws(?:e)?|hebrew",
    "vietnamese": r"vietnamee?s(?:e)?|vietnamese",
    "thai": r"thais(?:e)?|thai",
    "indonesian": r"indonesisch(?:e)?|indonesian",
    "tagalog": r"tagalog|filipino",
    "swahili": r"swahili",
    "danish": r"deens(?:e)?|danish",
    "swedish": r"zweeds(?:e)?|swedish",
    "norwegian": r"noors(?:e)?|norwegian",
    "sign": r"gebarentaal|ngt|sign\s+language|bsl|asl",
}
_BITS = {name: 1 << i for i, name in enumerate(_NAMES)}
_PATTERN = re.compile(
    "|".join(rf"(?P<g{i}>\b(?:{p})\b)" for i, p in enumerate(_NAMES.values())), re.IGNORECASE
)
_GROUPS = {f"g{i}": _BITS[name] for i, name in enumerate(_NAMES)}
#: The languages of the network itself (see the module's docstring).
LOCAL = _BITS["dutch"] | _BITS["english"]


def languages(text: str) -> int:
    """The languages the text names, as a bit mask: 0 when it names none."""
    mask = 0
    for match in _PATTERN.finditer(text):
        mask |= _GROUPS[match.lastgroup or ""]
    return mask

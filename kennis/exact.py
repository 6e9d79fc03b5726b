"""Words that are exact: which languages, instruments and school subjects a text names, so that
a request for one is not answered with a neighbour who does another.

Embeddings put "Tamil tolken" right next to "Arabisch tolken", and "gebarentaal" near any
interpreter: the shared part (interpreting) outweighs the one word that decides. A language is
exact: an Arabic interpreter cannot help with Tamil, however close the vectors. So when a
request names a language, a member's text that names only *other* languages does not count
for it (kennis.search). Texts that name no language (most skills) are left alone. Musical
instruments are the same: a harp teacher is not found among piano teachers; and school
subjects: a physics tutor is not found for chemistry.

Dutch and English alone do not make a request about a language: requests name them as what
is missing ("ze spreekt nog geen Nederlands", "an English-speaking GP"), while the answer is
another language or another kind of help (:data:`LOCAL`). Named with another language they
count ("mijn Poolse buurman wil Nederlands leren" is met by a Dutch language buddy).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

__all__ = [
    "ACTIVITIES",
    "LOCAL",
    "SUBJECTS",
    "asked_for",
    "asked_in",
    "conflicting",
    "exact_terms",
    "mismatched",
    "with_own_languages",
]

# Stems in Dutch and English, with the Dutch adjective and "-talig" forms where they differ; a
# country or people whose newcomers mostly speak the language names it too ("mijn buurvrouw
# komt uit Eritrea": Tigrinya, not Arabic).
_NAMES: dict[str, str] = {
    "dutch": r"nederlands(?:e|talig|talige)?|dutch",
    "english": r"engels(?:e|talig|talige)?|english",
    "arabic": r"arabisch(?:e|talig|talige)?|arabic|syri[eë]|syria|syrisch(?:e)?|syrian|marokk\w*"
    r"|morocc\w*|ira[kq]|iraaks(?:e)?|iraqi|egypt\w*|jemen\w*|yemen\w*|soedan\w*|sudan\w*"
    r"|libanon|libanees|libanese|lebanon|lebanese|palestijn\w*|palestin\w*|algerij\w*"
    r"|algeria\w*|tunesi\w*|tunisia\w*|libi[eë]|libisch(?:e)?|libya\w*",
    "turkish": r"turks(?:e|talig|talige)?|turkish|turkije|turkey",
    "polish": r"pools(?:e|talig|talige)?|polen|poland|polska|gda[nń]sk|warschau|warsaw|krakau"
    r"|krak[oó]w|wroc[lł]aw|pozna[nń]|(?<!nail\s)(?<!shoe\s)polish"  # not shoe polish
    r"(?!\s+(?:my|the|your|his|her|our|it|them|shoes?|nails?|silver|furniture|cars?|floors?"
    r"|wood))",
    "ukrainian": r"oekra[iï]ens(?:e|talig|talige)?|ukrainian|oekra[iï]ne|ukraine|charkiv|kharkiv"
    r"|kyiv|kiev|odessa|lviv",
    "russian": r"russisch(?:e|talig|talige)?|russian|rusland|russia",
    "spanish": r"spaans(?:e|talig|talige)?|spanish|spanje|spain",
    # "Frans" alone is also a first name
    "french": r"frans(?:e|talig|talige)|french|frankrijk|france",
    "german": r"duits(?:e|talig|talige)?|german|germany|duitsland",
    "italian": r"italiaans(?:e|talig|talige)?|italian|itali[eë]|italy",
    "portuguese": r"portugee?s(?:e|talig|talige)?|portuguese|portugal|brazili\w*|brazil",
    "tigrinya": r"tigrin(?:y|j|i)a|eritrea|eritrees|eritrese|eritrean",
    "amharic": r"amhaars(?:e)?|amharic|ethiopi[eë]|ethiopia|ethiopisch(?:e)?|ethiopian",
    "somali": r"somalisch(?:e)?|somali|somali[eë]|somalia",
    "persian": r"farsi|perzisch(?:e)?|persian|dari|iran|iraans(?:e)?|iranian|afghanistan"
    r"|afghaans(?:e)?|afghan",
    "pashto": r"pashto|pasjtoe",
    "kurdish": r"koerdisch(?:e)?|kurdish|kurmanji|sorani|koerdistan|kurdistan",
    "berber": r"berbers(?:e)?|berber|tamazight",
    "chinese": r"chinee?s(?:e)?|chinese|mandarijn|mandarin|kantonees|cantonese|china",
    "japanese": r"japans(?:e)?|japanese|japan",
    "hindi": r"hindi",
    "urdu": r"urdu",
    "bengali": r"bengaals(?:e)?|bengali",
    "tamil": r"tamil",
    "latin": r"latijn(?:se)?|latin",
    "greek": r"grieks(?:e)?|greek|griekenland|greece",
    "romanian": r"roemeens(?:e)?|romanian|roemeni[eë]|romania",
    "bulgarian": r"bulgaars(?:e)?|bulgarian|bulgarije|bulgaria",
    "hungarian": r"hongaars(?:e)?|hungarian|hongarije|hungary",
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
# Instruments, nl and en (plural and "-les" forms through the prefix match of the stem).
_INSTRUMENTS: dict[str, str] = {
    "piano": r"piano\w*|vleugel",
    "organ": r"orgel\w*|organ(?:ist)?",
    "guitar": r"gitaar\w*|gitar\w*|guitar\w*",
    "bass": r"basgitaar\w*|bass\s+guitar|contrabas\w*|double\s+bass",
    "violin": r"viool\w*|violen|violin\w*|fiddle",
    "cello": r"cello\w*",
    "flute": r"dwarsfluit\w*|fluit\w*|flute\w*",
    "recorder": r"blokfluit\w*|recorder",
    "clarinet": r"klarinet\w*|clarinet\w*",
    "saxophone": r"saxofoon\w*|saxophone\w*|sax",
    "trumpet": r"trompet\w*|trumpet\w*",
    "trombone": r"trombone\w*",
    "drums": r"drum\w*|slagwerk\w*|percussie\w*|percussion",
    "accordion": r"accordeon\w*|accordion\w*|trekzak",
    "harp": r"harp\w*",
    "ukulele": r"ukelele\w*|ukulele\w*",
    "mandolin": r"mandoline\w*|mandolin\w*",
    "banjo": r"banjo\w*",
}
# School subjects (the languages are above): a physics tutor does not teach chemistry.
_SUBJECTS: dict[str, str] = {
    "math": r"wiskunde\w*|rekenen|rekenles\w*|rekenbijles|maths?|mathematics|algebra|meetkunde"
    r"|calculus",
    "physics": r"natuurkunde\w*|physics",
    "chemistry": r"scheikunde\w*|chemie|chemistry",
    "biology": r"biologie\w*|biology",
    "history": r"geschiedenis\w*|history",
    "geography": r"aardrijkskunde\w*|geography|topografie",
    "economics": r"economie\w*|economics|bedrijfseconomie",
}
# Activities people take lessons in: asked to be taught one (:func:`asked_in`), only texts
# that name it count, not any teacher ("chess tutor for my daughter?" is no question for the
# maths tutor, "wie geeft zwemles?" none for the cycling teacher). Words that also name
# doing the thing for someone else ("rijden", "drive", "fietsen") count only in their
# teaching forms.
_ACTIVITIES: dict[str, str] = {
    "swimming": r"zwem\w*|swim\w*",
    "driving": r"rijles\w*|autorijles\w*|rijinstruct\w*|rijschool\w*|autorijden|rijbewijs"
    r"|driving\s+(?:lessons?|instruct\w*|school|teacher)|(?:learn|teach\w*\s+(?:\w+\s+){0,3}?)"
    r"\s*to\s+drive",
    "motorcycling": r"motorrij\w*|motor(?:bike|cycle)\s+(?:lessons?|licen[cs]e)",
    "cycling": r"fietsles\w*|leren\s+fietsen|fietsen\s+leren|cycling\s+(?:lessons?|teacher)"
    r"|(?:learn|teach\w*\s+(?:\w+\s+){0,3}?)\s*to\s+(?:cycle|ride\s+a\s+bike)",
    "chess": r"schaak\w*|schaken|chess",
    "draughts": r"dammen|damles\w*|draughts|checkers",
    "tennis": r"tennis\w*",
    "golf": r"golf|golfen|golfles\w*|golfclub\w*|golfer\w*|golfing",
    "dance": r"dans|dansen|dansles\w*|dansschool\w*|dance\w*|dancing|salsa\w*|tango\w*"
    r"|ballet\w*|zumba\w*|stijldans\w*",
    "yoga": r"yoga\w*",
    "pilates": r"pilates",
    "skating": r"schaats\w*|skat(?:e|es|ing)|skeeler\w*",
    "horse riding": r"paardrij\w*|horse\s*riding|ride\s+a\s+horse|manege",
    "martial arts": r"judo\w*|karate\w*|boks\w*|boxing|kickbox\w*|taekwondo|zelfverdediging\w*"
    r"|self[-\s]defen[cs]e|vechtsport\w*|martial\s+arts?",
    "knitting": r"brei|breien|breiles\w*|knit\w*|haken|haakles\w*|crochet\w*",
    "sewing": r"naai\w*|sew|sewing|naaien",
    "football": r"voetbal\w*|football|soccer",
    "hockey": r"hockey\w*",
    "running": r"hardloop\w*|hardlopen|running|runners?|jogg\w*",
}
_FAMILIES = {
    "language": _NAMES,
    "instrument": _INSTRUMENTS,
    "subject": _SUBJECTS,
    "activity": _ACTIVITIES,
}
_BITS: dict[str, int] = {}
_FAMILY_MASKS: dict[str, int] = {}
for _family, _names in _FAMILIES.items():
    for _name in _names:
        _BITS[f"{_family}:{_name}"] = 1 << len(_BITS)
    _FAMILY_MASKS[_family] = sum(_BITS[f"{_family}:{n}"] for n in _names)
_PATTERNS = [
    (f"{family}:{name}", pattern)
    for family, names in _FAMILIES.items()
    for name, pattern in names.items()
]


def _split(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (no ``|`` inside groups or classes)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _closing(pattern: str, at: int, opening: str, closing: str) -> int:
    """The index of the bracket that closes the one at ``at``."""
    depth, i = 0, at
    while True:
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1


def _first_letters(pattern: str) -> set[str] | None:
    """The letters (lower case) a match of ``pattern`` can start with; None when it could
    start with anything this reading does not follow (an escape such as ``\\w``)."""
    out: set[str] = set()
    for branch in _split(pattern):
        rest = branch
        while rest.startswith(("(?<!", "(?<=")):  # a look-behind takes no letters
            rest = rest[_closing(rest, 0, "(", ")") + 1 :]
        if not rest:
            return None
        if rest[0] == "(":
            end = _closing(rest, 0, "(", ")")
            inner = rest[1:end].removeprefix("?:")
            firsts = _first_letters(inner)
        elif rest[0] == "[":
            end = _closing(rest, 0, "[", "]")
            inner = rest[1:end]
            firsts = None if "\\" in inner or "-" in inner.strip("-") else set(inner.lower())
        elif rest[0].isalpha():
            end, firsts = 0, {rest[0].lower()}
        else:
            return None
        if firsts is None:
            return None
        out |= firsts
        if rest[end + 1 : end + 2] == "{":
            return None
        if rest[end + 1 : end + 2] in ("?", "*"):  # optional: what follows may come first
            more = _first_letters(rest[end + 2 :] or "\\")
            if more is None:
                return None
            out |= more
    return out


def _by_first_letter() -> dict[str, re.Pattern[str]]:
    """Per first letter, the alternatives a match starting with it can take, in their order
    (matched where a word starts): Python's regular expressions try alternatives one by one,
    so the ~300 alternatives in one pattern cost ~0.1 ms a text, and indexing a 10k-member
    network spent ~3 s of its main thread there. Alternatives whose first letter this does
    not read go into every pattern; a word starting with another character (one that case
    folding may equate to a letter, "ſ") takes the whole pattern."""
    branches = [(i, b, _first_letters(b)) for i, (_, p) in enumerate(_PATTERNS) for b in _split(p)]
    letters = sorted({c for _, _, f in branches if f for c in f})

    def compile_for(letter: str) -> re.Pattern[str]:
        groups: dict[int, list[str]] = {}
        for i, branch, firsts in branches:
            if firsts is None or letter in firsts:
                groups.setdefault(i, []).append(branch)
        alternatives = "|".join(rf"(?P<g{i}>{'|'.join(bs)})" for i, bs in groups.items())
        return re.compile(rf"(?:{alternatives or '(?!)'})\b", re.IGNORECASE)

    return {c: compile_for(c) for c in letters}


_PATTERN = re.compile(
    r"\b(?:" + "|".join(rf"(?P<g{i}>(?:{p}))" for i, (_, p) in enumerate(_PATTERNS)) + r")\b",
    re.IGNORECASE,
)
_STARTING = _by_first_letter()
_WORD_START = re.compile(r"\b\w")
_GROUPS = {f"g{i}": _BITS[key] for i, (key, _) in enumerate(_PATTERNS)}
#: The school subjects' bits: a subject named in a skill is what the skill is about, where a
#: language may be a cuisine or a culture ("Spaans koken", "Turkse hapjes maken").
SUBJECTS = _FAMILY_MASKS["subject"]
# Set in a request's mask (never in a text's) when the language it names is to be translated
# or interpreted: texts that name no language do not count either (see mismatched).
_NAMING_REQUIRED = 1 << len(_BITS)
#: The activities' bits (see _ACTIVITIES).
ACTIVITIES = _FAMILY_MASKS["activity"]
# Instruments, school subjects and activities: the things one takes lessons in.
_TAUGHT_THINGS = _FAMILY_MASKS["instrument"] | SUBJECTS | ACTIVITIES
#: The languages of the network itself (see the module's docstring).
LOCAL = _BITS["language:dutch"] | _BITS["language:english"]


@lru_cache(maxsize=4096)  # member texts repeat (the same skill, a kind link per skill)
def exact_terms(text: str) -> int:
    """The languages, instruments and school subjects the text names, as a bit mask (a Python
    int: wider than 64 bits): 0 when it names none."""
    mask, end = 0, 0
    for word in _WORD_START.finditer(text):
        at = word.start()
        if at < end:
            continue
        match = _STARTING.get(text[at].lower(), _PATTERN).match(text, at)
        if match is not None:
            mask |= _GROUPS[match.lastgroup or ""]
            end = match.end()
    return mask


def asked_for(mask: int) -> int:
    """The part of a request's terms that asks for something exact: Dutch or English alone
    do not (see the module's docstring)."""
    languages = mask & _FAMILY_MASKS["language"]
    if not languages & ~LOCAL:
        mask &= ~languages
    return mask


# Dutch or English named as what someone lacks ("spreekt nog geen Nederlands", "doesn't speak
# any English or Dutch"): what is missing, never what is asked, whatever else is named.
_LACKING = re.compile(
    r"(?:\b(?:geen|niet|no|not|never|nooit|nauwelijks|amper|weinig|barely|hardly)|n't)"
    r"(?:\s+\w+){0,4}?\s+(?:nederlands|dutch|engels|english)\b",
    re.IGNORECASE,
)


# Translating or interpreting: the other language is the one that decides ("translate my
# dad's Polish pension letter into English" needs someone with Polish; a Dutch-English
# translator cannot read it).
_TRANSLATION_WORDS = r"vertal\w*|translat\w*|tolk\w*|interpret\w*"
_TRANSLATING = re.compile(rf"\b(?:{_TRANSLATION_WORDS}|be[eë]digd\w*|sworn)\b", re.IGNORECASE)


# Asking to be taught ("zwemles", "a chess tutor", "wie kan mij leren autorijden?"), for an
# activity named in the same words; "alles" is no lesson.
_TAUGHT = re.compile(
    r"\b(?:\w*(?<!\bal)les|lessen|lessons?|leraar|lerares|leerkracht|teacher|teach\w*|leren|learn"
    r"\w*|coach\w*|instruct\w*|trainer|training|cursus|course|clinic|workshops?|tutor\w*|docent"
    r"\w*|bijles)\b",
    re.IGNORECASE,
)


def asked_in(text: str) -> int:
    """What a request asks for that is exact: :func:`asked_for` of its terms, less Dutch and
    English where the words say someone lacks them ("komt uit Eritrea en spreekt nog geen
    Nederlands" asks for Tigrinya, not for the Dutch language buddy) or where a text is to
    be translated from or into another language."""
    mask = exact_terms(text)
    if mask & ACTIVITIES and not _TAUGHT.search(text):
        mask &= ~ACTIVITIES  # named, not asked to be taught: "I can't cycle anymore, …"
    translating = bool(_TRANSLATING.search(text))
    if mask & LOCAL and (_LACKING.search(text) or translating):
        if mask & _FAMILY_MASKS["language"] & ~LOCAL:
            mask &= ~LOCAL
    mask = asked_for(mask)
    if translating and mask & _FAMILY_MASKS["language"]:
        mask |= _NAMING_REQUIRED  # "een tolk Pools": only texts naming Polish
    return mask


def mismatched(asked: int, masks: np.ndarray, *, strict: bool = True) -> np.ndarray:
    """Per text (its :func:`exact_terms`, in an object array: the masks are wider than 64
    bits), whether it names only other languages, instruments or subjects, in a family the
    request (``asked``, from :func:`asked_in`) names; for an activity asked to be taught, and
    for a language asked to be translated, whether it does not name it. ``strict=False``:
    a language to translate is read as any other (the naming bar of kennis.search weighs
    every interpreting kind, not only the one naming it)."""
    out = np.zeros(len(masks), dtype=bool)
    wanted = asked & _TAUGHT_THINGS
    if wanted:
        # What one is taught, across families: a piano lesson asked is not met by a text that
        # names only teaching adults to cycle (or maths, or swimming).
        named = masks & _TAUGHT_THINGS
        out |= ((named != 0) & ((named & wanted) == 0)).astype(bool)
    for name, family in _FAMILY_MASKS.items():
        wanted = asked & family
        if wanted:
            named = masks & family
            if name == "activity" or (strict and name == "language" and asked & _NAMING_REQUIRED):
                # only a text that names it: see _ACTIVITIES and asked_in
                out |= ((named & wanted) == 0).astype(bool)
            else:
                out |= ((named != 0) & ((named & wanted) == 0)).astype(bool)
    return out


def conflicting(a: int, b: int) -> bool:
    """Whether two texts' terms (:func:`exact_terms`) name different things of one family and
    nothing in common there: a skill "dari tolk" is not linked to the kind of help of
    Tigrinya interpreters, whatever the vectors say."""
    for family in _FAMILY_MASKS.values():
        x, y = a & family, b & family
        if x and y and not x & y:
            return True
    return False


# Work with a language that does not say which one ("mee als tolk naar de dokter", "translating
# letters"): done in the languages the member names elsewhere.
_LANGUAGE_WORK = re.compile(
    rf"\b(?:{_TRANSLATION_WORDS}|\w*taal\w*|languages?|conversati\w*)\b", re.IGNORECASE
)


def with_own_languages(masks: dict[str, int]) -> dict[str, int]:
    """One member's texts -> their terms, with the languages the member names anywhere added
    to each text about language work that names none: someone whose skills are "Turks tolken"
    and "mee als tolk naar de dokter" interprets Turkish at the doctor's, not Tigrinya."""
    family = _FAMILY_MASKS["language"]
    own = 0
    for mask in masks.values():
        own |= mask & family & ~LOCAL
    if not own:
        return masks
    return {
        text: mask | own if not mask & family and _LANGUAGE_WORK.search(text) else mask
        for text, mask in masks.items()
    }

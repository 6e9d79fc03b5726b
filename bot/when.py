"""Natural Dutch/English dates and times inside free chat text.

Members write ``/oproep Opruimen speelveld zaterdag 10:00 #Oost 5 mensen`` or
``ik ga vrijdag de flyers rondbrengen``; the bot needs the moment *and* the text without it.

Why a hand-written recogniser first and ``dateparser`` only as a filtered fallback: measured with
dateparser 1.5 (``search_dates``, languages nl+en, PREFER_DATES_FROM=future) on a Tuesday
2026-11-24 12:00 it reads ``32 december`` as 24 Dec 2032, ``15/12 om 19.30`` as the year 2119,
``31 april`` silently as 24 April, the words ``we`` and ``nu`` as dates, and it does not know
``over twee weken``, ``vanavond``, ``maandagochtend`` or ``over een week``; ``volgende week
woensdag`` comes back as two separate dates. It also cannot tell "no time given" from
"00:00". The recogniser below covers the patterns members actually type, validates every
date strictly, and never treats numbers like ``5 mensen`` or ``#10`` as date parts. Only when
it finds nothing at all is dateparser asked, and its answer is accepted only when the matched
words are all date vocabulary (see :func:`_fallback`).

Rules (all relative to ``now``; results are never in the past):

* A weekday name means the next such day. On that same weekday it means *today* only when a
  time is given that is still ahead; otherwise it means the same day next week.
  ``volgende vrijdag`` / ``next friday`` / ``komende`` / ``aanstaande`` is the first Friday
  after today (never today); ``volgende week vrijdag`` / ``friday next week`` is the Friday of
  next (ISO, Monday-based) week. ``deze vrijdag`` / ``this friday`` may be today.
* ``15 december`` without a year is the next 15 December that is not before today (today
  counts unless a time is given that has already passed). ``29 februari`` finds the next leap
  year. With an explicit year a past date is reported as invalid (reason ``"past"``).
* Numeric dates are day-first (``15-12``, ``15/12``, ``15-12-2026``), ISO ``2026-12-15`` too.
* A time alone (``14:00``, ``10 uur``) is today if still ahead, else tomorrow.
* Parts of the day count as a time with a conventional hour (ochtend/morning 09:00,
  middag/afternoon 14:00, avond/evening 19:00): ``maandagochtend`` -> Monday 09:00,
  ``has_time=True``. ``vanavond`` after 19:00 (but before midnight) means the next quarter hour.
  A clock hour below 12 combined with middag/avond/pm is moved to the afternoon/evening.
* ``vandaag 10:00`` at 12:00, ``vanochtend`` in the afternoon: invalid (reason ``"past"``).
* ``volgende week`` alone is Monday of next week; ``dit weekend`` / ``komend weekend`` is
  the coming Saturday (today on a Saturday or Sunday); ``volgend weekend`` / ``next
  weekend`` is the Saturday of next week, like ``volgende week zaterdag``. ``eind deze
  maand`` / ``end of the month`` is the month's last day, and so is a month named alone:
  ``in januari``, ``eind maart``, ``by the end of May``. Fixed feast days name their date
  (``kerst`` 25 December, ``oud en nieuw`` 31 December, ``koningsdag`` 27 April, …); ``na
  de kerst`` / ``after Christmas`` is 27 December, ``voor de kerst`` the 24th.
* ``over 3 dagen`` / ``in two weeks`` / ``over een maand`` give a day (``has_time=False``);
  ``over 2 uur`` / ``in 30 minutes`` give an exact moment (real elapsed time, DST-safe).
* Day-only results carry 00:00 local time and ``has_time=False``: the caller picks the hour
  (suggested: 10:00 for an oproep, end of the day for a pledge deadline).
* Wall-clock times that do not exist (02:30 on the spring-forward night) move forward by the
  DST gap; ambiguous ones (autumn) take the first occurrence.

:func:`parse_when` distinguishes "nothing found" (``None``) from "a date was written but it is
impossible" (:class:`InvalidWhen`), so the caller can answer "32 december bestaat niet"
instead of a generic question; :func:`find_when` collapses both to ``None``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date

__all__ = [
    "InvalidWhen",
    "Recurrence",
    "VagueRecurrence",
    "When",
    "find_when",
    "first_occurrence",
    "format_when",
    "parse_recurrence",
    "parse_when",
]

SUPPORTED_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class When:
    """A recognised moment plus the message text without it."""

    at: datetime  # timezone-aware, in the given tz
    has_time: bool  # False when only a day was given (caller picks a default hour)
    matched: str  # the substring that was recognised as the date/time
    rest: str  # the input with that substring removed and whitespace tidied
    #: False when only a time was given ("om 11 uur"): ``at`` is then its next occurrence,
    #: and a caller changing a known moment keeps that moment's day.
    has_date: bool = True


InvalidReason = Literal["no_such_date", "past", "weekday_mismatch", "bad_time", "vague"]


@dataclass(frozen=True)
class InvalidWhen:
    """A date was clearly written but cannot be used; lets the caller say *why*.

    ``reason`` is one of ``"no_such_date"`` (32 december, 31-04), ``"past"`` (vandaag 10:00 at
    noon, 1 maart 2020), ``"weekday_mismatch"`` (vrijdag 28 november when that is a Saturday)
    or ``"bad_time"`` (25:00 next to a date).
    """

    matched: str
    reason: InvalidReason


# --------------------------------------------------------------------------- vocabulary

_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "nl": {
        "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
        "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
    },
    "en": {
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    },
}  # fmt: skip

_WEEKDAYS: dict[str, dict[str, int]] = {
    "nl": {
        "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4,
        "zaterdag": 5, "zondag": 6,
    },
    "en": {
        "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
        "saturday": 5, "sunday": 6,
    },
}  # fmt: skip

# Abbreviations are ordinary words too ("zo", "do", "sat", "sun"), so they only count when the
# same expression also has a clock time or a day number ("za 10:00", "wo 3 dec").
_WEEKDAY_ABBR: dict[str, dict[str, int]] = {
    "nl": {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6},
    "en": {
        "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
        "fri": 4, "sat": 5, "sun": 6,
    },
}  # fmt: skip

_MONTHS: dict[str, dict[str, int]] = {
    "nl": {
        "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "mar": 3,
        "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
        "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
        "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    },
    "en": {
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
        "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
        "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10,
        "november": 11, "nov": 11, "december": 12, "dec": 12,
    },
}  # fmt: skip

# Part of the day -> canonical name.
_PARTS: dict[str, dict[str, str]] = {
    "nl": {"ochtend": "morning", "morgen": "morning", "middag": "afternoon", "avond": "evening"},
    "en": {"morning": "morning", "afternoon": "afternoon", "evening": "evening",
           "night": "evening"},
}  # fmt: skip

# Conventional hour for a part of the day, and the hour at which that part ends.
_PART_HOUR = {"morning": 9, "afternoon": 14, "evening": 19}
_PART_END = {"morning": 12, "afternoon": 18, "evening": 24}

_REL_DAYS: dict[str, dict[str, int]] = {
    "nl": {"vandaag": 0, "morgen": 1, "overmorgen": 2},
    "en": {"today": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2},
}

_UNITS: dict[str, dict[str, str]] = {
    "nl": {
        "dag": "days", "dagen": "days", "week": "weeks", "weken": "weeks", "maand": "months",
        "maanden": "months", "uur": "hours", "uren": "hours", "minuut": "minutes",
        "minuten": "minutes", "kwartier": "quarters",
    },
    "en": {
        "day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months",
        "months": "months", "hour": "hours", "hours": "hours", "minute": "minutes",
        "minutes": "minutes",
    },
}  # fmt: skip


# Fixed feast days (month, day); "na de kerst" is two days after Christmas Day (after Boxing
# Day), "voor de kerst" the day before. Moving feasts (Easter, Whitsun) are left out.
_FEASTS: dict[str, tuple[int, int]] = {
    "kerst": (12, 25), "kerstmis": (12, 25), "kerstfeest": (12, 25), "eerste kerstdag": (12, 25),
    "christmas": (12, 25), "christmas day": (12, 25), "xmas": (12, 25),
    "kerstavond": (12, 24), "christmas eve": (12, 24),
    "tweede kerstdag": (12, 26), "boxing day": (12, 26),
    "oudjaar": (12, 31), "oudejaarsdag": (12, 31), "oudejaarsavond": (12, 31),
    "oud en nieuw": (12, 31), "new year's eve": (12, 31), "new years eve": (12, 31),
    "nieuwjaar": (1, 1), "nieuwjaarsdag": (1, 1), "new year's day": (1, 1),
    "new years day": (1, 1), "new year": (1, 1),
    "sinterklaas": (12, 5), "pakjesavond": (12, 5),
    "koningsdag": (4, 27), "king's day": (4, 27), "kings day": (4, 27),
    "bevrijdingsdag": (5, 5), "liberation day": (5, 5),
}  # fmt: skip


def _alt(words: Sequence[str]) -> str:
    """Regex alternation, longest first so that e.g. 'sept' wins over 'sep'."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _merged(table: Mapping[str, Mapping[str, Any]], languages: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in languages:
        out.update(table[lang])
    return out


# --------------------------------------------------------------------------- pieces


@dataclass(frozen=True)
class _Piece:
    """One atomic recognised fragment; adjacent pieces are merged into one expression."""

    start: int
    end: int
    kind: Literal["date", "time", "part"]
    spec: tuple  # interpretation, see _resolve
    weak: bool = False  # counts only together with another piece (abbreviations, "om 8")
    invalid: InvalidReason | None = None


# Numbers that belong to something else: hashtags, amounts, other numbers glued on.
_NUM_BEFORE = r"(?<![\w#€$£.,:/\-])"
_NUM_AFTER = r"(?![\w.,:/\-]\d|\d|%)"


class _Grammar:
    """Compiled patterns for one set of languages (cached: compiling is the slow part)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.numbers: dict[str, int] = _merged(_NUMBER_WORDS, languages)
        self.weekdays: dict[str, int] = _merged(_WEEKDAYS, languages)
        self.weekday_abbr: dict[str, int] = _merged(_WEEKDAY_ABBR, languages)
        self.months: dict[str, int] = _merged(_MONTHS, languages)
        self.parts: dict[str, str] = _merged(_PARTS, languages)
        self.rel_days: dict[str, int] = _merged(_REL_DAYS, languages)
        self.units: dict[str, str] = _merged(_UNITS, languages)
        nl, en = "nl" in languages, "en" in languages

        num = rf"(?:\d{{1,3}}|{_alt(list(self.numbers))})"
        month = rf"(?:{_alt(list(self.months))})\.?"
        wd_full = _alt(list(self.weekdays))
        wd_abbr = _alt(list(self.weekday_abbr))
        part_words = _alt(list(self.parts))
        ordinal = r"(?:ste|de|e|st|nd|rd|th)?"
        next_words = [*(["volgende", "komende", "aanstaande"] if nl else []),
                      *(["next", "coming"] if en else [])]  # fmt: skip
        this_words = [*(["deze"] if nl else []), *(["this"] if en else [])]
        next_week = [*(["volgende week"] if nl else []), *(["next week"] if en else [])]
        b = r"(?<![\w#])"
        e = r"(?!\w)"

        p: list[tuple[str, str]] = []
        # Weekday, optionally with modifier, glued/following part of day, "next week" suffix.
        p.append(
            (
                "weekday",
                rf"{b}(?:(?P<mod>{_alt(next_words + this_words)})\s+)?"
                rf"(?:(?P<nw1>{_alt(next_week)})\s+)?"
                rf"(?P<wd>{wd_full})(?:\s+(?P<nw2>{_alt(next_week)}))?{e}"
                rf"|{b}(?P<wd_glued>{wd_full})(?P<gpart>{part_words}){e}",
            )
        )
        p.append(("weekday_abbr", rf"{b}(?P<wd>{wd_abbr})\.?{e}"))
        if nl or en:
            p.append(("next_week_suffix", rf"{b}(?:{_alt(next_week)}){e}"))
        rel_keys = [k for k in self.rel_days]
        p.append(("rel", rf"{b}(?P<rel>{_alt(rel_keys)})(?P<gpart>{part_words})?{e}"))
        if nl:
            p.append(("van_part", rf"{b}van(?P<vpart>ochtend|middag|avond|nacht){e}"))
        if en:
            p.append(("tonight", rf"{b}(?:tonight|this (?P<tpart>morning|afternoon|evening)){e}"))
        p.append(
            (
                "weekend",
                rf"{b}(?:(?P<wk_next>volgend|volgende|next)\s+weekend|dit weekend|"
                rf"in het weekend|komend weekend|this weekend|at the weekend|on the weekend|"
                rf"this coming weekend|the coming weekend){e}",
            )
        )
        p.append(
            (
                "feast",
                rf"{b}(?:(?P<fx>na|after|voor|before)\s+)?(?:de\s+|the\s+)?"
                rf"(?P<feast>{_alt(sorted(_FEASTS, key=len, reverse=True))}){e}",
            )
        )
        # "in januari", "eind maart", "by the end of May": a month named alone is the whole
        # month, so its last day (a pledge's deadline; before, "in januari" was the 1st)
        p.append(
            (
                "month_in",
                rf"{b}(?:in|eind(?:e)?|aan\s+het\s+eind(?:e)?\s+van|(?:by\s+|at\s+)?(?:the\s+)?end"
                rf"\s+of|during)\s+(?P<mi>{month})(?!\s*\d){e}",
            )
        )
        p.append(
            (
                "month_end",
                rf"{b}(?:(?:aan\s+het\s+)?eind(?:e)?\s+(?:van\s+)?(?:deze|de)\s+maand|"
                rf"(?:at\s+the\s+|by\s+the\s+)?end\s+of\s+(?:the|this)\s+month){e}",
            )
        )
        p.append(
            (
                "delta",
                rf"{b}(?:over|in)\s+(?P<n>{num}|een half|half an?)\s+"
                rf"(?P<unit>{_alt(list(self.units))}){e}",
            )
        )
        p.append(
            (
                "dm",
                rf"{_NUM_BEFORE}(?P<d>\d{{1,2}}){ordinal}\s+(?:of\s+)?(?P<m>{month})"
                rf"(?:\s+(?P<y>\d{{4}}))?{e}",
            )
        )
        # A day of the month without the month ("the 26th", "saturday the 26th", "friday
        # 18th", "op de 26ste", "zaterdag de 26e"): the next such day (on that weekday, if
        # one is named). Not before a month (the "dm" pattern's), nor an ordinal of
        # something else ("the 3rd floor", "de 2e keer").
        not_a_day = (
            r"(?!\s*(?:of\s+)?" + month + r")(?!\s*(?:time|times|place|floor|grade|year|round"
            r"|edition|birthday|century|attempt|try|row|street|keer|plaats|verdieping|klas|groep"
            r"|jaar|ronde|editie|verjaardag|eeuw|week|les|straat|poging)\b)"
        )
        dom = []
        if en:
            dom.append(rf"{b}(?:on\s+)?the\s+(?P<dom>\d{{1,2}})(?:st|nd|rd|th){not_a_day}{e}")
            dom.append(rf"(?<=day\s)(?P<dom2>\d{{1,2}})(?:st|nd|rd|th){not_a_day}{e}")
        if nl:
            dom.append(rf"{b}(?:op\s+)?de\s+(?P<dom3>\d{{1,2}})(?:e|ste|de){not_a_day}{e}")
            dom.append(rf"(?<=dag\s)(?P<dom4>\d{{1,2}})(?:e|ste|de){not_a_day}{e}")
        if dom:
            p.append(("dom", "|".join(dom)))
        if en:
            p.append(
                (
                    "md",
                    rf"{b}(?P<m>{month})\s+(?P<d>\d{{1,2}}){ordinal}"
                    rf"(?:,?\s+(?P<y>\d{{4}}))?{e}",
                )
            )
        p.append(
            (
                "iso",
                rf"{_NUM_BEFORE}(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"
                rf"{_NUM_AFTER}",
            )
        )
        p.append(
            (
                "num",
                rf"{_NUM_BEFORE}(?P<d>\d{{1,2}})(?P<sep>[-/])(?P<m>\d{{1,2}})"
                rf"(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}}))?{_NUM_AFTER}(?!\s*uur)",
            )
        )
        p.append(
            (
                "num_dot",
                rf"{_NUM_BEFORE}(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}})"
                rf"{_NUM_AFTER}",
            )
        )
        # Clock times. Order inside one alternation does not matter: longest match wins.
        pre = r"(?:(?:om|at|rond|around|tegen)\s+)?"
        p.append(
            (
                "hhmm",
                rf"{b}{pre}{_NUM_BEFORE}(?P<h>\d{{1,2}})[:.](?P<mi>\d{{2}})"
                r"(?:\s*(?P<ampm>[ap])\.?m\.?(?!\w))?(?:\s*(?:uur|u|h)(?!\w))?"
                rf"{_NUM_AFTER}",
            )
        )
        if en:
            p.append(
                (
                    "ampm",
                    rf"{b}{pre}{_NUM_BEFORE}(?P<h>\d{{1,2}})\s*(?P<ampm>[ap])\.?m\.?"
                    r"(?!\w)",
                )
            )
            p.append(("noon", rf"{b}(?:at\s+)?noon{e}"))
        if nl:
            p.append(
                (
                    "uur",
                    rf"{b}(?P<upre>(?:om|rond|tegen)\s+)?"
                    rf"(?P<h>\d{{1,2}}|{_alt(list(_NUMBER_WORDS['nl']))})"
                    r"\s*uur(?!\w)",
                )
            )
            p.append(("u", rf"{b}{pre}{_NUM_BEFORE}(?P<h>\d{{1,2}})u(?P<mi>\d{{2}})?(?!\w)"))
        # "10-12 uur", "10:00-12:00", "van 10 tot 12 uur": the start time counts.
        p.append(
            (
                "range",
                rf"{b}{pre}{_NUM_BEFORE}(?P<h>\d{{1,2}})(?:[:.](?P<mi>\d{{2}}))?"
                r"\s*(?:-|–|tot|to)\s*\d{1,2}(?:(?:[:.]\d{2})(?:\s*uur)?|\s*uur)(?!\w)",
            )
        )
        # Half and quarter hours: "half vier" is 15:30 (half *to* four), "kwart voor negen"
        # 08:45, "kwart over 10" 10:15; "half past six" 18:30, "a quarter to nine" 08:45.
        hour_word = rf"(?:\d{{1,2}}|{_alt(list(self.numbers))})"
        fractions = []
        if nl:
            fractions.append(r"(?:(?P<kw>kwart)\s+(?P<dir_nl>voor|over)|(?P<half_nl>half))")
        if en:
            fractions.append(
                r"(?:(?:a\s+)?(?P<qen>quarter)\s+(?P<dir_en>to|past)|(?P<half_en>half)\s+past)"
            )
        p.append(
            (
                "fraction",
                rf"{b}{pre}(?:{'|'.join(fractions)})\s+(?P<h>{hour_word})(?:\s*uur)?{e}",
            )
        )
        weak_pre = _alt([*(["om"] if nl else []), *(["at"] if en else [])])
        p.append(("weak_hour", rf"{b}(?:{weak_pre})\s+(?P<h>\d{{1,2}}){_NUM_AFTER}"))
        # Parts of the day as separate words.
        part_re = []
        if nl:
            part_re.append(r"'s\s?(?P<spart>ochtends|morgens|middags|avonds)")
            part_re.append(r"in de (?P<ipart>ochtend|middag|avond)")
        if en:
            part_re.append(r"in the (?P<epart>morning|afternoon|evening)")
        if part_re:
            p.append(("part", rf"(?<!\w)(?:{'|'.join(part_re)}){e}"))
        if en:
            p.append(("part_bare", rf"{b}(?P<bpart>morning|afternoon|evening|night){e}"))
        if nl:
            p.append(("part_bare_nl", rf"{b}(?P<bpart>ochtend|middag|avond){e}"))
        self.patterns = [(name, re.compile(rx, re.IGNORECASE)) for name, rx in p]

    # ----------------------------------------------------------------- piece extraction

    def pieces(self, text: str) -> list[_Piece]:
        """All recognised fragments, longest-first and non-overlapping, in text order."""
        found: list[_Piece] = []
        for name, rx in self.patterns:
            for m in rx.finditer(text):
                piece = self._piece(name, m)
                if piece is not None:
                    found.append(piece)
        found.sort(key=lambda pc: (pc.start, -(pc.end - pc.start)))
        chosen: list[_Piece] = []
        last_end = -1
        for pc in found:
            if pc.start >= last_end:
                chosen.append(pc)
                last_end = pc.end
        return chosen

    def _number(self, token: str) -> int | None:
        token = token.lower()
        if token.isdigit():
            return int(token)
        if token in ("een half", "half a", "half an"):
            return -1  # marker for "half an hour" handled by the caller
        return self.numbers.get(token)

    def _piece(self, name: str, m: re.Match[str]) -> _Piece | None:
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        s, e = m.start(), m.end()
        low = {k: v.lower() for k, v in g.items()}
        if name == "weekday":
            if "wd_glued" in g:
                return _Piece(
                    s,
                    e,
                    "date",
                    ("weekday", self.weekdays[low["wd_glued"]], "plain", self.parts[low["gpart"]]),
                )
            mod = low.get("mod")
            mode = "plain"
            if "nw1" in g or "nw2" in g:
                mode = "nextweek"
            elif mod in ("volgende", "komende", "aanstaande", "next", "coming"):
                mode = "next"
            elif mod in ("deze", "this"):
                mode = "this"
            return _Piece(s, e, "date", ("weekday", self.weekdays[low["wd"]], mode, None))
        if name == "weekday_abbr":
            return _Piece(
                s, e, "date", ("weekday", self.weekday_abbr[low["wd"]], "plain", None), weak=True
            )
        if name == "next_week_suffix":
            return _Piece(s, e, "date", ("nextweek",))
        if name == "rel":
            part = self.parts[low["gpart"]] if "gpart" in g else None
            return _Piece(s, e, "date", ("rel", self.rel_days[low["rel"]], part))
        if name == "van_part":
            part = {"ochtend": "morning", "middag": "afternoon", "avond": "evening",
                    "nacht": "evening"}[low["vpart"]]  # fmt: skip
            return _Piece(s, e, "date", ("rel", 0, part))
        if name == "tonight":
            return _Piece(s, e, "date", ("rel", 0, low.get("tpart", "evening")))
        if name == "weekend":
            return _Piece(s, e, "date", ("weekend", bool(low.get("wk_next"))))
        if name == "month_end":
            return _Piece(s, e, "date", ("month_end",))
        if name == "month_in":
            return _Piece(s, e, "date", ("month_in", self.months[low["mi"].rstrip(".")]))
        if name == "feast":
            shift = {"na": 2, "after": 2, "voor": -1, "before": -1}.get(low.get("fx") or "", 0)
            month, day = _FEASTS[low["feast"]]
            return _Piece(s, e, "date", ("feast", month, day, shift))
        if name == "delta":
            n = self._number(low["n"])
            unit = self.units[low["unit"]]
            if n is None:
                return None
            if n == -1:  # "over een half uur" / "in half an hour"
                if unit != "hours":
                    return None
                n, unit = 30, "minutes"
            if n == 0 or n > 400:
                return None
            return _Piece(s, e, "date", ("delta", n, unit))
        if name == "dom":
            d = int(g.get("dom") or g.get("dom2") or g.get("dom3") or g.get("dom4") or 0)
            if not 1 <= d <= 31:
                return None
            return _Piece(s, e, "date", ("abs", d, None, None))
        if name in ("dm", "md"):
            d, mo = int(g["d"]), self.months[low["m"].rstrip(".")]
            y = int(g["y"]) if "y" in g else None
            return self._abs(s, e, d, mo, y)
        if name in ("iso", "num", "num_dot"):
            d, mo = int(g["d"]), int(g["m"])
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                return None  # not a date at all (a score, a range): don't guess
            y = int(g["y"]) if "y" in g else None
            if y is not None and y < 100:
                y += 2000
            piece = self._abs(s, e, d, mo, y)
            if name == "num" and y is None and d < 10 and mo < 10 and len(g["d"] + g["m"]) == 2:
                # "3-2" is as likely a score as a date: only with a time or weekday beside it.
                piece = _Piece(
                    piece.start, piece.end, piece.kind, piece.spec, weak=True, invalid=piece.invalid
                )
            return piece
        if name in ("hhmm", "u", "range"):
            h, mi = int(g["h"]), int(g.get("mi", "0"))
            ampm = low.get("ampm")
            if ampm:
                if not 1 <= h <= 12:
                    return None
                h = h % 12 + (12 if ampm == "p" else 0)
            if h > 24 or mi > 59 or (h == 24 and mi):
                return None
            return _Piece(s, e, "time", ("clock", h % 24, mi, ampm is not None))
        if name == "ampm":
            h = int(g["h"])
            if not 1 <= h <= 12:
                return None
            return _Piece(
                s, e, "time", ("clock", h % 12 + (12 if low["ampm"] == "p" else 0), 0, True)
            )
        if name == "noon":
            return _Piece(s, e, "time", ("clock", 12, 0, True))
        if name == "fraction":
            said = self._number(low["h"])
            if said is None or not 1 <= said <= 12:
                return None
            h = _afternoon(said)
            if "half_nl" in g:  # Dutch "half vier": half an hour before four
                h, mi = h - 1, 30
            elif "half_en" in g:  # English "half past six": half an hour after six
                mi = 30
            elif low.get("dir_nl") == "voor" or low.get("dir_en") == "to":
                h, mi = h - 1, 45
            else:
                mi = 15
            return _Piece(s, e, "time", ("clock", h % 24, mi, False))
        if name == "uur":
            said = self._number(low["h"])
            if said is None or not 0 <= said <= 24:
                return None
            # Without "om", "twee uur" is as often a duration ("twee uur flyers rondbrengen")
            # as a clock time, so it only counts next to a day ("zaterdag 10 uur").
            return _Piece(s, e, "time", ("clock", _afternoon(said), 0, False), weak="upre" not in g)
        if name == "weak_hour":
            h = int(g["h"])
            if not 0 <= h <= 24:
                return None
            return _Piece(s, e, "time", ("clock", _afternoon(h), 0, False), weak=True)
        if name == "part":
            word = low.get("spart") or low.get("ipart") or low.get("epart") or ""
            canon = {"ochtends": "morning", "morgens": "morning", "middags": "afternoon",
                     "avonds": "evening", "ochtend": "morning", "middag": "afternoon",
                     "avond": "evening", "morning": "morning", "afternoon": "afternoon",
                     "evening": "evening"}[word]  # fmt: skip
            return _Piece(s, e, "part", (canon,))
        if name in ("part_bare", "part_bare_nl"):
            # "saturday evening", "zaterdag avond": only meaningful next to a day.
            return _Piece(s, e, "part", (self.parts[low["bpart"]],), weak=True)
        raise AssertionError(name)  # pragma: no cover

    def _abs(self, s: int, e: int, d: int, mo: int, y: int | None) -> _Piece:
        spec = ("abs", d, mo, y)
        if d < 1 or d > 31 or (y is not None and not _valid(y, mo, d)):
            return _Piece(s, e, "date", spec, invalid="no_such_date")
        if y is None and not any(_valid(yy, mo, d) for yy in range(2000, 2008)):
            return _Piece(s, e, "date", spec, invalid="no_such_date")  # 31 april, 30 februari
        return _Piece(s, e, "date", spec)


def _afternoon(hour: int) -> int:
    """A bare hour 1..6 ("om 3 uur", "at 4") means the afternoon: nobody plans 03:00 in chat.

    Written clock times ("03:00") and 7..12 stay literal; a part of the day can still move
    7..11 to the evening ("8 uur 's avonds").
    """
    return hour + 12 if 1 <= hour <= 6 else hour % 24


def _valid(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


_GRAMMARS: dict[tuple[str, ...], _Grammar] = {}


def _grammar(languages: Sequence[str]) -> _Grammar:
    key = tuple(sorted(set(languages)))
    if not key or any(lang not in SUPPORTED_LANGUAGES for lang in key):
        raise ValueError(f"languages must be a non-empty subset of {SUPPORTED_LANGUAGES}")
    if key not in _GRAMMARS:
        _GRAMMARS[key] = _Grammar(key)
    return _GRAMMARS[key]


# --------------------------------------------------------------------------- grouping

# What may sit between two pieces of one expression: "zaterdag 10:00", "15/12 om 19.30",
# "10:00 op zaterdag", "friday, 3pm".
_GAP = re.compile(
    r"^[\s,]*(?:(?:om|op|at|on|rond|around|tegen|van|vanaf|from)[\s,]+)*$", re.IGNORECASE
)
# A preposition just before the expression belongs to it: "flyers rondbrengen voor vrijdag".
_LEAD = re.compile(
    r"(?:^|(?<=\s))(?:(?:op|on|at|by|before|around)\s+the|op|om|voor|vóór|uiterlijk|tegen|rond"
    r"|on|at|by|before|around|the)\s+$",
    re.IGNORECASE,
)
_COMMAND = re.compile(r"^\s*/\w+(?:@\w+)?(?:\s+|$)")


def _groups(pieces: list[_Piece], text: str) -> list[list[_Piece]]:
    groups: list[list[_Piece]] = []
    for pc in pieces:
        if groups:
            cur = groups[-1]
            kinds = [p.kind for p in cur]
            gap = text[cur[-1].end : pc.start]
            # A second date is allowed once, for "donderdag 3 december" (checked for agreement).
            same_kind = kinds.count(pc.kind)
            date_pair_ok = pc.kind == "date" and same_kind == 1 and _is_wd_abs_pair(cur, pc)
            if _GAP.match(gap) and (same_kind == 0 or date_pair_ok):
                cur.append(pc)
                continue
        groups.append([pc])
    return groups


def _is_wd_abs_pair(cur: list[_Piece], pc: _Piece) -> bool:
    """ "donderdag 3 december", and "zaterdag na de kerst"."""
    dates = [p.spec[0] for p in cur if p.kind == "date"] + [pc.spec[0]]
    return sorted(dates) in (["abs", "weekday"], ["feast", "weekday"])


def _feasts_that_date(pieces: list[_Piece], text: str) -> list[_Piece]:
    """A feast day is often the subject ("kerst pakketten rondbrengen 20 december"): with
    another date in the text, that one is meant, unless a weekday comes right before the
    feast ("the Saturday after Christmas")."""
    if not any(p.kind == "date" and p.spec[0] != "feast" for p in pieces):
        return pieces
    out: list[_Piece] = []
    for p in pieces:
        if p.kind == "date" and p.spec[0] == "feast":
            before = out[-1] if out else None
            if not (
                before is not None
                and before.kind == "date"
                and before.spec[0] == "weekday"
                and _GAP.match(text[before.end : p.start])
            ):
                continue
        out.append(p)
    return out


def _usable(group: list[_Piece]) -> bool:
    """A group stands on its own only with a strong date, or a strong clock time."""
    strong = [p for p in group if not p.weak]
    if any(p.kind == "date" for p in strong):
        return True
    if any(p.kind == "time" for p in strong):
        return True
    # Weak date + (any) time, e.g. "za 10:00", "wo om 8": both weak is still too thin.
    has_weak_date = any(p.kind == "date" for p in group)
    return has_weak_date and any(p.kind == "time" and not p.weak for p in group)


# --------------------------------------------------------------------------- resolving


def _localize(day: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    """Wall time -> a real instant; non-existent DST-gap times move forward by the gap."""
    naive = datetime.combine(day, time(hh, mm))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _add_months(day: date, n: int) -> date:
    y, m = divmod(day.month - 1 + n, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _next_quarter(now: datetime) -> datetime:
    base = now.replace(second=0, microsecond=0)
    return base + timedelta(minutes=15 - base.minute % 15)


def _resolve(group: list[_Piece], now: datetime, tz: ZoneInfo) -> tuple[datetime, bool] | str:
    """Turn a group of pieces into (at, has_time), or an InvalidReason string."""
    for p in group:
        if p.invalid:
            return p.invalid
    dates = [p for p in group if p.kind == "date"]
    times = [p for p in group if p.kind == "time"]
    parts = [p for p in group if p.kind == "part"]
    today = now.date()

    part: str | None = parts[0].spec[0] if parts else None
    main = next((d for d in dates if d.spec[0] != "weekday"), dates[0] if dates else None)
    if main is not None and main.spec[0] in ("weekday", "rel") and main.spec[-1]:
        part = part or main.spec[-1]
    for d in dates:  # "zaterdagavond" as the weekday half of "zaterdagavond 28 november"
        if d.spec[0] == "weekday" and d.spec[3]:
            part = part or d.spec[3]

    hm: tuple[int, int] | None = None
    from_part = False
    if times:
        _, h, mi, had_ampm = times[0].spec
        if part in ("afternoon", "evening") and not had_ampm and 1 <= h < 12:
            h += 12
        hm = (h, mi)
    elif part:
        hm = (_PART_HOUR[part], 0)
        from_part = True
    has_time = hm is not None

    def at_on(day: date) -> datetime:
        return _localize(day, *(hm or (0, 0)), tz)

    if main is None:  # time only
        assert hm is not None
        at = at_on(today)
        return (at if at > now else at_on(today + timedelta(days=1))), True

    kind = main.spec[0]
    if kind == "delta":
        _, n, unit = main.spec
        if unit in ("hours", "minutes", "quarters"):
            if times:
                return "bad_time"  # "over 2 uur om 10:00" contradicts itself
            minutes = n * {"hours": 60, "minutes": 1, "quarters": 15}[unit]
            exact = (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(tz)
            return exact.replace(second=0, microsecond=0), True
        if unit == "months":
            day = _add_months(today, n)
        else:
            day = today + timedelta(days=n * (7 if unit == "weeks" else 1))
        return at_on(day), has_time

    if kind == "rel":
        at = at_on(today + timedelta(days=main.spec[1]))
        if has_time and at <= now:
            if from_part and main.spec[1] == 0 and part and now.hour < _PART_END[part]:
                return _next_quarter(now), True  # "vanavond" said at 21:00
            return "past"
        return at, has_time

    if kind == "weekend":
        if main.spec[1]:  # "volgend weekend": the Saturday of next week
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            return at_on(monday + timedelta(days=5)), has_time
        ahead = (5 - today.weekday()) % 7 if today.weekday() <= 5 else 0
        at = at_on(today + timedelta(days=ahead))
        return (at, has_time) if not has_time or at > now else "past"

    if kind == "feast":
        _, month, day, shift = main.spec
        weekday = next((d.spec[1] for d in dates if d.spec[0] == "weekday"), None)
        for year in (today.year, today.year + 1):
            when = date(year, month, day) + timedelta(days=shift)
            if weekday is not None:  # "the Saturday after Christmas", "zaterdag voor kerst"
                feast = date(year, month, day)
                if shift < 0:
                    when = feast - timedelta(days=(feast.weekday() - weekday - 1) % 7 + 1)
                else:
                    step = 1 if shift > 0 else 0
                    when = feast + timedelta(days=(weekday - feast.weekday() - step) % 7 + step)
            at = at_on(when)
            if when > today or (when == today and (not has_time or at > now)):
                return at, has_time
        return "past"

    if kind == "month_in":
        month = main.spec[1]
        year = today.year if month >= today.month else today.year + 1
        return at_on(date(year, month, calendar.monthrange(year, month)[1])), has_time

    if kind == "month_end":
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        at = at_on(last)
        return (at, has_time) if not has_time or at > now else "past"

    if kind == "nextweek":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return at_on(monday), has_time

    if kind == "weekday":
        _, wd, mode, _ = main.spec
        if mode == "nextweek":
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            return at_on(monday + timedelta(days=wd)), has_time
        ahead = (wd - today.weekday()) % 7
        if mode == "next" and ahead == 0:
            ahead = 7
        if ahead == 0:
            at = at_on(today)
            same_day_ok = (at > now) if has_time else (mode == "this")
            if not same_day_ok:
                ahead = 7
        return at_on(today + timedelta(days=ahead)), has_time

    assert kind == "abs"
    _, d, mo, y = main.spec
    weekdays = {p.spec[1] for p in dates if p.spec[0] == "weekday"}
    if mo is None:  # "the 26th": the next 26th (on the weekday named, if one is)
        for k in range(0, 15):
            year, month = divmod(today.month - 1 + k, 12)
            year, month = today.year + year, month + 1
            if not _valid(year, month, d):
                continue
            at = at_on(date(year, month, d))
            ahead = at.date() > today or (at.date() == today and (not has_time or at > now))
            if ahead and (not weekdays or at.weekday() in weekdays):
                return at, has_time
        return "weekday_mismatch"
    if y is not None:
        at = at_on(date(y, mo, d))
        if (has_time and at <= now) or (not has_time and at.date() < today):
            return "past"
    else:
        year = today.year
        while True:
            if _valid(year, mo, d):
                at = at_on(date(year, mo, d))
                if at.date() > today or (at.date() == today and (not has_time or at > now)):
                    break
            year += 1
    for wd_piece in (p for p in dates if p.spec[0] == "weekday"):
        if wd_piece.spec[1] != at.weekday():
            return "weekday_mismatch"
    return at, has_time


# --------------------------------------------------------------------------- fallback

_TIME_HINT = re.compile(
    r"\d[:.]\d\d|\d\s*(?:am|pm|uur|u|h)\b|\bnoon\b|\b(?:hour|uur|minut)", re.IGNORECASE
)
_FALLBACK_EXTRA_WORDS = {
    "nl": {"volgende", "komende", "deze", "maand", "week", "jaar", "om", "de", "op", "van",
           "uur", "over", "in", "het", "begin", "eind"},
    "en": {"next", "this", "coming", "month", "week", "year", "at", "the", "of", "on", "in",
           "an", "a", "hour", "hours", "minutes", "half"},
}  # fmt: skip
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:st|nd|rd|th|e|ste|de)?|[:./\-,]", re.UNICODE)


def _fallback(text: str, now: datetime, tz: ZoneInfo, g: _Grammar) -> When | None:
    """Ask dateparser, but only believe answers made entirely of date vocabulary.

    Why so strict: unfiltered, ``search_dates`` reads "we" and "nu" as dates, invents a day for
    a bare month ("mei" -> the 24th), and turns impossible days into other years.
    """
    from dateparser.search import search_dates  # slow import; only paid when needed

    vocab = set(g.months) | set(g.weekdays) | set(g.rel_days) | set(g.numbers)
    for lang in g.languages:
        vocab |= _FALLBACK_EXTRA_WORDS[lang]
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": str(tz.key),
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    try:
        hits = search_dates(text, languages=list(g.languages), settings=settings) or []
    except Exception:  # dateparser raises assorted errors on odd input; treat as "no date"
        return None
    for matched, value in hits:
        tokens = _TOKEN.findall(matched.lower())
        words = [t for t in tokens if t.isalpha()]
        if len(tokens) < 2 or not all(w in vocab for w in words):
            continue
        if not any(w in g.months or w in g.weekdays for w in words) and not re.search(
            r"\b(?:maand|month|week|jaar|year)\b", matched, re.IGNORECASE
        ):
            continue
        if words and all(w in g.months for w in words) and not re.search(r"\d", matched):
            continue  # bare month: dateparser would invent the day
        has_time = bool(_TIME_HINT.search(matched))
        at = value.astimezone(tz).replace(second=0, microsecond=0)
        if not has_time:
            at = _localize(at.date(), 0, 0, tz)
        if (has_time and at <= now) or at.date() < now.date():
            continue
        if at - now > timedelta(days=2 * 366):
            continue
        start = text.find(matched)
        if start < 0:
            continue
        return When(at, has_time, matched, _rest(text, start, start + len(matched)))
    return None


# --------------------------------------------------------------------------- public API


def _rest(text: str, start: int, end: int) -> str:
    rest = f"{text[:start]} {text[end:]}"
    rest = _COMMAND.sub("", rest, count=1)
    rest = re.sub(r"\s+", " ", rest)
    rest = re.sub(r"\s+([,.!?;:])", r"\1", rest)
    return rest.strip(" ,;:-")


# Said as a date but naming no day: asked back, never guessed ("binnenkort" is not the 1st
# of next month). Days that are over are said to be past.
_VAGUE = re.compile(
    r"(?<!\w)(?:binnenkort|over\s+een\s+(?:tijdje|poosje|tijd)|een\s+dezer\s+dagen|ooit|"
    r"(?:ergens\s+)?(?:volgende|komende|deze)\s+maand|later\s+deze\s+(?:week|maand)|"
    r"zo\s+snel\s+mogelijk|z\.s\.m\.?|zsm|"
    r"(?:some\s*time\s+)?soon|some\s*time|one\s+of\s+these\s+days|"
    r"(?:next|this|later\s+this)\s+month|asap|in\s+a\s+while)(?!\w)",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"(?<!\w)(?:eergisteren|gisteren|gisteravond|gistermiddag|gisterochtend|vorige\s+week|"
    r"yesterday|the\s+day\s+before\s+yesterday|last\s+week)(?!\w)",
    re.IGNORECASE,
)


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    languages: Sequence[str] = ("nl", "en"),
    use_fallback: bool = True,
) -> When | InvalidWhen | None:
    """Find the first date/time expression in ``text``.

    Returns a :class:`When`, an :class:`InvalidWhen` when a date was clearly meant but is
    impossible or past (so the caller can say so), or ``None`` when nothing date-like is there.
    ``now`` must be timezone-aware: a naive clock is silently wrong around DST changes.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    g = _grammar(languages)
    now = now.astimezone(tz)
    pieces = g.pieces(text)
    pieces = _feasts_that_date(pieces, text)
    for group in _groups(pieces, text):
        if not _usable(group):
            continue
        start, end = group[0].start, group[-1].end
        lead = _LEAD.search(text, 0, start)
        if lead:
            start = lead.start()
        matched = text[start:end]
        resolved = _resolve(group, now, tz)
        if isinstance(resolved, str):
            return InvalidWhen(matched=matched, reason=resolved)  # type: ignore[arg-type]
        at, has_time = resolved
        return When(
            at=at,
            has_time=has_time,
            matched=matched,
            rest=_rest(text, start, end),
            has_date=any(p.kind == "date" for p in group),
        )
    for pattern, reason in ((_PAST, "past"), (_VAGUE, "vague")):
        if found := pattern.search(text):
            return InvalidWhen(matched=found.group(0), reason=reason)  # type: ignore[arg-type]
    if use_fallback and text.strip():
        return _fallback(text, now, tz, g)
    return None


def find_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    languages: Sequence[str] = ("nl", "en"),
) -> When | None:
    """Like :func:`parse_when` but impossible dates are ``None`` as well.

    Use :func:`parse_when` when you want to tell the member *why* ("32 december bestaat niet").
    """
    result = parse_when(text, now=now, tz=tz, languages=languages)
    return result if isinstance(result, When) else None


_AT_WORD = {"nl": "om", "en": "at"}


def format_when(
    at: datetime,
    *,
    language: str,
    with_time: bool = True,
    now: datetime | None = None,
) -> str:
    """Human date for chat messages, e.g. ``zaterdag 28 november om 10:00``.

    Babel supplies the weekday/month names so Dutch stays lower-case and English is
    capitalised. The year is shown only when ``now`` is given and the year differs, because a
    year on every message is noise but "15 maart" in November must not look like this spring.
    """
    if language not in _AT_WORD:
        raise ValueError(f"language must be one of {tuple(_AT_WORD)}")
    pattern = "EEEE d MMMM"
    if now is not None and now.astimezone(at.tzinfo).year != at.year:
        pattern += " y"
    text = format_date(at, pattern, locale=language)
    if with_time:
        text += f" {_AT_WORD[language]} {at:%H:%M}"
    return text


# --------------------------------------------------------------------------- recurrence
# "elke zaterdag", "iedere week op dinsdag", "om de week" (every other week), "elke eerste
# maandag van de maand", "every Tuesday", "every first Monday of the month". A recurrence that
# names no day ("elke week", "regelmatig", "every month") is vague: asked back, never guessed.


@dataclass(frozen=True)
class Recurrence:
    """A rule for a series of calls: a weekday every ``interval`` weeks, or (``nth``) the
    nth (1-4, or -1: last) such weekday of every month; a time when one was given."""

    weekday: int
    interval: int = 1  # weeks between occurrences; unused when ``nth`` is set
    nth: int | None = None
    hour: int | None = None
    minute: int = 0
    start: date | None = None  # "vanaf 5 december": no occurrence before
    matched: str = ""
    rest: str = ""  # the text without the rule, the time and the start

    def as_data(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "interval": self.interval, "nth": self.nth}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Recurrence:
        nth = data.get("nth")
        return cls(int(data["weekday"]), int(data.get("interval") or 1), int(nth) if nth else None)

    def _month_day(self, year: int, month: int) -> date:
        days = calendar.monthrange(year, month)[1]
        found = [d for d in range(1, days + 1) if date(year, month, d).weekday() == self.weekday]
        return date(year, month, found[-1] if self.nth == -1 else found[(self.nth or 1) - 1])

    def first_on_or_after(self, day: date) -> date:
        """The first day of the rule on or after ``day`` (for a weekly rule: the anchor)."""
        if self.nth is None:
            return day + timedelta(days=(self.weekday - day.weekday()) % 7)
        found = self._month_day(day.year, day.month)
        if found < day:
            nxt = _add_months(day.replace(day=1), 1)
            found = self._month_day(nxt.year, nxt.month)
        return found

    def days(self, first: date, since: date, until: date) -> list[date]:
        """The rule's days from ``since`` to ``until`` (both included), a series that began
        on ``first``: every ``interval`` weeks from it, or the nth weekday of each month."""
        out: list[date] = []
        if self.nth is None:
            step = 7 * max(self.interval, 1)
            skip = max(0, (since - first).days)
            day = first + timedelta(days=-(-skip // step) * step)
            while day <= until:
                out.append(day)
                day += timedelta(days=step)
            return out
        month = max(first, since).replace(day=1)
        while month <= until:
            day = self._month_day(month.year, month.month)
            if max(first, since) <= day <= until:
                out.append(day)
            month = _add_months(month, 1)
        return out


@dataclass(frozen=True)
class VagueRecurrence:
    """ "Elke week", "regelmatig", "every month": a repetition without a day. Ask which."""

    matched: str


_EVERY = r"(?:elke|iedere|ieder|every|each)"
_NTH_WORDS: dict[str, int] = {
    "eerste": 1, "1e": 1, "1ste": 1, "tweede": 2, "2e": 2, "2de": 2, "derde": 3, "3e": 3,
    "3de": 3, "vierde": 4, "4e": 4, "4de": 4, "laatste": -1,
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "last": -1,
}  # fmt: skip
_ALL_WEEKDAYS = _merged(_WEEKDAYS, SUPPORTED_LANGUAGES)
_WD = _alt(list(_ALL_WEEKDAYS))
_TWO = r"(?:2|twee|two)"
_MONTHLY = re.compile(
    rf"(?<!\w){_EVERY}\s+(?P<nth>{_alt(list(_NTH_WORDS))})\s+(?P<wd>{_WD})"
    r"(?:\s+(?:van\s+de|of\s+the|of\s+every|van\s+elke|in\s+the)\s+(?:maand|month))?(?!\w)",
    re.IGNORECASE,
)
_WEEKLY = re.compile(
    r"(?<!\w)(?:"
    rf"(?P<every>{_EVERY}\s+(?:(?P<other>other|andere)\s+|(?:{_TWO}\s+)?(?:weken|weeks)\s+"
    rf"(?:op\s+|on\s+)?|week\s+(?:op\s+|on\s+)?)?)(?P<wd>{_WD})|"
    rf"(?P<lead>om\s+de\s+(?:{_TWO}\s+)?(?:week|weken)|wekelijks|tweewekelijks|weekly|biweekly|"
    rf"fortnightly)\s+(?:op\s+|on\s+)?(?P<wd2>{_WD})|"
    rf"(?P<wd3>{_WD})s?\s+(?P<tail>om\s+de\s+(?:{_TWO}\s+)?(?:week|weken))"
    r")(?:s)?(?!\w)",
    re.IGNORECASE,
)
_VAGUE_RECURRENCE = re.compile(
    rf"(?<!\w)(?:{_EVERY}\s+(?:(?:{_TWO}\s+)?(?:week|weken|weeks|maand|maanden|month|months)|"
    r"dag|day|keer|time)|om\s+de\s+(?:twee\s+)?(?:week|weken|maand)|wekelijks|maandelijks|"
    r"tweewekelijks|regelmatig|af\s+en\s+toe|weekly|monthly|biweekly|fortnightly|regularly|"
    r"now\s+and\s+then|every\s+so\s+often)(?!\w)",
    re.IGNORECASE,
)
_REC_TIME = re.compile(
    r"(?<![\w:.])(?:(?:om|at)\s+)?(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d)(?:\s*uur)?|"
    r"\s*uur|\s*u\b|\s*h\b|\s*(?P<pm>pm|p\.m\.)|\s*am\b)(?![\w:])|"
    r"(?<!\w)(?:om|at)\s+(?P<h2>[01]?\d|2[0-3])(?![\w:.,])",
    re.IGNORECASE,
)
_REC_START = re.compile(
    r"(?<!\w)(?:vanaf|from|starting|beginnend|met\s+ingang\s+van)\s+", re.IGNORECASE
)


def parse_recurrence(
    text: str, *, now: datetime, tz: ZoneInfo
) -> Recurrence | VagueRecurrence | InvalidWhen | None:
    """Find a repetition in ``text``: a :class:`Recurrence` (with the text left over), a
    :class:`VagueRecurrence` when a repetition names no day, an :class:`InvalidWhen` when its
    start date ("vanaf 32 december") cannot be, or ``None`` when nothing repeats."""
    monthly = _MONTHLY.search(text)
    found = monthly or _WEEKLY.search(text)
    if found is None:
        vague = _VAGUE_RECURRENCE.search(text)
        return VagueRecurrence(vague.group(0)) if vague else None
    groups = found.groupdict()
    wd = groups.get("wd") or groups.get("wd2") or groups.get("wd3") or ""
    weekday = _ALL_WEEKDAYS[wd.casefold()]
    if monthly:
        rule = Recurrence(weekday, nth=_NTH_WORDS[found.group("nth").casefold()])
    else:
        said = " ".join(filter(None, (groups.get("every"), groups.get("lead"), groups.get("tail"))))
        said = said.casefold()
        two = bool(re.search(rf"(?<!\w)(?:{_TWO}|other|andere)(?!\w)", said)) or (
            "om de" in said or "biweekly" in said or "fortnightly" in said or "tweewek" in said
        )
        rule = Recurrence(weekday, interval=2 if two else 1)
    rest = text[: found.start()] + " " + text[found.end() :]
    start: date | None = None
    if lead := _REC_START.search(rest):
        after = rest[lead.end() :]
        when = parse_when(after, now=now, tz=tz, use_fallback=False)
        if isinstance(when, InvalidWhen):
            return when
        if when is not None and after.find(when.matched) <= 1:
            start = when.at.date()
            cut = lead.end() + after.find(when.matched) + len(when.matched)
            rest = rest[: lead.start()] + " " + rest[cut:]
    hour, minute = None, 0
    if clock := _REC_TIME.search(rest):
        hour = int(clock.group("h") or clock.group("h2"))
        minute = int(clock.group("m") or 0)
        evening = re.search(r"(?<!\w)(?:'s\s+avonds|avond|evening)(?!\w)", rest, re.IGNORECASE)
        if clock.group("pm") or (evening and hour < 12):
            hour = hour % 12 + 12
        elif clock.group("m") is None:
            hour = _afternoon(hour)  # "om 3 uur": the afternoon
        rest = rest[: clock.start()] + " " + rest[clock.end() :]
    return Recurrence(
        rule.weekday,
        rule.interval,
        rule.nth,
        hour,
        minute,
        start,
        matched=found.group(0),
        rest=_rest(rest, 0, 0),
    )


def first_occurrence(rule: Recurrence, *, now: datetime, tz: ZoneInfo, hour: int) -> datetime:
    """The series' first moment: the rule's first day on or after its start (today counts
    only while the time is still ahead)."""
    local = now.astimezone(tz)
    day = max(local.date(), rule.start or local.date())
    first = rule.first_on_or_after(day)
    at = _localize(first, rule.hour if rule.hour is not None else hour, rule.minute, tz)
    if at <= local:
        first = rule.first_on_or_after(first + timedelta(days=1))
        at = _localize(first, rule.hour if rule.hour is not None else hour, rule.minute, tz)
    return at

"""Small helpers several features share: reading yes/no and dates as members type them, and
the names of open questions one feature starts for another.

Not a feature: no handler lives here, and it imports no feature module (handler modules
never import each other; tests/handlers/test_layers.py checks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from actions.buttons import AskNevermind, CallMove, PledgeWithdraw
from actions.calls import call_meant, join_call, pledge_meant
from actions.wording import when_text
from bot.core import Button
from bot.when import When, parse_when
from kennis.lessons import readable
from kennis.understanding import asks_about_own_call, asks_anyone, pattern_intent
from storage.repositories.calls import ACTIVE, PledgeStatus

if TYPE_CHECKING:
    from bot.context import Context
    from storage.records import Conversation
    from storage.repositories.calls import Call, Pledge
    from storage.repositories.kennis import Lesson

# Open questions (ctx.expect) one feature starts and another answers.
STORY_FLOW = "story"  # "Hoe ging het?" after a pledge is done; answered by handlers/stories.py
CONTACT_FLOW = "contact_answer"  # "Mag ik je gegevens delen?"; answered by handlers/ask.py
ASK_BACK_FLOW = "did_you_mean"  # "Bedoel je: wie kan helpen met …?"; handlers/ask.py
CHOICE_FLOW = "contact_choice"  # names listed with "Vraag contact met …"; handlers/ask.py
# "Zal ik er een oproep van maken?" (nobody fits an initiator's question); handlers/calls.py
CALL_OFFER_FLOW = "call_offer"
# "Hoort dat bij oproep 3 …?" (a pledge that names a call); handlers/pledges.py
PLEDGE_FOR_CALL_FLOW = "pledge_for_call"
# "Zal ik '…' voor je teruggeven?" after "can't do the dog walking anymore": a typed yes or no
# answers it (handlers/pledges.py).
HAND_BACK_FLOW = "hand_back"
# "Zal ik oproep 3 verzetten naar …?" after "kan het inpakken een uur later?": a typed yes or
# no answers it (handlers/calls.py).
MOVE_OFFER_FLOW = "move_offer"

_LEAD_WORD = re.compile(r"^(?:op|om|voor|uiterlijk|tegen|on|at|by|before)\s+", re.IGNORECASE)


def date_words(matched: str) -> str:
    """The date as the member wrote it, for 'I can't read X as a date' (without 'op', 'on')."""
    return _LEAD_WORD.sub("", matched.strip())


YES_WORDS = {
    "ja", "ja hoor", "jazeker", "ja zeker", "ja graag", "ja prima", "ja, graag", "ja, prima",
    "j", "ok", "oké", "okay", "prima", "goed", "is goed", "prima hoor", "graag", "zeker",
    "natuurlijk", "yes", "y", "yep", "yeah", "sure", "of course", "fine", "jawel",
    "oke", "okee", "ja graag hoor", "yes please", "yes, please", "yes pls", "yes plz", "please",
    "sure thing",
}  # fmt: skip
NO_WORDS = {
    "nee", "nee hoor", "nee dank je", "nee, dank je", "liever niet", "niet", "niet nu", "n",
    "nee dank je wel", "nee, dank je wel", "nee bedankt", "nee, bedankt",
    "no", "nope", "no thanks", "no, thanks", "rather not", "not now", "hoeft niet",
    "nee, hoeft niet", "no thank you", "no, thank you",
}  # fmt: skip


# "Not this question": typed where a button offers to skip ("Later", "Overslaan").
SKIP_WORDS = {
    "-", "skip", "overslaan", "sla over", "later", "straks", "nog niet", "not now", "not yet",
    "weet niet", "weet ik niet", "weet ik nog niet", "geen idee", "don't know", "dont know",
    "no idea", "dunno", "idk", "not sure", "geen flauw idee", "nog geen idee",
}  # fmt: skip


# A question of its own: "wie …?", "who …?" (a question for someone is caught by asks_anyone).
_WHO_QUESTION = re.compile(r"^\W*(?:wie|who)\b[^?]*\?\W*$", re.IGNORECASE)


def something_new(text: str) -> bool:
    """Whether a message typed where the bot asked "when?" or "how did it go?" is plainly
    something else: a new question for the network ("wie kan mijn fiets maken?", "kan iemand
    zaterdag rijden?"), a question about the call one joined ("gaat het nog door?"), or only
    thanks or a greeting ("thx!"). It is read on its own (Router.flow's ``lets_go``)."""
    return (
        asks_anyone(text)
        or bool(_WHO_QUESTION.match(text))
        or asks_about_own_call(text)
        or pattern_intent(text) in ("thanks", "greeting")
    )


def not_yes_or_no(text: str, _question: Conversation) -> bool:
    """Router.flow's ``lets_go`` for a yes/no question: anything but a yes or a no is read
    on its own ("wie kan mijn fiets maken?" under "Zal ik er een oproep van maken?")."""
    return yes_or_no(text) is None


# A moment said not to work: "zondag kan ik niet", "hmm zaterdag lukt niet, sorry", "not on
# friday", "I can't on Sunday". Typed where the bot asked "when?", it is no date.
_RULED_OUT = re.compile(
    r"\b(?:niet|geen|nooit|not|never|can'?t|cannot|won'?t|no)\b(?!\s+(?:later|after|na|dan))"
    r"|n't\b",
    re.IGNORECASE,
)


def ruled_out(text: str) -> bool:
    """Whether a typed moment is said not to work ("zondag kan ik niet")."""
    return bool(_RULED_OUT.search(text))


def skipped(text: str) -> bool:
    """Whether a typed answer skips the question ('later', 'overslaan', 'skip', 'weet ik
    niet')."""
    return text.casefold().strip(" .!") in SKIP_WORDS


def yes_or_no(text: str) -> bool | None:
    """'ja', 'ja hoor', 'jazeker', 'prima', 'nee', 'liever niet', 'yes', 'sure', 'no', ...;
    None for anything else (the caller asks again, naming the choices)."""
    words = " ".join(text.strip().casefold().rstrip("!. ").split())
    if words in YES_WORDS:
        return True
    if words in NO_WORDS:
        return False
    # Said twice over: "ja, graag!", "nee hoor, laat maar", "no thanks. never mind".
    parts = [p for p in _PARTS.split(words) if p]
    if len(parts) > 1:
        if all(p in YES_WORDS for p in parts):
            return True
        if all(p in NO_WORDS or p in NEVER_MIND for p in parts):
            return False
    return None


_PARTS = re.compile(r"\s*[,;.!]+\s*")


_ORDINALS = {
    "eerste": 0, "1e": 0, "first": 0, "1st": 0, "tweede": 1, "2e": 1, "second": 1, "2nd": 1,
    "derde": 2, "3e": 2, "third": 2, "3rd": 2, "vierde": 3, "4e": 3, "fourth": 3, "4th": 3,
    "vijfde": 4, "5e": 4, "fifth": 4, "5th": 4, "laatste": -1, "last": -1,
}  # fmt: skip
_NAME_PARTICLES = {"de", "van", "der", "den", "ter", "te", "het", "la", "le", "el", "al", "bin"}
_CHOICE_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Longer than this, a message naming someone is more likely news or a new question ("Frank
# heeft mijn kraan al gemaakt, maar wie kan er schilderen?") than a choice.
_CHOICE_MAX_WORDS = 6


def chosen(text: str, names: Sequence[str]) -> int | None:
    """Which of the ``names`` listed (in order) a typed answer picks: a number ("2", "nr 2"),
    an ordinal ("de tweede", "the first one"), or a name, typos allowed ("vraag Frnak maar",
    "Anna please"); with one name listed, a plain yes ("ja graag"). None when it picks none,
    or more than one."""
    words = _CHOICE_WORDS.findall(text.casefold())
    if not words or len(words) > _CHOICE_MAX_WORDS or "?" in text:
        return None
    if len(names) == 1 and yes_or_no(text):
        return 0
    picked: set[int] = set()
    for word in words:
        at = int(word) - 1 if word.isdigit() else _ORDINALS.get(word)
        if at is not None and -len(names) <= at < len(names):
            picked.add(at % len(names))
    for i, name in enumerate(names):
        parts = [p for p in _CHOICE_WORDS.findall(name.casefold()) if p not in _NAME_PARTICLES]
        if any(_same_name(part, word) for part in parts for word in words):
            picked.add(i)
    return picked.pop() if len(picked) == 1 else None


# Words that may stand around a number or ordinal typed as a choice ("the third one please",
# "doe maar nummer 4"): a short line of only these and a number is a choice, not news.
_CHOICE_FILLER = {
    "de", "het", "die", "nummer", "nr", "no", "maar", "doe", "graag", "aub", "alsjeblieft",
    "the", "one", "number", "please", "pls", "plz", "then", "dan", "ok", "oké", "okay", "hmm",
}  # fmt: skip


def picked_beyond(text: str, count: int) -> bool:
    """Whether a typed choice picks a place past the ``count`` names listed ("the third one"
    under two names, "2" under one): the member means a choice, so it is answered as one
    rather than read as a new message."""
    words = _CHOICE_WORDS.findall(text.casefold())
    if not words or len(words) > 4 or "?" in text:
        return False
    places = [int(w) - 1 if w.isdigit() else _ORDINALS.get(w) for w in words]
    if any(p is None and w not in _CHOICE_FILLER for p, w in zip(places, words, strict=True)):
        return False
    return any(p is not None and p >= count for p in places)


# "Anyone else?" typed under an answer: more names for the same question, not a new one.
_ANYONE_ELSE = re.compile(
    r"""^\W*(?:(?:en|and|maar|but|ok[eé]?|okay|hmm+|oh|ah|thanks|bedankt|dank\s*je)\W+)*(?:
        (?:(?:ken|weet|heb)\s+(?:je|jij|u)\s+)?(?:(?:is|zijn)\s+er\s+)?(?:nog\s+)?
            (?:iemand|mensen|anderen?)\s+(?:anders|andere?s?|meer)\b
      | (?:(?:is|zijn)\s+er\s+)?nog\s+(?:(?:iemand|meer|anderen?|mensen)(?:\s+(?:anders|meer))?
            |meer\s+(?:mensen|namen))
      | (?:wie|wat)\s+(?:nog\s+meer|anders|verder)
      | (?:ook\s+)?andere\s+(?:mensen|namen|opties)
      | meer\s+(?:mensen|namen|opties)
      | (?:(?:do|can)\s+you\s+(?:know|find|suggest)\s+|is\s+there\s+|are\s+there\s+)?
            (?:any(?:one|body)|some(?:one|body)|any|anything)\s+else
      | (?:any\s+)?(?:more|other)\s+(?:people|names|options|suggestions)
      | (?:any\s+)?others
      | who\s+else
    )(?:\s+(?:nog|dan|then|maybe|misschien|please|pls|graag|aub|there|here|hier))*\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


def anyone_else(text: str) -> bool:
    """Whether the line asks for more names for the question just answered ("iemand
    anders?", "is er nog iemand?", "anyone else?", "any others?")."""
    return bool(_ANYONE_ELSE.match(" ".join(text.split())))


def _same_name(part: str, word: str) -> bool:
    """A typed word for a part of a name: exact for short names ("Anna" is not "aan"), one
    slip allowed in longer ones ("Frnak")."""
    if min(len(part), len(word)) <= 4:
        return part == word and len(part) >= 3
    return fuzz.ratio(part, word) >= 80


# "english please", "can we speak English?", "Nederlands graag": asked in words, mid-question.
_LANGUAGE_ASKED = (
    (
        "en",
        re.compile(
            r"^\W*(?:(?:in\s+)?english(?:\s+(?:please|pls|plz))?|(?:can|could)\s+(?:we|you)\s+"
            r"(?:speak|talk|write|use)\s+english(?:\s+please)?|(?:do\s+you\s+)?speak\s+english|"
            r"i\s+(?:don'?t|do\s+not)\s+speak\s+dutch|(?:in\s+het\s+)?engels(?:\s+(?:graag|"
            r"alsjeblieft|aub|svp))?)\W*$",
            re.IGNORECASE,
        ),
    ),
    (
        "nl",
        re.compile(
            r"^\W*(?:(?:in\s+het\s+)?nederlands(?:\s+(?:graag|alsjeblieft|aub|svp))?|kunnen\s+we"
            r"\s+nederlands\s+(?:praten|spreken)|(?:in\s+)?dutch(?:\s+please)?)\W*$",
            re.IGNORECASE,
        ),
    ),
)


def language_asked(text: str) -> str | None:
    """The language a member asks for in words ("english please"), else None."""
    return next((code for code, pattern in _LANGUAGE_ASKED if pattern.match(text)), None)


#: The words of :func:`language_asked`, as one pattern (a phrase route).
LANGUAGE_ASKED = "|".join(f"(?:{pattern.pattern})" for _, pattern in _LANGUAGE_ASKED)


# "Never mind": typed where the bot asked a question, it drops what was asked about.
NEVER_MIND = {
    "stop", "laat maar", "laat maar zitten", "vergeet het", "vergeet het maar", "annuleer",
    "annuleren", "toch niet", "never mind", "nevermind", "nvm", "forget it", "cancel",
}  # fmt: skip
# Said before it: "hmm nee laat maar", "ah ok never mind".
_HESITATION = re.compile(r"^(?:(?:hmm*|hm|nee|no|nah|ah|oh|ok|oké|okay|sorry|ach|oh\s+well)\W+)+")


def never_mind(text: str) -> bool:
    """Whether the answer drops the question ("laat maar", "hmm nee laat maar", "never
    mind")."""
    words = " ".join(text.casefold().strip(" .!").split())
    return words in NEVER_MIND or _HESITATION.sub("", words) in NEVER_MIND


def lesson_line(ctx: Context, lesson: Lesson) -> str:
    """One lesson in a list, its title in the reader's language when it is a bundled note."""
    title, _, _ = readable(lesson.title, lesson.text, lesson.tags, lesson.source, ctx.t.language)
    return ctx.t("ask.lesson_line", title=title, id=lesson.id)


async def join_and_tell(ctx: Context, call: Call) -> None:
    """The member joins the call (a button, "ik doe mee 3", a yes to "Hoort dat bij oproep
    3?"), and is told: in, on the waiting list, or in already."""
    joined = await join_call(ctx, ctx.member, call)
    pledge, t = joined.outcome.pledge, ctx.t
    if joined.outcome.already:
        await ctx.reply(t("calls.already_in", title=call.title))
        return
    if pledge.status is PledgeStatus.WAITING:
        await ctx.reply_direct(t("calls.waiting_list", title=call.title))
        return
    when = when_text(t, call.starts_at, call.has_time, tz=ctx.member.timezone, now=ctx.now())
    # The group sees the count on the call's own post, edited in place (join_call), and one
    # line when it is full: no "X doet mee!" per pledge in a busy group.
    await ctx.reply_direct(t("calls.joined", title=call.title, when=when, id=pledge.id))


# The initiator moving their own call in words: "kan de kerstmarkt een week later? 26
# december", "de kerstmarkt verzetten naar zondag 20 december 14:00", "can we push the
# cleanup back a week?".
_MOVES = re.compile(
    r"\b(?:verzet\w*|verplaats\w*|uitstel\w*|uitgesteld|later|eerder|move|moved|moving"
    r"|postpone\w*|reschedul\w*|push\w*\s+(?:\w+\s+){0,4}?back|earlier)\b",
    re.IGNORECASE,
)
_SHIFT = re.compile(
    r"\b(een|1|twee|2|drie|3|a|one|two|three|an)\s+(week|weken|weeks?|dag|dagen|days?"
    r"|uur|uren|hours?)\s*(later|eerder|earlier|back|uit)?\b",
    re.IGNORECASE,
)
_COUNTS = {"een": 1, "a": 1, "an": 1, "one": 1, "twee": 2, "two": 2, "drie": 3, "three": 3}


def moment_changed(text: str, was: datetime, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment ``was`` becomes by the words: a moment typed (a day keeps the hour, a time
    keeps the day: "om 11 uur" moves 10:00 on the 19th to 11:00 on the 19th, not to today)
    or a shift ("een week later", "an hour earlier"; hours only with the direction said, as
    "om 1 uur" is a time). None when the words change nothing, or name a past moment."""
    found = parse_when(text, now=now, tz=tz)
    shift = _SHIFT.search(text)
    if shift is not None and shift.group(2).lower().startswith(("uur", "uren", "hour")):
        if not shift.group(3):
            shift = None
        elif isinstance(found, When) and found.matched in shift.group(0):
            found = None  # "2 uur later": a shift, not two o'clock
    if isinstance(found, When) and shift is not None and not re.search(r"\d", found.matched):
        found = None  # "push the christmas market back a week": a shift, not Christmas day
    was = was.astimezone(tz)
    if isinstance(found, When):
        if not found.has_date:
            at = was.replace(hour=found.at.hour, minute=found.at.minute)
        elif found.has_time:
            at = found.at
        else:
            at = found.at.replace(hour=was.hour, minute=was.minute)
    elif shift is not None:
        n = int(shift.group(1)) if shift.group(1).isdigit() else _COUNTS[shift.group(1).lower()]
        unit = shift.group(2).lower()
        if unit.startswith(("uur", "uren", "hour")):
            step = timedelta(hours=n)
        else:
            step = timedelta(days=n * (7 if unit.startswith("we") else 1))
        earlier = (shift.group(3) or "").lower() in ("eerder", "earlier") or (
            not shift.group(3) and re.search(r"\b(?:eerder|earlier)\b", text, re.I)
        )
        at = was - step if earlier else was + step
    else:
        return None
    if at == was or at <= now:
        return None
    return at


async def own_call_moved(ctx: Context) -> tuple[Call, datetime] | None:
    """The member's own open call their words move, and the new moment
    (:func:`moment_changed`); the call named by its title words, or their only one. None
    when the words move nothing."""
    if not _MOVES.search(ctx.text):
        return None
    own = [c for c in await own_open_calls(ctx) if c.starts_at is not None]
    if not own:
        return None
    tz = ZoneInfo(ctx.member.timezone)
    found = parse_when(ctx.text, now=ctx.now(), tz=tz)
    words = found.rest if isinstance(found, When) else ctx.text
    call = (
        call_meant(own, words, None, tz=tz)
        or (own[0] if len(own) == 1 else None)
        or await call_by_meaning(ctx, own, ctx.text)
    )
    if call is None or call.starts_at is None:
        return None
    at = moment_changed(ctx.text, call.starts_at, now=ctx.now(), tz=tz)
    return None if at is None else (call, at)


#: How much closer in meaning the words must be to one call's title than to the next for
#: :func:`call_by_meaning` to take it, in the model's spread between unrelated texts
#: (Search.unrelated; e5: 0.024 of cosine). Measured with e5: "can we push the christmas
#: market back a week?" leads its market by 1.0; "de taartenwedstrijd", which names no call,
#: leads "Opruimen speelveld" by 0.5.
MEANING_LEAD = 0.8
#: Words that only name a call (no sentence around them) must also be this close to its title,
#: in spreads above the unrelated mean: with e5, "the soup cooking" is 3.4 from "Soep koken
#: voor de buurtmaaltijd" and "the christmas market" 3.2 from "Kerstmarkt opbouwen op het
#: plein"; "de taartenwedstrijd" is 2.2 from "Opruimen speelveld".
MEANING_NAMES = 2.5


async def call_by_meaning(
    ctx: Context, calls: Sequence[Call], words: str, *, naming: bool = False
) -> Call | None:
    """The call whose title the words mean, when they share no title word: "the christmas
    market" for "Kerstmarkt opbouwen op het plein". One encode; only when it clearly leads
    (the member is asked before anything changes); ``naming``: the words are only the call's
    name, which must then be close to its title too. None without a search."""
    search = ctx.services.search
    if search is None or len(calls) < 2 or not words.strip():
        return None
    closeness = await search.similarity(words, [c.title for c in calls])
    order = sorted(range(len(calls)), key=lambda i: -closeness[i])
    mean, spread = await search.unrelated()
    if closeness[order[0]] - closeness[order[1]] < MEANING_LEAD * spread:
        return None
    if naming and closeness[order[0]] < mean + MEANING_NAMES * spread:
        return None
    return calls[order[0]]


async def offer_own_call_move(ctx: Context) -> bool:
    """Asks the initiator whether to move their call as their words say (see
    :func:`own_call_moved`); False when the words move no call of theirs."""
    moved = await own_call_moved(ctx)
    if moved is None:
        return False
    call, at = moved
    when = when_text(ctx.t, at, True, tz=ctx.member.timezone, now=ctx.now())
    minute = int(at.timestamp()) // 60
    await ctx.reply_direct(
        ctx.t("calls.move_offer", id=call.id, title=call.title, when=when),
        buttons=[
            Button(ctx.t("calls.move_yes"), CallMove(call.id, minute).encode()),
            Button(ctx.t("common.no"), AskNevermind().encode()),
        ],
    )
    await ctx.expect(MOVE_OFFER_FLOW, "answer", call=call.id, minute=minute)
    return True


# Not able to do it any more, with a reason first or after: "ugh I broke my ankle, can't do
# the dog walking anymore", "ik kan de boodschappen voor mevrouw Jansen niet meer doen".
_CANT_ANYMORE = re.compile(
    r"\b(?:can'?t|cannot|won'?t\s+be\s+able\s+to|kan|kun|lukt)\b[^.?!]{0,50}?\b(?:anymore|any\s+more"
    r"|after\s+all|niet\s+meer|toch\s+niet|no\s+longer)\b|\bno\s+longer\s+(?:able|can)\b",
    re.IGNORECASE,
)


_CANT_COME = re.compile(
    r"\b(?:can'?t|cannot|couldn'?t|won'?t\s+be\s+able\s+to)\s+(?:make\s+it|come|be\s+there"
    r"|join|do\s+it)\b|\b(?:kan|kun)\s+(?:ik\s+|je\s+)?(?:er\s+)?(?:\w+\s+)?(?:toch\s+)?niet"
    r"(?:\s+(?:meer\s+)?(?:komen|meedoen|erbij\s+zijn))?\W*$|\b(?:kan|kun)\s+(?:ik\s+)?(?:\w+\s+)?"
    r"(?:toch\s+)?niet\s+(?:meer\s+)?(?:komen|meedoen|erbij\s+zijn)\b"
    # "ik kan de 19e toch niet, mn moeder is jarig", "I can't on the 19th after all": plans
    # changed ("toch", "after all"), a reason may follow; "ik kan mijn sleutels toch niet
    # vinden" goes on after "niet", and is no change of plans.
    r"|\b(?:kan|kun)\s+(?:ik\s+)?(?:[\w']+\s+){0,3}?toch\s+niet(?:\s+(?:meer\s+)?(?:komen"
    r"|meedoen|erbij\s+zijn))?(?=\W*$|\s*[,;.!(]|\s+(?:want|omdat|door|vanwege)\b)"
    r"|\b(?:can'?t|cannot)\s+(?:[\w']+\s+){0,3}?after\s+all\b(?=\W*$|\s*[,;.!(]|\s+(?:because"
    r"|as|since)\b)",
    re.IGNORECASE,
)


async def offer_hand_back(ctx: Context) -> bool:
    """ "can't do the dog walking anymore" from a member whose one open pledge the words
    name: hand it back? (asked, with the button that does it). False when the words say no
    such thing or name none of their pledges."""
    if not _CANT_ANYMORE.search(ctx.text):
        return False
    pledges = await ctx.storage.pledges.of_member(ctx.member.id, ACTIVE)
    named = await pledge_named(ctx, pledges, ctx.text)
    if named is None:
        # "sorry, something came up, can't make it after all" names nothing: the one open
        # pledge, or the one on the day the words name; else the member picks. Only words
        # about coming: "ik kan mijn laptop niet meer opstarten" is a request.
        if not pledges or not _CANT_COME.search(ctx.text):
            return False
        on_the_day = pledges_on_the_day_named(ctx, pledges)
        for candidates in (pledges, on_the_day):
            if len(candidates) == 1:
                named = candidates[0]
                break
        else:
            buttons = [
                Button(f"#{p.id} {p.what}"[:60], PledgeWithdraw(p.id).encode())
                for p in (on_the_day or pledges)[:8]
            ]
            await ctx.reply(ctx.t("pledges.choose_withdraw"), buttons=buttons)
            return True
    when = when_text(ctx.t, named.due_at, named.due_has_time, tz=ctx.member.timezone, now=ctx.now())
    await ctx.reply(
        ctx.t("pledges.hand_back_offer", what=named.what, when=when),
        buttons=[
            Button(ctx.t("nudges.hand_back"), PledgeWithdraw(named.id).encode()),
            Button(ctx.t("common.no"), AskNevermind().encode()),
        ],
    )
    await ctx.expect(HAND_BACK_FLOW, "answer", pledge=named.id)
    return True


def pledges_on_the_day_named(ctx: Context, pledges: Sequence[Pledge]) -> list[Pledge]:
    """The pledges due on the day the words name ("I can't make it on saturday after all"
    with one pledge on Saturday and one on Friday week: Saturday's); none named: none."""
    tz = ZoneInfo(ctx.member.timezone)
    found = parse_when(ctx.text, now=ctx.now(), tz=tz)
    if not isinstance(found, When):
        return []
    day = found.at.astimezone(tz).date()
    return [p for p in pledges if p.due_at is not None and p.due_at.astimezone(tz).date() == day]


async def pledge_named(ctx: Context, pledges: Sequence[Pledge], text: str) -> Pledge | None:
    """The one pledge among ``pledges`` the text names by a word of it or of its call's title
    (actions.calls.pledge_meant)."""
    ids = [p.call_id for p in pledges if p.call_id]
    titles = {c.id: c.title for c in await ctx.storage.calls.get_many(ids)} if ids else {}
    return pledge_meant(pledges, titles, text)


async def own_open_calls(ctx: Context) -> list[Call]:
    """The open calls the member posted."""
    return [
        c
        for c in await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now())
        if c.initiator_id == ctx.member.id
    ]


async def calls_to_answer(ctx: Context) -> list[Call]:
    """The open calls of others the member has not answered yet (joined, waited for or
    handed back): those their words may be taking up."""
    answered = {
        p.call_id for p in await ctx.storage.pledges.of_member(ctx.member.id, tuple(PledgeStatus))
    }
    return [
        c
        for c in await ctx.storage.calls.open_calls(ctx.network.id, now=ctx.now())
        if c.initiator_id != ctx.member.id and c.id not in answered
    ]


async def offer_for_changed_plans(ctx: Context) -> bool:
    """Words that change the member's own plans, read before they are taken as a request or
    chatter: their call moved (:func:`offer_own_call_move`), or a pledge they can no longer
    keep (:func:`offer_hand_back`). True when one was offered."""
    return await offer_own_call_move(ctx) or await offer_hand_back(ctx)

"""Router decisions: commands, aliases, bot suffixes, buttons, open questions and phrases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from bot.buttons import ButtonData
from bot.core import ButtonPress, ChatKind, ChatRef, IncomingMessage, Sender
from bot.router import Router, parse_command

GROUP = ChatRef("test", "g1", ChatKind.GROUP)
DIRECT = ChatRef("test", "d1", ChatKind.DIRECT)
ANNA = Sender("1", "Anna")


def msg(text: str, chat: ChatRef = GROUP, **kw: object) -> IncomingMessage:
    return IncomingMessage(chat, ANNA, text, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PickCell(ButtonData, prefix="onb:cell"):
    cell_id: int | None


@dataclass(frozen=True)
class Answer(ButtonData, prefix="onb"):
    question: Literal["findable", "invitable"]
    yes: bool


@dataclass(frozen=True)
class Contact(ButtonData, prefix="ask:contact"):
    member_id: int
    topic: str


@dataclass(frozen=True)
class Hours(ButtonData, prefix="pledge:hours"):
    pledge_id: int
    hours: float | None


async def h_who(event, ctx): ...
async def h_help(event, ctx): ...
async def h_button(event, ctx): ...
async def h_flow(event, ctx): ...
async def h_phrase(event, ctx): ...
async def h_quiet_phrase(event, ctx): ...
async def h_fallback(event, ctx): ...


@pytest.fixture
def router() -> Router:
    r = Router(bot_names={"vonkbot"})
    r.command("wie", "who")(h_who)
    r.command("hulp", "help")(h_help)
    r.command("vergeet-mij", "forget_me")(h_help)
    r.button(PickCell)(h_button)
    r.button(Answer)(h_button)
    r.button(Contact)(h_button)
    r.button(Hours)(h_button)
    r.flow("onboarding")(h_flow)
    r.phrase(r"wie kan (?:me )?helpen met (?P<topic>.+)", clear_in_groups=True)(h_phrase)
    r.phrase(r"^dank je", clear_in_groups=False)(h_quiet_phrase)
    r.fallback(h_fallback)
    return r


@pytest.mark.parametrize(
    ("text", "name", "args", "bot"),
    [
        ("/wie fietsen", "wie", "fietsen", None),
        ("!wie fietsen", "wie", "fietsen", None),
        ("/WIE@VonkBot  lekke band ", "wie", "lekke band", "VonkBot"),
        ("/vergeet-mij", "vergeet_mij", "", None),
        ("/doe iets\nmet twee regels", "doe", "iets\nmet twee regels", None),
    ],
)
def test_parse_command(text: str, name: str, args: str, bot: str | None) -> None:
    parsed = parse_command(text)
    assert parsed is not None
    assert (parsed.name, parsed.args, parsed.bot_name) == (name, args, bot)


@pytest.mark.parametrize("text", ["wie kan helpen", "/ 123", "//x", "http://x", "/123"])
def test_not_a_command(text: str) -> None:
    assert parse_command(text) is None


def test_dutch_and_english_aliases_reach_one_handler(router: Router) -> None:
    for text in ("/wie fiets", "/who fiets", "!who fiets", "/wie@vonkbot fiets"):
        route = router.resolve(msg(text))
        assert route is not None and route.handler is h_who and route.name == "wie"
        assert route.args == "fiets"


def test_hyphen_and_underscore_are_the_same_command(router: Router) -> None:
    assert router.resolve(msg("/vergeet_mij", DIRECT)).name == "vergeet_mij"
    assert router.resolve(msg("/vergeet-mij", DIRECT)).name == "vergeet_mij"


def test_command_for_another_bot_is_ignored(router: Router) -> None:
    assert router.resolve(msg("/wie@otherbot fiets")) is None


def test_unknown_command_only_answered_when_addressed(router: Router) -> None:
    assert router.resolve(msg("/onbekend")) is None
    assert router.resolve(msg("/onbekend", DIRECT)).handler is h_fallback
    assert router.resolve(msg("/onbekend", mentions_bot=True)).handler is h_fallback
    assert router.resolve(msg("/onbekend@vonkbot")).handler is h_fallback


def press(payload: str) -> ButtonPress:
    return ButtonPress(DIRECT, ANNA, payload)


def test_buttons_are_parsed_once_into_their_type(router: Router) -> None:
    """The longest registered prefix wins; the handler gets the typed value."""
    cases = {
        "onb:cell:3": PickCell(3),
        "onb:cell:-": PickCell(None),
        "onb:findable:yes": Answer("findable", True),
        "onb:invitable:no": Answer("invitable", False),
        "ask:contact:12:fietsen: lekke band": Contact(12, "fietsen: lekke band"),
        "pledge:hours:4:1.5": Hours(4, 1.5),
        "pledge:hours:4:-": Hours(4, None),
    }
    for payload, value in cases.items():
        route = router.resolve(press(payload))
        assert route is not None and route.kind == "button", payload
        assert route.value == value and route.name == type(value).prefix
        assert value.encode() == payload


@pytest.mark.parametrize(
    "payload",
    [
        "unknown:1",
        "onb",  # a prefix with its fields missing
        "onb:cell",
        "onb:cell:3:4",  # a field too many
        "onb:cell:²",  # a digit of another kind
        "onb:cell:٣",
        "onb:cell:+3",
        "onb:cell: 3",
        "onb:cell:9223372036854775808",  # past SQLite's integer
        "onb:cell:2147483648",  # past PostgreSQL's integer
        "onb:maybe:yes",  # not one of the choices
        "onb:findable:ja",
        "pledge:hours:4:inf",
        "pledge:hours:4:nan",
        "pledge:hours:4:1e308",
        "",
    ],
)
def test_payloads_that_do_not_parse_match_no_route(router: Router, payload: str) -> None:
    assert router.resolve(press(payload)) is None


async def test_the_button_handler_receives_the_value(router: Router) -> None:
    received = []

    async def handler(value: PickCell, ctx: object) -> None:
        received.append(value)

    r = Router()
    r.button(PickCell)(handler)
    route = r.resolve(press("onb:cell:7"))
    assert route is not None
    await route.handler(press("onb:cell:7"), None)  # type: ignore[arg-type]
    assert received == [PickCell(7)]


def test_payload_types_are_checked_when_defined() -> None:
    with pytest.raises(TypeError, match="only the last field"):

        @dataclass(frozen=True)
        class Bad(ButtonData, prefix="bad"):
            topic: str
            number: int

    with pytest.raises(TypeError, match="not supported"):

        @dataclass(frozen=True)
        class Worse(ButtonData, prefix="worse"):
            items: list[int]

    with pytest.raises(ValueError, match="cannot be sent"):
        PickCell(-1).encode()


def test_open_question_takes_plain_text_in_direct_chat_only(router: Router) -> None:
    route = router.resolve(msg("Anna de Vries", DIRECT), open_flow="onboarding")
    assert route is not None and route.handler is h_flow and route.args == "Anna de Vries"
    # a command still wins over the open question
    assert router.resolve(msg("/hulp", DIRECT), open_flow="onboarding").handler is h_help
    # in a group the open question does not swallow chatter
    assert router.resolve(msg("Anna de Vries"), open_flow="onboarding") is None


def test_phrases_in_groups_only_when_clear_or_addressed(router: Router) -> None:
    route = router.resolve(msg("Wie kan helpen met mijn fiets?"))
    assert route is not None and route.handler is h_phrase
    assert route.match is not None and route.match.group("topic") == "mijn fiets?"
    assert router.resolve(msg("dank je wel")) is None
    assert router.resolve(msg("dank je wel", reply_to_bot=True)).handler is h_quiet_phrase
    assert router.resolve(msg("dank je wel", DIRECT)).handler is h_quiet_phrase


def test_chatter_in_group_is_ignored_but_direct_chat_gets_fallback(router: Router) -> None:
    assert router.resolve(msg("lekker weer vandaag")) is None
    assert router.resolve(msg("lekker weer vandaag", DIRECT)).handler is h_fallback


def test_registering_twice_is_refused(router: Router) -> None:
    with pytest.raises(ValueError):
        router.command("who")(h_help)
    with pytest.raises(ValueError):
        router.button(PickCell)(h_help)


def test_command_names_lists_aliases(router: Router) -> None:
    assert sorted(router.command_names()["wie"]) == ["who", "wie"]


def test_the_nearest_known_command_to_an_unknown_one() -> None:
    from handlers import build_router

    router = build_router()
    assert router.nearest_command("oproepn") == "oproepen"
    assert router.nearest_command("hepl") == "help"  # not the one-letter "h"
    assert router.nearest_command("mycalls") == "calls"
    assert router.nearest_command("xyz") is None

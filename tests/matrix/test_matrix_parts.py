"""The Matrix adapter's pure parts, without a homeserver: rendering, addressing, failures,
button memory, direct rooms and the settings check. Canned nio responses stand in for the
server where one is needed."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from nio import MatrixRoom, RoomMessageText, RoomSendError

from bot.adapters.matrix.addressing import analyse, strip_reply_fallback
from bot.adapters.matrix.buttons import KEEP_PER_ROOM, ButtonMemory, Offer
from bot.adapters.matrix.failures import Backoff, delivery_error
from bot.adapters.matrix.incoming import EventReader, RecentIds
from bot.adapters.matrix.render import KEYCAPS, message_content, option_emojis, parse_number
from bot.adapters.matrix.rooms import DirectRooms
from bot.adapters.matrix.session import MatrixConfig, inviter_allowed, require_e2e
from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.core import Button, ButtonPress, IncomingMessage, Reply
from bot.errors import ConfigError, PermanentDeliveryError, RetryLater
from storage import Storage

BOT = "@vonk:buurt.nl"


# -- rendering -----------------------------------------------------------------------------------
def test_a_notice_escapes_everything_and_breaks_lines() -> None:
    content = message_content(Reply("Hoi <b>Kees</b> & co\nTweede regel"))
    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Hoi <b>Kees</b> & co\nTweede regel"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == "Hoi &lt;b&gt;Kees&lt;/b&gt; &amp; co<br>Tweede regel"
    assert content["m.mentions"] == {}


def test_buttons_become_numbered_lines_with_a_hint() -> None:
    reply = Reply("Doe je mee?", (Button("Ik doe mee", "call:1", emoji="👍"), Button("Nee", "x")))
    content = message_content(reply, hint="Antwoord met het nummer.")
    assert content["body"] == "Doe je mee?\n\n1. Ik doe mee 👍\n2. Nee\nAntwoord met het nummer."
    assert option_emojis(reply.buttons) == ["👍", KEYCAPS[1]]


def test_options_past_ten_have_no_emoji() -> None:
    buttons = [Button(str(n), str(n)) for n in range(12)]
    emojis = option_emojis(buttons)
    assert emojis[0] == "1️⃣" and emojis[9] == "🔟" and emojis[10:] == [None, None]


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 3. ", 3), ("1)", 1), ("12", 12), ("2 stuks", None), ("twee", None), ("", None)],
)
def test_a_lone_number_answers_an_option(text: str, number: int | None) -> None:
    assert parse_number(text) == number


# -- addressing ----------------------------------------------------------------------------------
def test_mention_by_name_is_removed() -> None:
    found = analyse({"body": "Vonk: !hulp"}, BOT, {"Vonk"})
    assert (found.mentions_bot, found.text) == (True, "!hulp")
    found = analyse({"body": "vonk , wie kan helpen met fietsen?"}, BOT, set())
    assert (found.mentions_bot, found.text) == (True, "wie kan helpen met fietsen?")


def test_pill_and_m_mentions_address_the_bot() -> None:
    pill = '<a href="https://matrix.to/#/%40vonk%3Abuurt.nl">Vonk</a> !hulp'
    found = analyse({"body": "Vonk !hulp", "formatted_body": pill}, BOT, {"Vonk"})
    assert (found.mentions_bot, found.text) == (True, "!hulp")
    found = analyse(
        {"body": "hulp gezocht", "m.mentions": {"user_ids": [BOT, "@anna:buurt.nl"]}}, BOT, set()
    )
    assert found.mentions_bot and found.mentions == ("@anna:buurt.nl",)


def test_similar_names_and_plain_chatter_do_not_address_the_bot() -> None:
    assert not analyse({"body": "vonkje: hoi"}, BOT, {"Vonk"}).mentions_bot
    assert not analyse({"body": "de vonk sloeg over"}, BOT, {"Vonk"}).mentions_bot


def test_a_reply_loses_its_quote() -> None:
    body = "> <@vonk:buurt.nl> Mogen anderen je vinden?\n> 1. Ja\n\nja hoor"
    content = {"body": body, "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    found = analyse(content, BOT, set())
    assert (found.reply_to, found.text, found.mentions_bot) == ("$q", "ja hoor", False)
    assert strip_reply_fallback("> niet echt een antwoord") == ""
    assert strip_reply_fallback("gewoon tekst") == "gewoon tekst"


# -- failures ------------------------------------------------------------------------------------
def _error(status: int, body: dict[str, object]) -> RoomSendError:
    resp = RoomSendError.from_dict(body, "!room:buurt.nl")
    resp.transport_response = SimpleNamespace(status=status)
    return resp


def test_rate_limits_and_server_errors_are_temporary() -> None:
    limited = delivery_error(
        _error(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "slow down", "retry_after_ms": 2500}),
        "send",
    )
    assert isinstance(limited, RetryLater) and limited.retry_after == 2.5
    assert "HTTP 429 M_LIMIT_EXCEEDED: slow down" in str(limited)
    assert isinstance(delivery_error(_error(502, {}), "send"), RetryLater)
    assert isinstance(delivery_error(_error(503, {"errcode": "M_UNKNOWN"}), "send"), RetryLater)


def test_refusals_are_permanent() -> None:
    forbidden = _error(403, {"errcode": "M_FORBIDDEN", "error": "not in room"})
    assert isinstance(delivery_error(forbidden, "send"), PermanentDeliveryError)
    assert isinstance(
        delivery_error(_error(404, {"errcode": "M_NOT_FOUND"}), "send"), PermanentDeliveryError
    )


def test_backoff_doubles_up_to_its_cap_and_honours_retry_after() -> None:
    backoff = Backoff(initial=1.0, cap=8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    assert all(0.8 * d <= got <= d for got, d in zip(delays, [1, 2, 4, 8, 8, 8], strict=True))
    assert backoff.next_delay(at_least=30.0) == 30.0
    backoff.reset()
    assert backoff.next_delay() <= 1.0


# -- button memory -------------------------------------------------------------------------------
class MemoryState:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    async def get(self, platform: str, key: str) -> str | None:
        return self.values.get((platform, key))

    async def set(self, platform: str, key: str, value: str) -> None:
        self.values[(platform, key)] = value


async def test_offers_survive_a_restart_and_answer_by_number_or_emoji() -> None:
    state = MemoryState()
    memory = ButtonMemory(state)  # type: ignore[arg-type]
    await memory.remember("!r", Offer("$old", ("call:1",), ("👍",)))
    await memory.remember("!r", Offer("$new", ("onb:yes", "onb:no"), ("1️⃣", "2️⃣")))

    again = ButtonMemory(state)  # type: ignore[arg-type]
    latest = await again.latest("!r")
    assert latest is not None and latest.by_number(2) == "onb:no" and latest.by_number(3) is None
    old = await again.find("!r", "$old")
    assert old is not None and old.by_emoji("👍️") == "call:1"  # with a variation selector
    assert (await again.find("!r", "$new")).by_emoji("2\u20e3") == "onb:no"  # type: ignore[union-attr]
    assert await again.latest("!elders") is None

    for n in range(KEEP_PER_ROOM + 5):
        await again.remember("!r", Offer(f"${n}", ("p",), ("1️⃣",)))
    assert await again.find("!r", "$old") is None


# -- rooms and settings --------------------------------------------------------------------------
def test_direct_rooms_from_m_direct_or_two_member_unnamed_rooms() -> None:
    directs = DirectRooms()
    directs.load({"@anna:buurt.nl": ["!a1", "!a2"], "bad": "not a list"})
    assert directs.rooms_with("@anna:buurt.nl") == ["!a2", "!a1"]
    assert directs.user_of("!a1") == "@anna:buurt.nl"
    assert directs.is_direct("!a1", None)
    assert directs.is_direct("!x", SimpleNamespace(is_named=False, member_count=2))
    assert not directs.is_direct("!x", SimpleNamespace(is_named=True, member_count=2))
    assert not directs.is_direct("!x", SimpleNamespace(is_named=False, member_count=3))
    assert directs.add("@bob:buurt.nl", "!b") and not directs.add("@bob:buurt.nl", "!b")


def test_allowed_inviters_are_users_or_whole_servers() -> None:
    allowed = ("@sanne:buurt.nl", ":wijk.nl")
    assert inviter_allowed("@sanne:buurt.nl", allowed)
    assert inviter_allowed("@piet:wijk.nl", allowed)
    assert not inviter_allowed("@kees:buurt.nl", allowed)
    assert not inviter_allowed("@piet:evilwijk.nl", allowed)
    assert not inviter_allowed("@piet:wijk.nl.evil", allowed)


def test_settings_are_checked_and_the_store_defaults_to_the_data_folder(tmp_path: Path) -> None:
    def config(**values: object) -> MatrixConfig:
        base = {
            "data_dir": tmp_path,
            "matrix_homeserver": "https://matrix.buurt.nl",
            "matrix_user_id": BOT,
            "matrix_password": "geheim",
        }
        return MatrixConfig.from_settings(load_settings(env={}, **{**base, **values}))

    assert config().store_path == tmp_path / "matrix-store"
    assert config(matrix_store_path=str(tmp_path / "s")).store_path == tmp_path / "s"
    with pytest.raises(ConfigError, match="VONK_MATRIX_USER_ID"):
        config(matrix_user_id="vonk")
    with pytest.raises(ConfigError, match="PASSWORD or VONK_MATRIX_ACCESS_TOKEN"):
        config(matrix_password="")
    with pytest.raises(ConfigError, match="ALLOWED_INVITERS"):
        config(matrix_allowed_inviters=["buurt.nl"])


def test_encryption_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vodozemac", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"matrix-nio\[e2e\]"):
        require_e2e()


async def test_options_are_remembered_as_short_ids_of_their_payloads(settings: Settings) -> None:
    """A room's memory names nobody (a contact button carries a member id and a topic), and an
    option whose payload was removed since is no button any more; offers saved before still
    work."""
    storage = await Storage.open(settings.effective_database_url)
    try:
        memory = ButtonMemory(storage.adapter_state, storage.buttons, SystemClock())
        buttons = [Button("Vraag contact", "ask:contact:3:fietsen"), Button("x", "y", ref="7")]
        refs = await memory.refs(buttons)
        assert refs[1] == "7"  # registered with its message already
        await memory.remember("!r", Offer("$e", refs, (None, None)))
        saved = await storage.adapter_state.get("matrix", "buttons:!r")
        assert saved is not None and "fietsen" not in saved and "contact" not in saved
        again = ButtonMemory(storage.adapter_state, storage.buttons, SystemClock())
        offer = await again.latest("!r")
        assert offer is not None and offer.by_number(1) == refs[0]
        assert await again.payload(refs[0]) == "ask:contact:3:fietsen"
        assert await again.payload("2147483647") == ""  # gone: "this button no longer works"
        assert await again.payload("call:join:1") == "call:join:1"  # saved by an earlier version
    finally:
        await storage.close()


async def test_room_events_are_cleaned_and_options_resolved(settings: Settings) -> None:
    """What the reader makes of a room event is cleaned like every adapter's (bot/clean.py),
    and a typed number answers with the payload behind the remembered option."""
    storage = await Storage.open(settings.effective_database_url)
    try:
        memory = ButtonMemory(storage.adapter_state, storage.buttons, SystemClock())
        refs = await memory.refs([Button("Ja", "privacy:forget:yes")])
        await memory.remember("!dm", Offer("$q", refs, (None,)))
        room = MatrixRoom("!dm", BOT)
        room.add_member("@anna:buurt.nl", "Anna\u202e\u200b", None)
        client = SimpleNamespace(user_id=BOT)
        reader = EventReader(client, memory, DirectRooms(), RecentIds())  # type: ignore[arg-type]

        def text(body: str, event_id: str) -> RoomMessageText:
            return RoomMessageText.from_dict(
                {
                    "type": "m.room.message",
                    "event_id": event_id,
                    "sender": "@anna:buurt.nl",
                    "origin_server_ts": 1,
                    "content": {"msgtype": "m.text", "body": body},
                }
            )

        message = await reader.read(room, text("/doe flyers\x00 rondbrengen", "$1"))
        assert isinstance(message, IncomingMessage)
        assert message.text == "/doe flyers rondbrengen"
        assert message.sender.display_name == "Anna"
        press = await reader.read(room, text("1", "$2"))
        assert isinstance(press, ButtonPress) and press.payload == "privacy:forget:yes"
    finally:
        await storage.close()

"""The adapter's pure parts: addressing, rendering, URLs and the command menu."""

from __future__ import annotations

from bot.adapters.telegram import file_url_for
from bot.adapters.telegram.addressing import Entity, read_addressing, u16_len
from bot.adapters.telegram.commands import menu
from bot.adapters.telegram.render import escape, keyboard_rows, split_text

BOT = "vonk_bot"
BOT_ID = 42


def read(text: str, *entities: Entity) -> tuple[str, bool, tuple[str, ...], bool]:
    found = read_addressing(text, entities, bot_username=BOT, bot_id=BOT_ID)
    return found.text, found.mentions_bot, found.mentions, found.for_other_bot


def test_command_suffix_is_checked_and_stripped() -> None:
    assert read("/wie@Vonk_Bot fiets", Entity("bot_command", 0, 13)) == (
        "/wie fiets",
        True,
        (),
        False,
    )
    assert read("/wie@ander_bot", Entity("bot_command", 0, 14))[3] is True
    assert read("/wie fiets", Entity("bot_command", 0, 4)) == ("/wie fiets", False, (), False)


def test_mentions_are_removed_with_utf16_offsets() -> None:
    text = "🚲 @vonk_bot, wie kan dit? @piet"
    start = u16_len("🚲 ")  # the emoji counts as two code units
    entities = (Entity("mention", start, 9), Entity("mention", u16_len(text) - 5, 5))
    assert read(text, *entities) == ("🚲 wie kan dit? @piet", True, ("piet",), False)
    assert read("@vonk_bot", Entity("mention", 0, 9))[:2] == ("", True)
    by_name = read("Vonk help", Entity("text_mention", 0, 4, user_id=BOT_ID))
    assert by_name[:2] == ("help", True)
    assert read("Piet help", Entity("text_mention", 0, 4, user_id=7))[2] == ("7",)


def test_rendering() -> None:
    assert escape("<b>x</b> & 'y'") == "&lt;b&gt;x&lt;/b&gt; &amp; 'y'"
    assert split_text("kort") == ["kort"]
    parts = split_text("a" * 10 + "\n" + "b b b b b b b b", limit=10)
    assert parts == ["a" * 10, "b b b b b ", "b b b"]
    assert keyboard_rows([1, 2], ["Ja", "Nee"]) == [[1, 2]]
    assert keyboard_rows([1, 2], ["Ik kan helpen met vervoer", "Ik kan niet"]) == [[1], [2]]


def test_file_url_follows_the_api_url() -> None:
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


def test_menu_skips_commands_without_description_or_valid_name() -> None:
    entries = dict(menu(["hulp", "nog-niet", "onbekend"], "en"))
    assert entries == {"hulp": "What can Vonk do for you?"}

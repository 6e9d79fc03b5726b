"""Matrix as its users know it, without a homeserver: rich replies with the spec's fallback,
answers in the thread they came from, edits (``m.replace``), ``m.mentions`` with exactly the
users meant, and an edited message's options."""

from __future__ import annotations

from bot.adapters.matrix.addressing import analyse
from bot.adapters.matrix.buttons import ButtonMemory, Offer
from bot.adapters.matrix.render import Quoted, message_content
from bot.core import Button, Reply

BOT = "@vonk:buurt.nl"
ANNE = "@anne:buurt.nl"


def test_a_reply_carries_in_reply_to_the_fallback_quote_and_mentions_the_asker() -> None:
    quoted = Quoted("!r:buurt.nl", "$vraag", ANNE, "wie kan <fietsen> maken?\ntweede regel")
    reply = Reply("Piet kan dat", reply_to="$vraag", mentions=(ANNE,))
    content = message_content(reply, quoted=quoted)
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$vraag"}}
    assert content["m.mentions"] == {"user_ids": [ANNE]}
    assert content["body"] == (
        f"> <{ANNE}> wie kan <fietsen> maken?\n> tweede regel\n\nPiet kan dat"
    )
    assert content["formatted_body"] == (
        '<mx-reply><blockquote><a href="https://matrix.to/#/!r:buurt.nl/$vraag">In reply to</a>'
        f' <a href="https://matrix.to/#/{ANNE}">{ANNE}</a><br>'
        "wie kan &lt;fietsen&gt; maken?<br>tweede regel</blockquote></mx-reply>Piet kan dat"
    )
    # Without the original at hand the reply still is one; the bot's own reading of it agrees.
    bare = message_content(reply)
    assert bare["body"] == "Piet kan dat" and bare["m.relates_to"]["m.in_reply_to"]
    assert analyse(content, "@iemand:buurt.nl", set()).text == "Piet kan dat"


def test_an_answer_stays_in_its_thread() -> None:
    in_thread = message_content(Reply("Ja", reply_to="$vraag", thread_id="$root"))
    assert in_thread["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$vraag"},
    }
    plain = message_content(Reply("Ja", thread_id="$root"))["m.relates_to"]
    assert plain["is_falling_back"] is True and plain["m.in_reply_to"] == {"event_id": "$root"}

    # Reading: a thread message says its thread; its fallback reply is no real reply.
    asked = {"body": "wie?", "m.relates_to": plain}
    found = analyse(asked, BOT, set())
    assert (found.thread_id, found.reply_to) == ("$root", None)
    real = analyse({"body": "ja", "m.relates_to": in_thread["m.relates_to"]}, BOT, set())
    assert (real.thread_id, real.reply_to) == ("$root", "$vraag")


def test_an_edit_replaces_the_message_with_its_new_content() -> None:
    edit = Reply("Oproep 1: 2 van 2 plekken", (Button("Vertel meer", "m", "ℹ️"),), edit_of="$post")
    content = message_content(edit)
    assert content["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$post"}
    assert content["body"].startswith("* Oproep 1: 2 van 2 plekken")
    new = content["m.new_content"]
    assert new["body"] == "Oproep 1: 2 van 2 plekken\n\n1. Vertel meer ℹ️"
    assert "m.relates_to" not in new and new["m.mentions"] == {}
    assert content["m.mentions"] == {}, "an edit pings nobody"


class _State:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    async def get(self, platform: str, key: str) -> str | None:
        return self.saved.get((platform, key))

    async def set(self, platform: str, key: str, value: str) -> None:
        self.saved[(platform, key)] = value


async def test_an_edited_message_offers_its_new_options_in_its_old_place() -> None:
    memory = ButtonMemory(_State())  # type: ignore[arg-type]
    await memory.remember("!r", Offer("$post", ("join", "more"), ("👍", "ℹ️")))
    await memory.remember("!r", Offer("$later", ("ja",), ("1️⃣",)))
    await memory.revise("!r", "$post", Offer("$post", ("more",), ("ℹ️",)))
    post = await memory.find("!r", "$post")
    assert post is not None and post.by_emoji("👍") is None and post.by_emoji("ℹ️") == "more"
    latest = await memory.latest("!r")
    assert latest is not None and latest.event_id == "$later", "an edit is not the newest"
    await memory.revise("!r", "$post", None)
    assert await memory.find("!r", "$post") is None

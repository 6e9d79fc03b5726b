"""The real ``vonk run`` process against the fake Telegram Bot API.

Nothing is patched: the bot is configured by environment variables only, exactly as in
production, and talks HTTP to the fake. The first group of tests shares one running bot (each
meets its own people); restarts and webhook mode get a process of their own.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storage.records import Role
from tests.fakes.telegram_api import FakeTelegramServer
from tests.telegram.conftest import BOT_USERNAME
from tests.telegram.harness import (
    Chats,
    VonkProcess,
    bot_messages,
    buttons,
    current,
    in_flight,
    person,
    wait_for,
    wait_until,
    with_buttons,
)

HELP = "Dit kan ik voor je doen"
GREETED = "Ik ben Vonk: ik zoek buren die kunnen helpen"  # a newcomer greeted back


# -- one running bot --------------------------------------------------------------------------
def test_start_removes_stale_webhook_and_sets_menu_in_dutch_and_english(running: Chats) -> None:
    fake = running.fake
    assert fake.webhook is None, "polling needs the old webhook gone"
    dutch = {c["command"]: c["description"] for c in fake.commands(language_code="nl")}
    english = {c["command"]: c["description"] for c in fake.commands(language_code="en")}
    default = fake.commands()
    assert dutch["hulp"] == "Wat kan Vonk voor je doen?"
    assert english["hulp"] == "What can Vonk do for you?"
    assert list(dutch)[:2] == ["start", "profiel"]  # the router's order
    assert set(dutch) == set(english) >= {"start", "profiel", "taal", "stop", "hulp"}
    assert default == fake.commands(language_code="nl"), "the network speaks Dutch by default"


def test_group_question_by_command_mention_and_reply(running: Chats) -> None:
    fake, group = running.fake, running.group
    anne = running.person("Anne", username="anne_oost")
    anne.say("Heeft iemand een ladder?", group)  # not for the bot: the router stays quiet
    anne.say("/hulp@ander_bot", group)  # another bot's command
    anne.say(f"/hulp@{BOT_USERNAME}", group)
    help_message = wait_for(fake, group, HELP)
    assert len(bot_messages(fake, group)) == 1, "only the command for this bot was answered"

    anne.say(f"@{BOT_USERNAME}, hallo!", group)
    wait_for(fake, group, GREETED)
    anne.say("bedankt", group, reply_to=help_message)  # thanks, said to the bot by replying
    wait_for(fake, group, "Graag gedaan")
    assert len(bot_messages(fake, group)) == 3


def test_username_and_name_changes_are_followed(running: Chats) -> None:
    fake, group = running.fake, running.group
    gijs = running.person("Gijs", username="gijs_oud")
    before = len(bot_messages(fake, group, HELP))
    gijs.say(f"/hulp@{BOT_USERNAME}", group)
    wait_until(lambda: len(bot_messages(fake, group, HELP)) > before, what="help in the group")
    renamed = gijs.renamed(username="gijs_nieuw", last_name="de Vries")
    renamed.say("/hulp", renamed.dm)
    wait_for(fake, renamed.dm, HELP)
    found = running.vonk.account(gijs.user)
    assert found is not None
    member, account = found
    assert (account.username, account.display_name) == ("gijs_nieuw", "Gijs de Vries")
    assert running.vonk.account(renamed.user) == found, "still the same member"
    assert member.handle == "gijs_oud"


def test_dm_onboarding_by_buttons_and_invite_link(running: Chats) -> None:
    fake = running.fake
    bram = running.person("Bram")
    bram.say("/start")
    wait_for(fake, bram.dm, "Hoi! Ik ben Vonk")
    question = wait_for(fake, bram.dm, "Hoe wil je genoemd worden?")
    assert buttons(question) == ["Gewoon Bram"]
    press = bram.press(question, "Gewoon Bram")
    skills = wait_for(fake, bram.dm, "Wat kun je")
    pressed = current(fake, question)
    assert "reply_markup" not in pressed, "an answered question loses its buttons"
    assert pressed["text"].endswith("✓ Gewoon Bram")
    assert press["callback_query"]["id"] in fake.answered_callback_queries

    bram.press(skills, "Later")
    wait_for(fake, bram.dm, "In welke buurt")
    bram.say("Oost")  # typed instead of pressed: a new cell is confirmed first
    wait_for(fake, bram.dm, "Nieuwe cel 'Oost' maken?")
    bram.say("ja hoor")
    wait_for(fake, bram.dm, "Je hoort bij Oost.")
    bram.press(wait_for(fake, bram.dm, "Mogen andere leden jou vinden"), "Ja")
    bram.press(wait_for(fake, bram.dm, "Mag ik je af en toe"), "Nee")
    wait_for(fake, bram.dm, "Klaar, Bram")

    # A button whose payload the bot does not know (any more) gets a short note, no crash.
    stale = fake.push_callback_query(bram.user, question, "999999", check_button=False)
    query_id = stale["callback_query"]["id"]
    note = wait_until(lambda: fake.answered_callback_queries.get(query_id))
    assert note["text"] == "Deze knop werkt niet meer. Kijk even naar mijn laatste bericht."

    # An invite link t.me/<bot>?start=oost arrives as "/start oost": the cell is chosen.
    carla = running.person("Carla")
    carla.say("/start oost")
    wait_for(fake, carla.dm, "Je hoort bij Oost.")
    carla.press(wait_for(fake, carla.dm, "Hoe wil je genoemd worden?"), "Gewoon Carla")
    carla.press(wait_for(fake, carla.dm, "Wat kun je"), "Later")
    wait_for(fake, carla.dm, "Mogen andere leden jou vinden")
    assert not bot_messages(fake, carla.dm, "In welke buurt"), "the link already chose"


def test_user_text_is_escaped_in_html(running: Chats) -> None:
    fake = running.fake
    odd = running.person("<b>x</b> & co")
    odd.say("/profiel")
    profile = wait_for(fake, odd.dm, "Jouw profiel")
    assert "Naam: <b>x</b> & co" in profile["text"]
    assert not [e for e in profile.get("entities", []) if e["type"] == "bold"]
    call = fake.wait_for_call_sync("sendMessage", lambda c: "Jouw profiel" in c.params["text"])
    assert call.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co" in call.params["text"]


def test_429_delays_messages_through_the_outbox_exactly_once(running: Chats) -> None:
    """``/start`` in a group: the group answer is sent at once, the welcome goes to the direct
    chat through the outbox. Telegram answers 429 twice: the group answer is handed over to the
    outbox, the first direct message is put back; all arrive, once each."""
    fake, group = running.fake, running.group
    eva = running.person("Eva")
    since = len(fake.calls())
    fake.fail_next("sendMessage", 429, retry_after=1, times=2)
    started = time.monotonic()
    eva.say("/start", group)
    wait_for(fake, group, "Welkom Eva!", within=20)
    wait_for(fake, eva.dm, "Hoi! Ik ben Vonk", within=20)
    wait_for(fake, eva.dm, "Hoe wil je genoemd worden?", within=20)
    assert time.monotonic() - started >= 1.0, "retry_after was respected"
    refused = [c for c in running.vonk.calls_since(since, "sendMessage") if c.status == 429]
    assert len(refused) == 2
    assert len(bot_messages(fake, group, "Welkom Eva!")) == 1
    assert len(bot_messages(fake, eva.dm, "Hoi! Ik ben Vonk")) == 1
    assert len(bot_messages(fake, eva.dm, "Hoe wil je genoemd worden?")) == 1


def test_call_for_help_with_button_pledges(running: Chats) -> None:
    """An initiator's call is posted in the group with pledge buttons; the buttons stay under
    the group message, so several people can press the same one; the post is edited in place
    with the live count, and loses its join button once the call is full."""
    fake, group, vonk = running.fake, running.group, running.vonk
    sanne = running.person("Sanne", username="sanne_init")
    piet, kees = running.person("Piet"), running.person("Kees")
    sanne.say("/hulp")
    wait_for(fake, sanne.dm, HELP)
    vonk.set_role(sanne.user, Role.INITIATOR)

    posted_before = len(with_buttons(fake, group))
    sanne.say("/oproep Opruimen speelveld zaterdag 10:00 #Oost 2 mensen", group)
    confirm = wait_until(lambda: with_buttons(fake, sanne.dm), what="the check")[-1]
    sanne.press(confirm, buttons(confirm)[0])  # post it
    call = wait_until(lambda: with_buttons(fake, group)[posted_before:], what="the call")[-1]
    pledge = buttons(call)[0]
    piet.press(call, pledge)
    wait_for(fake, piet.dm, "Opruimen speelveld")
    wait_until(lambda: "1 van 2" in current(fake, call)["text"], what="the live count")
    assert buttons(current(fake, call)) == buttons(call)
    kees.press(call, pledge)  # the same message: its buttons are still there
    wait_for(fake, kees.dm, "Opruimen speelveld")
    full = wait_until(
        lambda: "Vol!" in current(fake, call)["text"] and current(fake, call),
        what="the full call's post",
    )
    assert "2 van 2" in full["text"] and pledge not in buttons(full)
    assert buttons(full) == buttons(call)[1:], "only 'Vertel meer' is left"
    wait_for(fake, group, "'Opruimen speelveld' is vol.")  # one line when it is full
    assert not bot_messages(fake, group, "doet mee!"), "the count is on the post, not per pledge"


def test_added_to_a_group_and_a_member_who_never_started(running: Chats) -> None:
    """The bot added to a group welcomes it; a member who never opened the private chat is
    shown, in the group, the button that opens it, and what waited follows after /start."""
    fake = running.fake
    ilse, bob = running.person("Ilse"), running.person("Bob")
    group = fake.group_chat("Buurtgroep Noord", is_forum=True)
    fake.push_my_chat_member(group, ilse.user, old="left", new="member")
    welcome = wait_for(fake, group, "Ik ben Vonk, de hulpbot")
    assert "/hulp" in welcome["text"]

    fake.never_started(bob.user)
    asked = bob.say("/start", group, thread_id=3)
    assert asked is not None
    notice = wait_for(fake, group, "ik kan je nog geen privébericht sturen")
    [[link]] = notice["reply_markup"]["inline_keyboard"]
    assert link["url"] == f"https://t.me/{BOT_USERNAME}?start=hoi"
    assert notice["message_thread_id"] == 3, "in the topic where Bob asked"
    assert not bot_messages(fake, bob.dm)
    bob.say("/start hoi")  # the button, then Start
    wait_for(fake, bob.dm, "Hoe wil je genoemd worden?")


# -- restarts -----------------------------------------------------------------------------------
def test_restart_neither_loses_nor_repeats_updates(
    fake: FakeTelegramServer, data_dir: Path
) -> None:
    vonk = VonkProcess(fake, data_dir)
    anne, bob, carla, dana = (person(fake, name) for name in ("Anne", "Bob", "Carla", "Dana"))
    group = fake.group_chat("Buurtgroep West")

    vonk.start()
    anne.say("/hulp")
    wait_for(fake, anne.dm, HELP)
    stopping = time.monotonic()
    assert vonk.terminate() == 0
    assert time.monotonic() - stopping < 5, "SIGTERM ends an open long poll at once"

    # While the bot is down, people keep writing; Telegram keeps the updates.
    bob.say("/hulp")
    anne.say(f"/hulp@{BOT_USERNAME}", group)
    anne.say("/profiel")
    vonk.start()
    wait_for(fake, bob.dm, HELP)
    wait_for(fake, group, HELP)
    wait_for(fake, anne.dm, "Jouw profiel")

    # A crash right after handling an update, before Telegram heard it was handled: the
    # confirming getUpdates is held up, so the update is still pending when the process dies.
    # (Killed after the answer was marked sent: a kill between sending and marking may send
    # that one answer twice, see test_kill_during_a_broadcast_sends_at_most_one_twice.)
    wait_until(lambda: in_flight(fake, "getUpdates"), what="an open long poll")
    fake.delay_next("getUpdates", 5)
    handled = carla.say("/hulp")
    assert handled is not None
    wait_for(fake, carla.dm, HELP)
    wait_until(lambda: vonk.unsent() == 0, what="the answer marked sent")
    vonk.kill()
    pending = [u["update_id"] for u in fake.pending_updates]
    assert handled["update_id"] in pending, "Telegram will deliver it again"

    vonk.start()
    dana.say("/hulp")
    wait_for(fake, dana.dm, HELP)  # updates are handled in order: carla's redelivery came first
    wait_until(lambda: not fake.pending_updates, what="all updates confirmed")
    for chat in (anne.dm, bob.dm, carla.dm, dana.dm, group):
        assert len(bot_messages(fake, chat, HELP)) == 1, chat
    assert len(bot_messages(fake, anne.dm, "Jouw profiel")) == 1
    assert vonk.terminate() == 0


# -- webhook mode -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode_checks_the_secret_token(fake: FakeTelegramServer, data_dir: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    vonk = VonkProcess(
        fake,
        data_dir,
        VONK_TELEGRAM_WEBHOOK_URL=url,
        VONK_TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        VONK_TELEGRAM_WEBHOOK_PORT=str(port),
        VONK_TELEGRAM_WEBHOOK_SECRET="buurt-geheim",
    )
    vonk.start(ready="setWebhook")
    wait_until(lambda: fake.webhook, what="the webhook to be set")
    assert fake.webhook is not None
    assert (fake.webhook["url"], fake.webhook["secret_token"]) == (url, "buurt-geheim")
    assert not fake.calls("getUpdates"), "no polling in webhook mode"

    anne = person(fake, "Anne")
    anne.say("/hulp")
    assert fake.deliver_webhook_updates_sync() == 1
    wait_for(fake, anne.dm, HELP)

    forged = json.dumps({"update_id": 1, "message": {"message_id": 1}}).encode()
    request = urllib.request.Request(url, forged, {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403, "an update without the secret token is refused"
    assert vonk.terminate() == 0

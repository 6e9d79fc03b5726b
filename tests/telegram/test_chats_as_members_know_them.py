"""Telegram as its users know it, against the fake Bot API: menus per scope and language, the
bot's descriptions, forum topics, answers that quote the asker, link buttons, button-only
edits, the bot added to / removed from a group, a group that became a supergroup, and a private
chat the member never opened."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import (
    Button,
    ButtonPress,
    ChatMembership,
    IncomingMessage,
    MembershipChange,
    Reply,
)
from bot.errors import NotStarted, PermanentDeliveryError
from storage import Storage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.recording_intake import RecordingIntake
from tests.telegram.conftest import BOT_USERNAME

COMMANDS = ["start", "profiel", "hulp", "wie", "oproepen", "doe", "oproep", "cel", "rol"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(username=BOT_USERNAME) as server:  # privacy mode on
        yield server


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[Storage]:
    opened = await Storage.open(settings.effective_database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def adapter(
    fake: FakeTelegramServer, settings: Settings, storage: Storage
) -> AsyncIterator[tuple[TelegramAdapter, RecordingIntake]]:
    config = settings.replace(telegram_token=fake.token, telegram_base_url=fake.base_url)
    telegram = TelegramAdapter(config, storage, SystemClock(), commands=COMMANDS, poll_timeout=1)
    received = RecordingIntake()
    await telegram.start(received)
    yield telegram, received
    await telegram.stop()


def names(fake: FakeTelegramServer, scope: str | None, language: str = "") -> list[str]:
    chosen = {"type": scope} if scope else None
    return [c["command"] for c in fake.commands(chosen, language)]


async def test_menus_per_scope_and_language_and_the_descriptions(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    members = ["start", "profiel", "hulp", "wie", "oproepen", "doe"]
    for language in ("", "nl", "en"):
        assert names(fake, "all_private_chats", language) == members
        assert names(fake, None, language) == members
        assert names(fake, "all_group_chats", language) == ["hulp", "wie", "oproepen"]
        assert names(fake, "all_chat_administrators", language) == [
            "hulp",
            "wie",
            "oproepen",
            "oproep",
            "cel",
            "rol",
        ]
    english = {c["command"]: c["description"] for c in fake.commands(None, "en")}
    assert english["hulp"] == "What can Vonk do for you?"
    group = fake.group_chat("Buurt")
    assert [c["command"] for c in fake.visible_commands(group, "en")] == [
        "hulp",
        "wie",
        "oproepen",
    ]

    assert fake.description("nl").startswith("Vonk brengt buren")
    assert fake.description("en").startswith("Vonk brings neighbours together")
    assert fake.description("") == fake.description("nl"), "the network speaks Dutch"
    assert fake.description("en", short=True) and len(fake.description("en", short=True)) <= 120
    assert fake.description("nl", short=True) != fake.description("en", short=True)


async def test_topics_quoted_askers_and_link_buttons(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    telegram, received = adapter
    anne = fake.user("Anne")
    forum = fake.group_chat("Buurt", is_forum=True)
    fake.push_message(forum, anne, f"/wie@{BOT_USERNAME} fietsen", thread_id=7)
    fake.push_message(forum, anne, "/hulp")  # in "General": no topic
    [asked, general] = await received.next(2)
    assert isinstance(asked, IncomingMessage) and isinstance(general, IncomingMessage)
    assert asked.thread_id == "7" and asked.message_id is not None
    assert general.thread_id is None

    answer = Reply(
        "Piet kan fietsen maken",
        (Button("Hoi", "hoi"), Button.link("Open", "https://t.me/vonk_test_bot?start=hoi")),
        reply_to=asked.message_id,
        thread_id=asked.thread_id,
    )
    await telegram.send(str(forum["id"]), answer)
    sent = fake.messages_in(forum, from_bot=True)[-1]
    assert sent["message_thread_id"] == 7
    assert sent["reply_to_message"]["message_id"] == int(asked.message_id)
    [row] = sent["reply_markup"]["inline_keyboard"]
    assert row[1] == {"text": "Open", "url": "https://t.me/vonk_test_bot?start=hoi"}
    assert "callback_data" in row[0]

    # The asker's message was deleted meanwhile: the answer goes out all the same.
    await telegram.send(str(forum["id"]), Reply("Nog iets", reply_to="9999", thread_id="7"))
    assert fake.messages_in(forum, from_bot=True)[-1]["text"] == "Nog iets"

    # A press under a message in a topic says which topic.
    fake.press_button(anne, sent, "Hoi")
    [*_, press] = await received.next(3)
    assert isinstance(press, ButtonPress) and press.thread_id == "7"

    # Only the buttons change (an empty text keeps the text); none: they are removed.
    await telegram.send(str(forum["id"]), Reply("", edit_of=str(sent["message_id"])))
    edited = next(m for m in fake.messages_in(forum) if m["message_id"] == sent["message_id"])
    assert edited["text"] == "Piet kan fietsen maken" and "reply_markup" not in edited
    assert telegram.group_link() == f"https://t.me/{BOT_USERNAME}?startgroup=hoi"


async def test_added_removed_and_migrated_groups_become_events(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    telegram, received = adapter
    initiator = fake.user("Ilse")
    group = fake.group_chat("Buurtgroep", supergroup=False)
    fake.push_my_chat_member(group, initiator, old="left", new="member")
    fake.push_my_chat_member(group, initiator, old="member", new="administrator")  # rights only
    old_group = group
    supergroup = fake.migrate_to_supergroup(group, initiator)
    fake.push_my_chat_member(supergroup, initiator, old="administrator", new="kicked")
    added, migrated, removed = await received.next(3)

    assert isinstance(added, ChatMembership) and added.change is MembershipChange.ADDED
    assert added.chat.chat_id == str(old_group["id"]) and added.chat.title == "Buurtgroep"
    assert added.sender.platform_user_id == str(initiator["id"])
    assert not added.sees_everything, "privacy mode is on: only commands and replies"
    assert isinstance(migrated, ChatMembership) and migrated.change is MembershipChange.MIGRATED
    assert migrated.chat.chat_id == str(old_group["id"])
    assert migrated.new_chat_id == str(supergroup["id"])
    assert isinstance(removed, ChatMembership) and removed.change is MembershipChange.REMOVED
    assert removed.chat.chat_id == str(supergroup["id"])
    assert len(received.events) == 3, "a change of rights alone is no event"
    with pytest.raises(PermanentDeliveryError, match="kicked"):
        await telegram.send(str(supergroup["id"]), Reply("hallo?"))
    with pytest.raises(PermanentDeliveryError, match="upgraded"):
        await telegram.send(str(old_group["id"]), Reply("hallo?"))


async def test_a_private_chat_never_opened_refuses_until_start(
    adapter: tuple[TelegramAdapter, RecordingIntake], fake: FakeTelegramServer
) -> None:
    telegram, received = adapter
    bob = fake.user("Bob")
    dm = fake.private_chat(bob)
    fake.never_started(bob)
    with pytest.raises(NotStarted):
        await telegram.send(str(dm["id"]), Reply("Je toezegging"))
    assert telegram.start_link() == f"https://t.me/{BOT_USERNAME}?start=hoi"
    fake.push_message(dm, bob, "/start hoi")
    await received.next(1)
    await telegram.send(str(dm["id"]), Reply("Je toezegging"))
    assert fake.messages_in(dm, from_bot=True)[-1]["text"] == "Je toezegging"

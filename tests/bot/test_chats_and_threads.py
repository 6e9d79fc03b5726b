"""Where answers go, and the bot's own place in group chats, on a platform-blind stand-in:
group answers reply to the asker in their thread; the bot added to a group welcomes it, removed
stops posting there and tells the initiators, a migrated chat keeps its links; a private
message the platform refuses waits until the member opens the chat, and a link in the group
shows them how."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from actions.calls import NewCall, post_call
from bot.app import App
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.context import Services
from bot.core import (
    Attachment,
    Button,
    ButtonPress,
    Capabilities,
    ChatKind,
    ChatMembership,
    ChatRef,
    IncomingMessage,
    MembershipChange,
    Reply,
    Sender,
    SentMessage,
)
from bot.errors import NotStarted
from bot.event_codec import from_json, to_json
from bot.outbox import reply_from_json, reply_to_json
from handlers import build_router
from storage import Storage
from storage.records import Role
from tests.conftest import START

pytestmark = pytest.mark.both_databases

GROUP = ChatRef("test", "groep", ChatKind.GROUP, "Buurt Oost")
START_LINK = "https://chat.example/start"
GROUP_LINK = "https://chat.example/add-to-group"


@dataclass
class Sent:
    chat_id: str
    reply: Reply


class Platform:
    """A chat platform that keeps every reply whole, and refuses private messages to people
    who never started a chat with the bot (as Telegram does)."""

    platform = "test"
    capabilities = Capabilities()

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.never_started: set[str] = set()

    async def start(self, intake: object) -> None: ...
    async def stop(self) -> None: ...

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return f"dm:{platform_user_id}"

    def start_link(self) -> str | None:
        return START_LINK

    def group_link(self) -> str | None:
        return GROUP_LINK

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        if chat_id.removeprefix("dm:") in self.never_started:
            raise NotStarted(f"chat {chat_id}: Forbidden: bot can't initiate conversation")
        self.sent.append(Sent(chat_id, reply))
        return SentMessage(chat_id, f"m{len(self.sent)}")

    def in_chat(self, chat_id: str) -> list[Reply]:
        return [s.reply for s in self.sent if s.chat_id == chat_id]


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[tuple[App, Platform]]:
    storage = await Storage.open(settings.effective_database_url)
    platform = Platform()
    app = App(Services(settings, storage, SimulatedClock(START)), build_router(), [platform])
    await app.start(background=False)
    yield app, platform
    await app.stop()
    await storage.close()


def person(name: str) -> Sender:
    return Sender(name.casefold(), name)


def said(name: str, text: str, *, n: int, chat: ChatRef = GROUP, thread: str | None = None):
    return IncomingMessage(
        chat, person(name), text, event_id=f"e{n}", message_id=f"msg{n}", thread_id=thread
    )


def dm(name: str, text: str, *, n: int) -> IncomingMessage:
    chat = ChatRef("test", f"dm:{name.casefold()}", ChatKind.DIRECT, name)
    return IncomingMessage(chat, person(name), text, event_id=f"e{n}", message_id=f"msg{n}")


def membership(change: MembershipChange, *, by: str = "Sanne", n: int, **kwargs: object):
    return ChatMembership(GROUP, person(by), change, event_id=f"e{n}", **kwargs)  # type: ignore[arg-type]


async def make_initiator(app: App, name: str) -> int:
    await app.intake.dispatch(dm(name, "/hulp", n=sum(map(ord, name))))
    found = await app.storage.members.by_account("test", name.casefold())
    assert found is not None
    await app.storage.members.update(found[0].id, role=Role.INITIATOR)
    return found[0].id


# -- where answers go ---------------------------------------------------------------------------
async def test_a_group_answer_replies_to_the_asker_in_their_thread(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    await app.intake.dispatch(said("Anne", "/hulp", n=1, thread="topic-7"))
    [answer] = platform.in_chat("groep")
    assert answer.text.startswith("Dit kan ik voor je doen")
    assert (answer.reply_to, answer.thread_id, answer.mentions) == ("msg1", "topic-7", ("anne",))

    await app.intake.dispatch(dm("Anne", "/hulp", n=2))  # a private chat needs no quoting
    [private] = platform.in_chat("dm:anne")
    assert (private.reply_to, private.thread_id, private.mentions) == (None, None, ())


async def test_a_press_in_a_group_answers_the_message_it_was_under(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    press = ButtonPress(
        GROUP, person("Bram"), "nope:1", event_id="p1", message_id="post-3", thread_id="topic-2"
    )
    await app.intake.dispatch(press)
    [answer] = platform.in_chat("groep")
    assert answer.text.startswith("Deze knop werkt niet meer")
    assert (answer.reply_to, answer.thread_id, answer.mentions) == ("post-3", "topic-2", ("bram",))


def test_every_reply_field_travels_through_the_outbox_and_the_inbox(tmp_path: Path) -> None:
    reply = Reply(
        "Oproep 3",
        (Button("Ik doe mee", "call:join:3", "👍", "17"), Button.link("Open", START_LINK)),
        Attachment(tmp_path / "x.png"),
        edit_of="41",
        reply_to="40",
        thread_id="t",
        mentions=("@anne:example.org",),
    )
    assert reply_from_json(reply_to_json(reply)) == reply
    assert reply_from_json({"text": "oud", "buttons": [["Ja", "j", None, None]]}) == Reply(
        "oud", (Button("Ja", "j"),)
    )
    message = said("Anne", "hoi", n=5, thread="t9")
    press = ButtonPress(GROUP, person("Anne"), "x", "p", "m", "t")
    moved = membership(MembershipChange.MIGRATED, n=6, new_chat_id="-100")
    for event in (message, press, moved):
        assert from_json(to_json(event)) == event


# -- the bot's place in a group ----------------------------------------------------------------
async def test_added_to_a_group_the_bot_welcomes_it_and_posts_calls_there(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    sanne = await make_initiator(app, "Sanne")
    await app.intake.dispatch(membership(MembershipChange.ADDED, n=1))
    [welcome] = platform.in_chat("groep")
    assert "Ik ben Vonk" in welcome.text and "/hulp" in welcome.text
    assert "alleen wat voor mij bedoeld is" in welcome.text  # privacy: what it reads here
    assert "/cel" in welcome.text  # Sanne added it: she may link the group to a cell
    assert welcome.reply_to is None
    [chat] = await app.storage.chats.groups((await app.network()).id)
    assert chat.platform_chat_id == "groep"

    await app.intake.dispatch(
        membership(MembershipChange.ADDED, by="Kees", n=2, sees_everything=True)
    )
    welcome = platform.in_chat("groep")[-1]
    assert "alle berichten in deze groep" in welcome.text and "/cel" not in welcome.text

    member = await app.storage.members.get(sanne)
    assert member is not None
    async with app.work() as ctx:
        await post_call(ctx, member, NewCall("Soep koken"), everyone=False)
    await app.settle()
    assert platform.in_chat("groep")[-1].text.startswith("Oproep")


async def test_removed_from_a_group_the_bot_stops_posting_there_and_tells_the_initiators(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    sanne, lotte = await make_initiator(app, "Sanne"), await make_initiator(app, "Lotte")
    await app.intake.dispatch(membership(MembershipChange.ADDED, n=1))
    network = await app.network()
    [chat] = await app.storage.chats.groups(network.id)
    cell = await app.storage.networks.ensure_cell(network.id, "Oost")
    await app.storage.chats.set_cell(chat.id, cell.id)
    platform.never_started.add("groep")  # anything still sent there would show up as refused
    waiting = await app.outbox.enqueue(
        "later", Reply("nog voor de groep"), platform="test", chat_id="groep"
    )
    assert waiting is not None

    await app.intake.dispatch(membership(MembershipChange.REMOVED, by="Sanne", n=2))
    assert await app.storage.chats.groups(network.id) == []
    assert await app.storage.outbox.unsent() == 0, "what waited for the group is dropped"
    [told] = platform.in_chat("dm:lotte")[-1:]
    assert "uit de groep 'Buurt Oost' gehaald (door Sanne)" in told.text
    assert "buurt Oost" in told.text and GROUP_LINK in told.text
    assert not [r for r in platform.in_chat("dm:sanne") if "gehaald" in r.text], "she knows"

    member = await app.storage.members.get(sanne)
    assert member is not None
    async with app.work() as ctx:
        await post_call(ctx, member, NewCall("Soep koken"), everyone=False)
    await app.settle()
    assert not [r for r in platform.in_chat("groep") if r.text.startswith("Oproep")]

    await app.intake.dispatch(membership(MembershipChange.ADDED, by="Lotte", n=3))
    [back] = await app.storage.chats.groups(network.id)
    assert back.cell_id == cell.id, "added again, the group is still Oost's"
    assert lotte


async def test_a_migrated_chat_keeps_its_cell_and_what_waits_for_it(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    await app.intake.dispatch(membership(MembershipChange.ADDED, n=1))
    network = await app.network()
    [chat] = await app.storage.chats.groups(network.id)
    cell = await app.storage.networks.ensure_cell(network.id, "West")
    await app.storage.chats.set_cell(chat.id, cell.id)
    platform.never_started.add("groep")  # the old id no longer takes messages
    # The new supergroup spoke first: its record exists already and takes the old one's place.
    new_chat = ChatRef("test", "supergroep", ChatKind.GROUP, "Buurt Oost")
    await app.intake.dispatch(said("Anne", "/hulp", n=2, chat=new_chat))
    await app.outbox.enqueue("soon", Reply("voor de groep"), platform="test", chat_id="groep")

    await app.intake.dispatch(membership(MembershipChange.MIGRATED, n=3, new_chat_id="supergroep"))
    [moved] = await app.storage.chats.groups(network.id)
    assert (moved.platform_chat_id, moved.cell_id) == ("supergroep", cell.id)
    await app.settle()
    assert [r.text for r in platform.in_chat("supergroep")][-1] == "voor de groep"


# -- a private message the platform refuses ---------------------------------------------------
async def test_a_refused_private_message_waits_and_follows_once_the_member_starts(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    platform.never_started.add("anne")
    await app.intake.dispatch(said("Anne", "/start", n=1, thread="topic-1"))
    group = platform.in_chat("groep")
    assert "Welkom Anne" in group[0].text
    [notice] = [r for r in group if START_LINK in [b.opens for b in r.buttons]]
    assert notice.text.startswith("Anne, ik kan je nog geen privébericht sturen")
    assert notice.thread_id == "topic-1", "shown where she asked"
    assert len(group) == 2, "one notice, however many messages wait"
    found = await app.storage.members.by_account("test", "anne")
    assert found is not None
    assert await app.storage.outbox.parked(found[0].id) >= 2  # welcome and first question

    platform.never_started.clear()  # she taps the link and presses Start
    await app.intake.dispatch(dm("Anne", "/start hoi", n=2))
    texts = [r.text for r in platform.in_chat("dm:anne")]
    assert texts[0].startswith("Hoi! Ik ben Vonk"), texts  # the answer to /start comes first
    assert sum("Hoe wil je genoemd worden?" in t for t in texts) >= 1
    assert await app.storage.outbox.parked(found[0].id) == 0
    assert await app.storage.outbox.unsent() == 0


async def test_initiators_see_how_to_add_the_bot_to_a_group_in_help(
    running: tuple[App, Platform],
) -> None:
    app, platform = running
    await app.intake.dispatch(dm("Piet", "/hulp", n=1))
    assert GROUP_LINK not in platform.in_chat("dm:piet")[-1].text
    await make_initiator(app, "Sanne")
    await app.intake.dispatch(dm("Sanne", "/hulp", n=2))
    assert GROUP_LINK in platform.in_chat("dm:sanne")[-1].text


# -- a call's group post, live ------------------------------------------------------------------
async def test_a_call_post_is_edited_in_place_with_the_count_and_loses_its_buttons(
    running: tuple[App, Platform],
) -> None:
    from actions.buttons import JoinCall
    from actions.calls import close_call

    app, platform = running
    sanne = await make_initiator(app, "Sanne")
    await app.intake.dispatch(membership(MembershipChange.ADDED, n=1))
    member = await app.storage.members.get(sanne)
    assert member is not None
    async with app.work() as ctx:
        posted = await post_call(ctx, member, NewCall("Soep koken", people=2), everyone=False)
    await app.settle()
    post_index = len(platform.sent)
    post = platform.in_chat("groep")[-1]
    assert "0 van 2" in post.text and len(post.buttons) == 2
    post_id = f"m{post_index}"
    join = JoinCall(posted.call.id).encode()

    await app.intake.dispatch(ButtonPress(GROUP, person("Anne"), join, "p1", post_id))
    edits = [r for r in platform.in_chat("groep") if r.edit_of == post_id]
    assert edits and "1 van 2" in edits[-1].text and len(edits[-1].buttons) == 2

    await app.intake.dispatch(ButtonPress(GROUP, person("Bob"), join, "p2", post_id))
    edits = [r for r in platform.in_chat("groep") if r.edit_of == post_id]
    full = edits[-1]
    assert "2 van 2" in full.text and "Vol!" in full.text
    assert join not in [b.payload for b in full.buttons], "a full call keeps no join button"

    async with app.work() as ctx:
        await close_call(ctx, await app.storage.members.get(sanne), posted.call.id)
    await app.settle()
    closed = [r for r in platform.in_chat("groep") if r.edit_of == post_id][-1]
    assert "Gesloten" in closed.text and closed.buttons == ()


# -- handling off the receiving loop ------------------------------------------------------------
async def test_a_slow_handler_never_holds_up_receiving_nor_other_chats(settings: Settings) -> None:
    """What an adapter hands over (a Matrix sync's events, a Telegram batch) is stored and
    handled in the background: ``accept`` returns at once, a slow handler holds up only its
    own chat, and at most ``concurrency`` events are handled at a time.

    PostgreSQL only: on SQLite one process writes at a time, so a handler slow *inside* its
    unit of work holds up every other write, storing received events included."""
    import asyncio

    from bot.intake import EventIntake

    if settings.effective_database_url.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time; a handler slow in its transaction blocks it")

    storage = await Storage.open(settings.effective_database_url)
    release = asyncio.Event()
    changed = asyncio.Condition()
    running: list[str] = []
    done = most = 0

    async def slow(event: object, ctx: object) -> None:
        nonlocal most, done
        assert isinstance(event, IncomingMessage)
        async with changed:
            running.append(event.chat.chat_id)
            most = max(most, len(running))
            changed.notify_all()
        if event.text.startswith("/traag"):
            await release.wait()
        async with changed:
            running.remove(event.chat.chat_id)
            done += 1
            changed.notify_all()

    async def until(check: object) -> None:
        async with changed:
            await changed.wait_for(check)  # type: ignore[arg-type]

    router = build_router()
    router.command("traag")(slow)
    router.command("snel")(slow)
    app = App(Services(settings, storage, SimulatedClock(START)), router, [Platform()])
    await app.start()
    intake = EventIntake(app, concurrency=2)
    try:
        chats = [ChatRef("test", f"g{n}", ChatKind.GROUP, f"G{n}") for n in range(3)]
        async with asyncio.timeout(5):
            await intake.accept(
                [
                    said("Anne", "/traag", n=1, chat=chats[0]),
                    said("Bob", "/snel", n=2, chat=chats[1]),
                ]
            )  # returns while /traag still waits
            await until(lambda: running == ["g0"] and done == 1)  # /snel went through meanwhile
            await intake.accept([said("Cor", "/traag", n=3, chat=chats[2])])
            await intake.accept([said("Dirk", "/snel", n=4, chat=chats[0])])  # after g0's
            await until(lambda: sorted(running) == ["g0", "g2"])
            assert most == 2, "never more than two at once"
            release.set()
            await until(lambda: done == 4)
        await app.stop()  # lets what is in progress commit
        assert await storage.inbox.handled() == 4
    finally:
        release.set()
        await app.stop()
        await storage.close()


async def test_a_pledge_before_the_post_is_recorded_as_sent_still_edits_it(
    running: tuple[App, Platform],
) -> None:
    """Someone may press the post's button before its sending is recorded: the edit then
    names the post by its outbox key and waits for it."""
    from actions.buttons import JoinCall

    app, platform = running
    sanne = await make_initiator(app, "Sanne")
    await app.intake.dispatch(membership(MembershipChange.ADDED, n=1))
    member = await app.storage.members.get(sanne)
    assert member is not None
    async with app.work() as ctx:
        posted = await post_call(ctx, member, NewCall("Soep koken", people=3), everyone=False)
    join = JoinCall(posted.call.id).encode()  # the post is still waiting in the outbox
    await app.intake.dispatch(ButtonPress(GROUP, person("Anne"), join, "p1", "m?"))
    await app.settle()
    group = platform.in_chat("groep")
    post_index = next(i for i, s in enumerate(platform.sent) if s.reply.text.startswith("Oproep"))
    [edit] = [r for r in group if r.edit_of]
    assert edit.edit_of == f"m{post_index + 1}" and "1 van 3" in edit.text
    assert await app.storage.outbox.unsent() == 0


def test_the_console_shows_where_a_message_goes_plainly() -> None:
    from bot.adapters.console import render

    answer = Reply("Piet kan helpen", reply_to="7", thread_id="2")
    assert render("groep", answer) == "[groep] vonk: (reply to 7) (thread 2) Piet kan helpen"
    edit = Reply("Oproep 1: 1 van 2", (Button("Vertel meer", "m"),), edit_of="3")
    assert render("groep", edit).splitlines() == [
        "[groep] vonk: (edit of 3) Oproep 1: 1 van 2",
        "  (Vertel meer)",
    ]
    assert render("groep", Reply("", edit_of="3")).splitlines() == [
        "[groep] vonk: (edit of 3) (same text)",
        "  (no buttons)",
    ]
    notice = Reply("Tik hier", (Button("Ja", "ja"), Button.link("Open", START_LINK)))
    assert render("groep", notice).splitlines()[-1] == f"  [1] Ja  <Open: {START_LINK}>"

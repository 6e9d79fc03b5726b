"""The dispatcher: one bad handler never kills the bot; events are handled once."""

from __future__ import annotations

import io
import logging

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.context import Context, Services
from bot.core import ButtonPress, ChatKind, ChatRef, Event, IncomingMessage, Sender
from bot.errors import UserFacingError
from handlers import build_router
from storage import Storage
from tests.conftest import START


@pytest.fixture
async def app(settings: Settings):
    storage = await Storage.open(settings.effective_database_url)
    router = build_router()

    async def boom(_event: Event, _ctx: Context) -> None:
        raise RuntimeError("kapot")

    async def refuse(_event: Event, _ctx: Context) -> None:
        raise UserFacingError("onboarding.name_invalid")

    router.command("boem")(boom)
    router.command("weiger")(refuse)
    out = io.StringIO()
    vonk = App(Services(settings, storage, SimulatedClock(START)), router, [ConsoleAdapter(out)])
    await vonk.start()
    vonk.out = out  # type: ignore[attr-defined]
    yield vonk
    await vonk.stop()
    await storage.close()


def dm(text: str, event_id: str | None = None) -> IncomingMessage:
    return IncomingMessage(
        ChatRef("console", "dm:ria", ChatKind.DIRECT), Sender("ria", "Ria"), text, event_id=event_id
    )


async def test_handler_exception_is_logged_answered_kindly_and_bot_goes_on(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        await app.intake.dispatch(dm("/boem"))
    record = next(r for r in caplog.records if "failed" in r.getMessage())
    assert "command boem" in record.getMessage() and "ria" in record.getMessage()
    assert record.exc_info is not None
    await app.intake.dispatch(dm("/hulp"))
    out = app.out.getvalue()  # type: ignore[attr-defined]
    assert "[dm ria] vonk: Oeps, daar ging bij mij iets mis." in out
    assert "Dit kan ik voor je doen:" in out


async def test_user_facing_error_is_translated_not_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await app.intake.dispatch(dm("/weiger"))
    assert "Kies een naam van 1 tot 60 tekens." in app.out.getvalue()  # type: ignore[attr-defined]
    assert not caplog.records


async def test_an_event_is_handled_once(app: App) -> None:
    await app.intake.dispatch(dm("/hulp", event_id="e1"))
    await app.intake.dispatch(dm("/hulp", event_id="e1"))  # redelivered after a crash
    assert app.out.getvalue().count("Dit kan ik voor je doen:") == 1  # type: ignore[attr-defined]


async def test_stale_onboarding_button_is_explained(app: App) -> None:
    await app.intake.dispatch(dm("/start"))
    await app.intake.dispatch(dm("Ria"))  # now the skills question is open
    press = ButtonPress(
        ChatRef("console", "dm:ria", ChatKind.DIRECT), Sender("ria", "Ria"), "onb:name"
    )
    await app.intake.dispatch(press)
    assert "Die knop hoort bij een eerdere vraag." in app.out.getvalue()  # type: ignore[attr-defined]


async def test_the_bot_is_ready_to_understand_before_the_first_message(settings: Settings) -> None:
    """Reading intents needs a classifier trained on the examples and the knowledge file's
    situations (seconds of CPU on the event loop): done while starting, not by the first
    member who writes after a restart, with every message queued behind theirs."""
    from bot.runtime import close_app, open_app

    app = await open_app(settings)
    try:
        search = app.services.search
        assert search is not None and search.understands
        encodes = search.stats["encodes"]
        reading = await search.read("wie kan mijn fiets maken?", direct=True)
        assert reading.intent == "help" and search.stats["encodes"] == encodes + 1
    finally:
        await close_app(app)

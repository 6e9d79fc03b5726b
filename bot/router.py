"""Decides which handler gets an event: a command, a button, an awaited answer, a phrase, or
what the words were understood to mean.

Command syntax lives here and nowhere else: ``/`` (Telegram, console) or ``!`` (Matrix), an
optional ``@botname`` suffix, Dutch and English aliases, ``-`` and ``_`` alike. Free text is
read by kennis/ (``Search.respond``: a help request, a lesson question, a pledge, thanks, a
greeting, something else, or nothing for the bot) and that reading is handed to the router;
each capability registers for the readings it answers (``router.understood("pledge")``). In
groups the router stays silent unless the bot is addressed, the phrase is unmistakable, or the
reading is a clear request someone can meet.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.buttons import ButtonData, split_prefix
from bot.core import ButtonPress, ChatMembership, Event, IncomingMessage

if TYPE_CHECKING:
    from bot.context import Context
    from storage.records import Conversation

Handler = Callable[[Event, "Context"], Awaitable[None]]
P = TypeVar("P", bound=ButtonData)
# A button's handler gets the parsed payload, never the string.
ButtonHandler = Callable[[P, "Context"], Awaitable[None]]

#: How alike (rapidfuzz ratio, 0-100) an unknown command must be to a known one to be
#: suggested instead of the plain "type /help".
NEAREST_COMMAND_SCORE = 70
_COMMAND = re.compile(r"^\s*[/!]([A-Za-z][\w-]*)(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


def normalise_command(name: str) -> str:
    return name.casefold().replace("-", "_")


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str
    bot_name: str | None


def parse_command(text: str) -> ParsedCommand | None:
    match = _COMMAND.match(text)
    if match is None:
        return None
    name, bot_name, args = match.groups()
    return ParsedCommand(normalise_command(name), (args or "").strip(), bot_name)


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    handler: Handler
    clear_in_groups: bool  # unmistakable enough to answer in a group without being addressed


@dataclass(frozen=True)
class Route:
    """What the router decided; ``args`` and ``match`` are what the handler needs from the text."""

    handler: Handler
    kind: str  # "command", "button", "flow", "phrase", "understood", "membership", "fallback"
    name: str = ""
    args: str = ""
    match: re.Match[str] | None = None
    value: ButtonData | None = None  # a button's parsed payload
    #: For "understood": what kennis made of the words (a ``kennis.search.Response``).
    understood: Any = None


def _pressed(handler: ButtonHandler[Any], value: ButtonData) -> Handler:
    """The route's handler: the button's handler with the parsed payload in place of the
    event."""

    async def run(_event: Event, ctx: Context) -> None:
        await handler(value, ctx)

    return run


#: Router.flow's ``lets_go``: (the message's text, the open question) -> let it go.
LetsGo = Callable[[str, "Conversation"], bool]


@dataclass
class Router:
    _commands: dict[str, tuple[str, Handler]] = field(default_factory=dict)
    _buttons: dict[str, tuple[type[ButtonData], ButtonHandler[Any]]] = field(default_factory=dict)
    _flows: dict[str, Handler] = field(default_factory=dict)
    _flow_lasts: dict[str, timedelta] = field(default_factory=dict)
    _flow_lets_go: dict[str, LetsGo] = field(default_factory=dict)
    _flow_dropped: set[str] = field(default_factory=set)
    _phrases: list[Phrase] = field(default_factory=list)
    _understood: dict[str, Handler] = field(default_factory=dict)
    _membership: Handler | None = None
    _fallback: Handler | None = None
    bot_names: set[str] = field(default_factory=set)  # lowercase usernames of this bot

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """Register a handler under a canonical name (the first) and its aliases."""
        canonical = normalise_command(names[0])

        def register(handler: Handler) -> Handler:
            for name in names:
                key = normalise_command(name)
                if key in self._commands and self._commands[key][1] is not handler:
                    raise ValueError(f"command /{name} registered twice")
                self._commands[key] = (canonical, handler)
            return handler

        return register

    def button(self, kind: type[P]) -> Callable[[ButtonHandler[P]], ButtonHandler[P]]:
        """Route presses of ``kind`` (a :class:`bot.buttons.ButtonData`) to the handler, which
        receives the parsed payload."""

        def register(handler: ButtonHandler[P]) -> ButtonHandler[P]:
            if kind.prefix in self._buttons:
                raise ValueError(f"button prefix {kind.prefix!r} registered twice")
            self._buttons[kind.prefix] = (kind, handler)
            return handler

        return register

    def flow(
        self,
        name: str,
        *,
        lasts: timedelta | None = None,
        lets_go: LetsGo | None = None,
        waits: bool = True,
    ) -> Callable[[Handler], Handler]:
        """Route the answers to the open question of flow ``name`` to the handler. ``lasts``:
        how long the question stays open; after that the member's next message is read on its
        own (a "when will you do it?" left unanswered for days must not take whatever they say
        next as a date). None: open until answered or replaced (a half-done sign-up).
        ``lets_go``: whether a message is plainly not an answer to the question but something
        new ("wie kan mijn fiets maken?" after "Wanneer denk je het te doen?"): it is read on
        its own, and the question stays open for the message after. It is given the text and
        the open question: its step (a call's title may itself be a question, its date not)
        and its data (a choice among the names the bot listed knows those names).
        ``waits=False``: a message let go drops the question instead (a "shall I unsubscribe
        you?" must not take a "ja" meant for an answer that came in between)."""

        def register(handler: Handler) -> Handler:
            if name in self._flows:
                raise ValueError(f"flow {name!r} registered twice")
            self._flows[name] = handler
            if lasts is not None:
                self._flow_lasts[name] = lasts
            if lets_go is not None:
                self._flow_lets_go[name] = lets_go
            if not waits:
                self._flow_dropped.add(name)
            return handler

        return register

    def still_open(
        self, conversation: Conversation | None, now: datetime, event: Event | None = None
    ) -> bool:
        """Whether the member's open question still takes their answer, this ``event`` (see
        :meth:`flow`)."""
        if conversation is None:
            return False
        lasts = self._flow_lasts.get(conversation.flow)
        asked = conversation.asked_at
        if not (lasts is None or asked is None or now - asked <= lasts):
            return False
        lets_go = self._flow_lets_go.get(conversation.flow)
        return not (
            lets_go is not None
            and isinstance(event, IncomingMessage)
            and parse_command(event.text) is None
            and lets_go(event.text, conversation)
        )

    def waits(self, conversation: Conversation) -> bool:
        """Whether the open question stays open for the message after one it let go."""
        return conversation.flow not in self._flow_dropped

    def phrase(
        self, pattern: str, *, clear_in_groups: bool = False
    ) -> Callable[[Handler], Handler]:
        compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)

        def register(handler: Handler) -> Handler:
            self._phrases.append(Phrase(compiled, handler, clear_in_groups))
            return handler

        return register

    def understood(self, action: str) -> Callable[[Handler], Handler]:
        """Register the handler for free text read as ``action`` (``answer``, ``ask_back``,
        ``lesson``, ``pledge``, ``thanks``, ``greeting``, ``other``)."""

        def register(handler: Handler) -> Handler:
            if action in self._understood:
                raise ValueError(f"understood action {action!r} registered twice")
            self._understood[action] = handler
            return handler

        return register

    def wants_reading(self, event: Event, *, open_flow: str | None = None) -> bool:
        """Whether free text would be resolved by what it means: no command, button, awaited
        answer or phrase takes it (the caller then reads it, at the cost of one encode)."""
        if not (isinstance(event, IncomingMessage) and self._understood and event.text.strip()):
            return False
        if parse_command(event.text) is not None:
            return False
        route = self.resolve(event, open_flow=open_flow)
        return route is None or route.kind == "fallback"

    def membership(self, handler: Handler) -> Handler:
        """Register the handler for the bot's own place in a group chat changing (added,
        removed, the chat migrated): a :class:`bot.core.ChatMembership`."""
        if self._membership is not None:
            raise ValueError("membership handler registered twice")
        self._membership = handler
        return handler

    def fallback(self, handler: Handler) -> Handler:
        self._fallback = handler
        return handler

    def command_names(self) -> dict[str, list[str]]:
        """Canonical name -> all names, for help texts and platform command menus."""
        names: dict[str, list[str]] = {}
        for alias, (canonical, _) in self._commands.items():
            names.setdefault(canonical, []).append(alias)
        return names

    def resolve(
        self, event: Event, *, open_flow: str | None = None, understood: Any = None
    ) -> Route | None:
        """``understood``: what the text means (``kennis.search.Response``), when the caller
        read it; consulted only after commands, awaited answers and phrases."""
        if isinstance(event, ButtonPress):
            return self._resolve_press(event.payload)
        if isinstance(event, ChatMembership):
            if self._membership is None:
                return None
            return Route(self._membership, "membership", event.change.value)
        return self._resolve_message(event, open_flow, understood)

    def _resolve_press(self, payload: str) -> Route | None:
        """The route of a payload that parses into its registered type; None for an unknown
        prefix or a payload that does not parse (old, forged, out of range)."""
        found = split_prefix(payload, self._buttons)
        if found is None:
            return None
        prefix, rest = found
        kind, handler = self._buttons[prefix]
        value = kind.decode(rest)
        if value is None:
            return None
        return Route(_pressed(handler, value), "button", prefix, value=value)

    def _resolve_message(
        self, msg: IncomingMessage, open_flow: str | None, understood: Any = None
    ) -> Route | None:
        command = parse_command(msg.text)
        if command is not None:
            if (
                command.bot_name
                and self.bot_names
                and command.bot_name.lower() not in self.bot_names
            ):
                return None  # meant for another bot in the same group
            found = self._commands.get(command.name)
            if found is not None:
                return Route(found[1], "command", found[0], command.args)
            if msg.addressed or command.bot_name:
                # "/oproepn": the nearest command, to suggest
                return self._fallback_route(msg, self.nearest_command(command.name) or "")
            return None
        if open_flow is not None and open_flow in self._flows and msg.chat.is_direct:
            return Route(self._flows[open_flow], "flow", open_flow, msg.text.strip())
        for phrase in self._phrases:
            if not (msg.addressed or phrase.clear_in_groups):
                continue
            match = phrase.pattern.search(msg.text)
            if match:
                return Route(phrase.handler, "phrase", phrase.pattern.pattern, msg.text, match)
        if understood is not None:
            handler = self._understood.get(understood.action)
            if handler is not None:
                return Route(
                    handler, "understood", understood.action, msg.text, understood=understood
                )
        return self._fallback_route(msg) if msg.addressed else None

    def nearest_command(self, typed: str) -> str | None:
        """The command name (or alias) closest to a mistyped or guessed one ("/mycalls" ->
        "mine", "/oproepn" -> "oproepen"), when one is close enough to suggest."""
        from rapidfuzz import fuzz, process, utils

        best = process.extractOne(
            typed.casefold(),
            [name for name in self._commands if len(name) >= 3],  # not "h" for "/hepl"
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=NEAREST_COMMAND_SCORE,
        )
        return best[0] if best else None

    def _fallback_route(self, msg: IncomingMessage, suggestion: str = "") -> Route | None:
        """``suggestion`` (the route's name): a known command close to an unknown one typed."""
        return Route(self._fallback, "fallback", suggestion, msg.text) if self._fallback else None

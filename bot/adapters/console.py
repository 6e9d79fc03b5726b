"""The console adapter: the whole bot in a terminal, no server, no account.

Script syntax (one line each; the same when typed interactively):
  ``anna: tekst``     anna speaks in the network's group chat
  ``anna@dm: tekst``  anna speaks in her direct chat with the bot
  ``anna: [2]``       anna presses button 2 of the latest bot message with buttons in that chat
  ``~ 3d``            advance the simulated clock (d, h, m) and let due scheduled work run
  ``# …``             a comment
Bot output: ``[groep] vonk: …`` or ``[dm anna] vonk: …``, further lines indented, buttons as
``[1] label  [2] label``. Scripted output is deterministic: no colours, no timestamps.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from bot.clean import clean_event, clean_name
from bot.clock import Clock, SystemClock
from bot.core import (
    Button,
    ButtonPress,
    Capabilities,
    ChatKind,
    ChatRef,
    IncomingMessage,
    Intake,
    Reply,
    Sender,
    SentMessage,
)
from storage import Storage

PLATFORM = "console"
GROUP_CHAT_ID = "groep"
BOT_NAME = "vonk"
INDENT = "  "

_SPEECH = re.compile(r"^(?P<name>[^\s:@#~][^:@]*?)(?P<dm>@dm)?:\s?(?P<text>.*)$")
_PRESS = re.compile(r"^\[(\d+)\]$")
_ADVANCE = re.compile(r"^~\s*(\d+)\s*([dhm])$")
_MENTION = re.compile(rf"(^|\s)@{BOT_NAME}\b[,:]?\s*", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def direct_chat_id(name: str) -> str:
    return f"dm:{name}"


def parse_duration(text: str) -> timedelta | None:
    match = _ADVANCE.match(text.strip())
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def render(chat_id: str, reply: Reply) -> str:
    """One bot message as transcript text. Where it goes within the chat is said plainly
    before the text: "(edit of 3)" changes the bot's message 3 (the console numbers the bot's
    messages as it sends them), "(reply to 7)", "(thread 2)". Link buttons show their address
    and take no number (they open a page, not answer the bot); nor do the buttons of an edit
    (numbers always press the chat's newest buttons)."""
    label = f"dm {chat_id.removeprefix('dm:')}" if chat_id.startswith("dm:") else chat_id
    placing = ""
    if reply.edit_of:
        placing += f"(edit of {reply.edit_of}) "
    if reply.reply_to:
        placing += f"(reply to {reply.reply_to}) "
    if reply.thread_id:
        placing += f"(thread {reply.thread_id}) "
    text = reply.text if not reply.keeps_text else "(same text)"
    first, *rest = text.split("\n") or [""]
    lines = [f"[{label}] {BOT_NAME}: {placing}{first}"]
    lines += [f"{INDENT}{line}" if line else "" for line in rest]
    if reply.attachment is not None:
        lines.append(f"{INDENT}[{reply.attachment.kind.value}] {reply.attachment.path}")
    pressable = [b for b in reply.buttons if not b.opens]
    if reply.edit_of:
        shown = [f"({b.label})" for b in pressable]
    else:
        shown = [f"[{i}] {b.label}" for i, b in enumerate(pressable, 1)]
    shown += [f"<{b.label}: {b.opens}>" for b in reply.buttons if b.opens]
    if shown:
        lines.append(INDENT + "  ".join(shown))
    elif reply.edit_of:
        lines.append(f"{INDENT}(no buttons)")
    return "\n".join(lines)


@dataclass
class _Line:
    """A parsed script line; ``error`` explains a line that could not be understood."""

    kind: str  # "speech", "press", "advance", "comment", "error"
    name: str = ""
    direct: bool = False
    text: str = ""
    number: int = 0
    delta: timedelta | None = None
    error: str = ""


def parse_line(raw: str) -> _Line:
    line = raw.strip()
    if not line or line.startswith("#"):
        return _Line("comment")
    if line.startswith("~"):
        delta = parse_duration(line)
        if delta is None:
            return _Line("error", error="clock lines look like '~ 3d', '~ 4h' or '~ 30m'")
        return _Line("advance", delta=delta)
    match = _SPEECH.match(line)
    if match is None:
        return _Line("error", error="expected 'name: text', 'name@dm: text' or 'name: [2]'")
    name, direct, text = match.group("name").strip(), bool(match.group("dm")), match.group("text")
    press = _PRESS.match(text.strip())
    if press:
        return _Line("press", name=name, direct=direct, number=int(press.group(1)))
    return _Line("speech", name=name, direct=direct, text=text)


class ConsoleAdapter:
    platform = PLATFORM
    capabilities = Capabilities(user_ids_are_handles=True)

    def __init__(
        self,
        out: TextIO | None = None,
        *,
        advance: Callable[[timedelta], Awaitable[None]] | None = None,
        echo: bool = True,
        storage: Storage | None = None,
        clock: Clock | None = None,
    ) -> None:
        """``advance`` moves the simulated clock and runs due work; ``echo`` repeats input lines
        so a scripted run's output reads as a whole conversation; ``storage`` keeps the latest
        buttons per chat across restarts, as a real platform keeps its messages (without it
        they live in memory)."""
        self._out = out or sys.stdout
        self._advance = advance
        self._echo = echo
        self._storage = storage
        self._clock = clock or SystemClock()
        self._intake: Intake | None = None
        self._buttons: dict[str, list[str]] = {}  # without storage only
        self._sent = 0

    async def start(self, intake: Intake) -> None:
        self._intake = intake
        await self._upgrade_saved_buttons()

    async def stop(self) -> None:
        self._intake = None

    async def send(self, chat_id: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        pressable = [b for b in reply.buttons if not b.opens]
        if pressable and not reply.edit_of:
            await self._remember(chat_id, pressable)
        self._print(render(chat_id, reply))
        if reply.edit_of:
            return SentMessage(chat_id, reply.edit_of)
        self._sent += 1
        return SentMessage(chat_id, str(self._sent))

    # -- the buttons of each chat --------------------------------------------------------------
    # Saved per chat (state key "buttons:<chat>") as the short ids of their payloads, as
    # Telegram keeps them: a saved state names nobody, forgetting a member removes their
    # direct chat's row, and a button whose payload was removed answers "no longer works".
    async def _remember(self, chat_id: str, buttons: Sequence[Button]) -> None:
        if self._storage is None:
            self._buttons[chat_id] = [b.payload for b in buttons]
            return
        now = self._clock.now()
        refs = [b.ref or await self._storage.buttons.short_id(b.payload, now=now) for b in buttons]
        await self._storage.adapter_state.set(PLATFORM, f"buttons:{chat_id}", json.dumps(refs))

    async def _button(self, chat_id: str, number: int) -> str | None:
        """The payload of button ``number`` in the chat ('' when it no longer exists); None
        when the chat has no such button."""
        if self._storage is None:
            payloads = self._buttons.get(chat_id, [])
            return payloads[number - 1] if 1 <= number <= len(payloads) else None
        saved = await self._storage.adapter_state.get(PLATFORM, f"buttons:{chat_id}")
        refs = json.loads(saved) if saved else []
        if not 1 <= number <= len(refs):
            return None
        return await self._storage.buttons.payload(refs[number - 1]) or ""

    async def _upgrade_saved_buttons(self) -> None:
        """Earlier versions saved every chat's payloads in one row; keep those buttons working
        in the per-chat form."""
        if self._storage is None:
            return
        state = self._storage.adapter_state
        saved = await state.get(PLATFORM, "buttons")
        if saved is None:
            return
        now = self._clock.now()
        for chat_id, payloads in json.loads(saved).items():
            refs = [await self._storage.buttons.short_id(p, now=now) for p in payloads]
            await state.set(PLATFORM, f"buttons:{chat_id}", json.dumps(refs))
        await state.delete(PLATFORM, "buttons")

    async def direct_chat_id(self, platform_user_id: str) -> str:
        return direct_chat_id(platform_user_id)

    def start_link(self) -> str | None:
        return None  # everyone in the console is reachable already

    def group_link(self) -> str | None:
        return None  # a console group exists as soon as someone speaks in it

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    # -- input ----------------------------------------------------------------------------------
    async def feed(self, raw: str, *, line_number: int | None = None) -> None:
        """Handle one script line completely (its replies are printed before this returns)."""
        if self._intake is None:
            raise RuntimeError("ConsoleAdapter.feed() before start()")
        parsed = parse_line(raw)
        if parsed.kind == "comment":
            return
        if self._echo:
            self._print(raw.rstrip())
        where = f"line {line_number}: " if line_number else ""
        if parsed.kind == "error":
            self._print(f"! {where}{parsed.error}")
            return
        if parsed.kind == "advance":
            assert parsed.delta is not None
            if self._advance is None:
                self._print(f"! {where}this console has no simulated clock")
            else:
                await self._advance(parsed.delta)
            return
        name = clean_name(parsed.name)
        if not name:
            self._print(f"! {where}a speaker needs a visible name")
            return
        user_id = name.casefold()
        sender = Sender(platform_user_id=user_id, display_name=name)
        chat = (
            ChatRef(PLATFORM, direct_chat_id(user_id), ChatKind.DIRECT, name)
            if parsed.direct
            else ChatRef(PLATFORM, GROUP_CHAT_ID, ChatKind.GROUP, "groep")
        )
        if parsed.kind == "press":
            payload = await self._button(chat.chat_id, parsed.number)
            if payload is None:
                self._print(f"! {where}there is no button [{parsed.number}] in this chat")
                return
            press = ButtonPress(chat, sender, payload)
            await self._intake.dispatch(clean_event(press))
            return
        mentioned = bool(_MENTION.search(parsed.text))
        text = _MENTION.sub(" ", parsed.text).strip() if mentioned else parsed.text.strip()
        message = IncomingMessage(chat, sender, text, mentions_bot=mentioned)
        await self._intake.dispatch(clean_event(message))

    async def run_script(self, lines: Iterable[str]) -> None:
        for number, raw in enumerate(lines, 1):
            await self.feed(raw, line_number=number)

    async def run_interactive(self, prompt: str = "> ") -> None:
        """Read typed lines until end of input; a line without a name speaks as the last one."""
        last_name = "ik"
        while True:
            try:
                raw = await asyncio.to_thread(input, prompt)
            except EOFError:
                return
            line = raw.strip()
            if line in ("exit", "quit", "/exit"):
                return
            parsed = parse_line(line)
            if parsed.kind in ("speech", "press"):
                last_name = parsed.name
            elif parsed.kind == "error" and line and not line.startswith(("~", "#")):
                line = f"{last_name}: {line}"
            await self.feed(line)

"""A faithful local fake of the Telegram Bot API, served on 127.0.0.1.

Why it exists: Telegram's servers cannot be reached from the test machines, yet Vonk's Telegram
adapter must be tested through the *real* python-telegram-bot (PTB) library, unpatched. PTB lets a
bot point at any Bot API server via ``base_url``; this module is such a server. It speaks the same
wire protocol as ``api.telegram.org``:

* URL shape ``{base_url}{token}/{method}`` (``base_url`` = ``http://127.0.0.1:PORT/bot``), method
  names case-insensitive, parameters from the query string, a form-encoded body, a multipart body
  (file uploads) or a JSON body.
* PTB form-encodes every parameter: plain strings are sent as-is, everything else (ints, bools,
  lists, dicts such as ``reply_markup``) as a JSON string. The fake decodes per field the way the
  real server does (string-typed fields stay strings, so a message text "123" stays "123").
* Success is HTTP 200 ``{"ok": true, "result": ...}``; failures use the error code as the HTTP
  status and ``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``.
  PTB maps the *HTTP status* to an exception class and ``parameters.retry_after`` to
  ``RetryAfter``, so both must be right.

It keeps a small model of the world (chats, users, messages, callback queries, files, commands,
webhook) so that the bot sees realistic answers, including the errors that bite real bots:
"message is not modified", "can't parse entities", "chat not found", "bot was blocked by the user",
409 Conflict for getUpdates while a webhook is set or when a second poller shows up, and group
privacy mode (a bot in a group only sees commands and replies to it).

Deliberate deviations, because a local fake cannot do better: webhook URLs may be plain ``http``
on any port (Telegram demands HTTPS on 443/80/88/8443), photos/documents sent by HTTP URL are
accepted without being downloaded, and ``close`` does not enforce the 10-minute rule.

Test-side use (async)::

    async with FakeTelegramServer() as fake:
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)

or from a synchronous test that starts ``vonk run`` as a separate process::

    with FakeTelegramServer().run_in_thread() as fake:
        ...  # fake.push_message(...), fake.wait_for_call_sync("sendMessage")
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import mimetypes
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Self

import aiohttp
from aiohttp import web

JSON = dict[str, Any]

__all__ = [
    "DEFAULT_TOKEN",
    "TINY_PNG",
    "ApiError",
    "BotCall",
    "FakeTelegramServer",
    "UploadedFile",
    "tiny_png",
]

#: A syntactically valid bot token (``<bot id>:<secret>``); the bot id becomes ``getMe().id``.
DEFAULT_TOKEN = "7123456789:AAFakeTokenForVonkTests_abcdefghijklmno"

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_UPLOAD = 60 * 1024 * 1024  # the real Bot API accepts 50 MB uploads
_MAX_TEXT = 4096
_MAX_CAPTION = 1024

# Fields whose Bot API type is String: PTB sends them verbatim (not JSON-encoded), so they must
# never be json-decoded ("123" as a text stays a string; "true" as a caption stays a string).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
        "title",
        "inline_message_id",
        "business_connection_id",
        "ip_address",
        "message_effect_id",
        "file_id",
        "emoji",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
    }
)
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id", "user_id"})

# Updates that the real server only sends when explicitly listed in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid RGB PNG, because the fake (like Telegram) rejects photos that are not images."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TINY_PNG = tiny_png()


class ApiError(Exception):
    """A Bot API error answer: HTTP status ``code`` plus the JSON error body Telegram sends."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part as the bot uploaded it (so tests can assert name, size, bytes)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        """Size in bytes, as Telegram would report in ``file_size``."""
        return len(self.data)


@dataclass
class BotCall:
    """One request the bot made, recorded in arrival order (``FakeTelegramServer.sent``).

    ``params`` holds the decoded values (ints, dicts, lists where the Bot API type says so;
    strings for string fields), ``raw`` the undecoded form/query values, ``files`` the uploads.
    ``status``/``result``/``error`` are filled in once the fake has answered.
    """

    method: str
    params: JSON
    files: dict[str, UploadedFile] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    status: int = 0
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)  # when the request arrived

    @property
    def ok(self) -> bool:
        """True when the fake answered with ``"ok": true``."""
        return self.status == 200


@dataclass
class _Failure:
    method: str  # lower-case method name or "*"
    code: int | None
    description: str | None
    parameters: JSON | None
    body: bytes | None
    delay: float
    times: int


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str


class _Described:
    """A successful result that also carries Telegram's ``description`` (e.g. setWebhook)."""

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


# --------------------------------------------------------------------------------------------
# Text helpers: Telegram measures entity offsets in UTF-16 code units, not Python characters.
# --------------------------------------------------------------------------------------------


def _u16(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (emoji count as 2, like in Telegram)."""
    return len(text.encode("utf-16-le")) // 2


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JSON:
    return {"type": kind, "offset": offset, "length": length, **extra}


_AUTO_ENTITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")),
    ("url", re.compile(r"https?://[^\s<>\"]+[^\s<>\".,!?;:)\]]")),
    ("mention", re.compile(r"(?:^|(?<=[\s(]))@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("hashtag", re.compile(r"(?:^|(?<=\s))#(?=\w*[^\W\d_])\w+")),
)


def detect_entities(text: str) -> list[JSON]:
    """Entities Telegram's clients attach to a typed message: commands, URLs, mentions, tags.

    PTB's ``CommandHandler`` only fires when the message carries a ``bot_command`` entity at
    offset 0, so pushed user messages must carry them just like real ones do.
    """
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _AUTO_ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e, _ in spans):
                continue
            spans.append((start, end, kind))
    spans.sort()
    return [_entity(kind, _u16(text[:s]), _u16(text[s:e])) for s, e, kind in spans]


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_error(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {message}")


_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_HTML_TAGS = frozenset({*_HTML_SIMPLE, "a", "span", "blockquote", "tg-emoji"})


class _HtmlEntityParser(HTMLParser):
    """Telegram's HTML parse_mode: the documented tag subset, anything else is an error."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.pos = 0
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[JSON] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        lines = self.source.split("\n")
        index = sum(len(chunk) + 1 for chunk in lines[: line - 1]) + col
        return _byte_offset(self.source, index)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos += _u16(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        spoiler_span = tag == "span" and attributes.get("class") == "tg-spoiler"
        if tag not in _HTML_TAGS or (tag == "span" and not spoiler_span):
            raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        if tag == "a" and not attributes.get("href"):
            raise _parse_error(f"Can't find end of the entity at byte offset {self._offset()}")
        self.stack.append((tag, self.pos, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {self._offset()}")
        open_tag, start, attrs = self.stack.pop()
        if open_tag != tag:
            raise _parse_error(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
        length = self.pos - start
        if length == 0:
            return
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = attrs.get("class") or ""
            if language.startswith("language-"):
                pre_attrs = self.stack[-1][2]
                pre_attrs["language"] = language.removeprefix("language-")
                return
        if tag in _HTML_SIMPLE:
            extra: JSON = {}
            if tag == "pre" and attrs.get("language"):
                extra["language"] = attrs["language"]
            self.entities.append(_entity(_HTML_SIMPLE[tag], start, length, **extra))
        elif tag == "span":
            self.entities.append(_entity("spoiler", start, length))
        elif tag == "a":
            self.entities.append(_entity("text_link", start, length, url=attrs["href"]))
        elif tag == "blockquote":
            kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
            self.entities.append(_entity(kind, start, length))
        elif tag == "tg-emoji":
            emoji_id = attrs.get("emoji-id") or ""
            self.entities.append(_entity("custom_emoji", start, length, custom_emoji_id=emoji_id))

    def result(self) -> tuple[str, list[JSON]]:
        self.close()
        if self.stack:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"'
            )
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Plain text and entities for ``parse_mode="HTML"``, or the 400 Telegram would send."""
    parser = _HtmlEntityParser(text)
    parser.feed(text)
    return parser.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "blockquote": "BlockQuote",
}


class _MarkupBuilder:
    """Accumulates plain text and open/closed entities while a markup parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.stack: list[tuple[str, int, int, JSON]] = []  # kind, u16 start, byte offset, extra
        self.entities: list[JSON] = []

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.pos += _u16(text)

    def top(self) -> str | None:
        return self.stack[-1][0] if self.stack else None

    def open(self, kind: str, byte_offset: int, **extra: Any) -> None:
        self.stack.append((kind, self.pos, byte_offset, extra))

    def close(self, **extra: Any) -> None:
        kind, start, _, opened_extra = self.stack.pop()
        if self.pos > start:
            self.entities.append(_entity(kind, start, self.pos - start, **opened_extra, **extra))

    def result(self, unclosed: Callable[[str, int], str]) -> tuple[str, list[JSON]]:
        if self.stack:
            kind, _, byte_offset, _ = self.stack[-1]
            raise _parse_error(unclosed(kind, byte_offset))
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """``parse_mode="MarkdownV2"``: including Telegram's strict "must be escaped" rule.

    Unescaped reserved characters (a Dutch sentence ending in "." is enough) make the real API
    answer 400, which is one of the most common production bugs of Telegram bots.
    """
    out = _MarkupBuilder()
    toggles = {"*": "bold", "_": "italic", "~": "strikethrough"}
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        top = out.top()
        if char == "\\":
            if i + 1 < n and 1 <= ord(text[i + 1]) <= 126:
                out.emit(text[i + 1])
                i += 2
            else:
                out.emit(char)
                i += 1
            continue
        if top in ("code", "pre"):
            if top == "pre" and text.startswith("```", i):
                out.close()
                i += 3
            elif top == "code" and char == "`":
                out.close()
                i += 1
            else:
                out.emit(char)
                i += 1
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char == "\n" and top == "blockquote" and not text.startswith(">", i + 1):
            out.close()
            out.emit(char)
            i += 1
            continue
        if text.startswith("```", i):
            out.open("pre", _byte_offset(text, i))
            i += 3
            newline = text.find("\n", i)
            first_line = text[i:newline] if newline != -1 else ""
            if newline != -1 and first_line and not re.search(r"[\s`\\]", first_line):
                language = first_line
                kind, start, offset, _ = out.stack.pop()
                out.stack.append((kind, start, offset, {"language": language}))
                i = newline + 1
            continue
        if char == "`":
            out.open("code", _byte_offset(text, i))
            i += 1
            continue
        if char == ">" and at_line_start:
            if top != "blockquote":
                out.open("blockquote", _byte_offset(text, i))
            i += 1
            continue
        marker: str | None = None
        if text.startswith("||", i):
            marker, kind = "||", "spoiler"
        elif text.startswith("__", i):
            marker, kind = "__", "underline"
        elif char in toggles:
            marker, kind = char, toggles[char]
        if marker is not None:
            if top == kind:
                out.close()
            elif any(entry[0] == kind for entry in out.stack):
                opened = out.stack[-1]
                raise _parse_error(
                    f"Can't find end of {_ENTITY_NAMES.get(opened[0], opened[0])} entity at "
                    f"byte offset {opened[2]}"
                )
            else:
                out.open(kind, _byte_offset(text, i))
            i += len(marker)
            continue
        if char == "[":
            out.open("text_link", _byte_offset(text, i))
            i += 1
            continue
        if char == "]" and top == "text_link":
            if not text.startswith("(", i + 1):
                raise _parse_error(
                    f"Can't find end of TextUrl entity at byte offset {out.stack[-1][2]}"
                )
            j, url_chars = i + 2, []
            while j < n and text[j] != ")":
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                url_chars.append(text[j])
                j += 1
            if j >= n:
                raise _parse_error(
                    f"Can't find end of a url at byte offset {_byte_offset(text, i + 2)}"
                )
            out.close(url="".join(url_chars))
            i = j + 1
            continue
        if char in _MDV2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.emit(char)
        i += 1
    if out.top() == "blockquote":
        out.close()
    return out.result(
        lambda kind, offset: (
            f"Can't find end of {_ENTITY_NAMES.get(kind, kind)} entity at byte offset {offset}"
        )
    )


def parse_markdown(text: str) -> tuple[str, list[JSON]]:
    """Legacy ``parse_mode="Markdown"``: no nesting, and an unclosed ``_`` or ``*`` is an error.

    The classic trap: a username like ``jan_de_vries`` in legacy Markdown breaks sendMessage.
    """
    out = _MarkupBuilder()
    toggles = {"*": "bold", "_": "italic"}
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        top = out.top()
        if top is None and char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.emit(text[i + 1])
            i += 2
            continue
        if top == "pre":
            if text.startswith("```", i):
                out.close()
                i += 3
            else:
                out.emit(char)
                i += 1
            continue
        if top == "code":
            if char == "`":
                out.close()
            else:
                out.emit(char)
            i += 1
            continue
        if top in ("bold", "italic"):
            if char == {"bold": "*", "italic": "_"}[top]:
                out.close()
            else:
                out.emit(char)
            i += 1
            continue
        if text.startswith("```", i):
            out.open("pre", _byte_offset(text, i))
            i += 3
        elif char == "`":
            out.open("code", _byte_offset(text, i))
            i += 1
        elif char in toggles:
            out.open(toggles[char], _byte_offset(text, i))
            i += 1
        elif char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if match is None:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.open("text_link", _byte_offset(text, i))
            out.emit(match.group(1))
            out.close(url=match.group(2))
            i = match.end()
        else:
            out.emit(char)
            i += 1
    return out.result(
        lambda _kind, offset: f"Can't find end of the entity starting at byte offset {offset}"
    )


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG/JPEG/GIF/WebP, or None when the bytes are not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            (segment,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + int(segment)
        return 1, 1
    return None


def _chat_id_of(chat: JSON | int | str) -> int | str:
    if isinstance(chat, Mapping):
        return int(chat["id"])
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return int(chat)
    return chat


def _decode_param(name: str, raw: str) -> Any:
    """Undo PTB's form encoding: strings verbatim, everything else JSON (see module doc)."""
    if name in _STRING_PARAMS:
        return raw
    if name in _CHAT_ID_PARAMS:
        return int(raw) if raw.lstrip("-").isdigit() else raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


class FakeTelegramServer:
    """An in-process Telegram Bot API server on 127.0.0.1 for python-telegram-bot to talk to.

    All state is guarded by one lock so a test thread may push updates while the server runs in
    its own thread (``run_in_thread``) and serves a separate ``vonk run`` process.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "vonk_test_bot",
        first_name: str = "Vonk",
        privacy_mode: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if host not in _LOOPBACK_HOSTS:
            raise ValueError("the fake Telegram server only binds to the loopback interface")
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError("a bot token looks like '<digits>:<secret>'")
        self.token = token
        self.host = host
        self.privacy_mode = privacy_mode
        self.bot_user: JSON = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        #: Every bot request, in arrival order (including getUpdates polls and failed calls).
        self.sent: list[BotCall] = []

        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._waiters: list[asyncio.Future[str]] = []

        self._update_ids = itertools.count(731_000_001)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_001)
        self._query_ids = itertools.count(5_512_345_678_000_001)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}

        self._updates: list[JSON] = []
        self._allowed_updates: list[str] | None = None
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, list[JSON]] = {}
        self._forbidden: dict[int, str] = {}
        self._callback_queries: dict[str, JSON] = {}
        self._answered_queries: dict[str, JSON] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}  # (kind, language) -> text
        self._not_started: set[int] = set()  # users who never opened their chat with the bot
        self._webhook: JSON | None = None
        self._files: dict[str, _StoredFile] = {}
        self._failures: list[_Failure] = []

        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setMyDescription", self._set_my_description),
            ("getMyDescription", self._get_my_description),
            ("setMyShortDescription", self._set_my_short_description),
            ("getMyShortDescription", self._get_my_short_description),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
            ("getFile", self._get_file),
            ("close", self._close),
            ("logOut", self._close),
        ):
            self._handlers[name.lower()] = (name, handler)

    # ----------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port actually bound (a free one was picked when ``port=0``)."""
        if self._port is None:
            raise RuntimeError("FakeTelegramServer is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass as ``Bot(base_url=...)``; PTB appends the token itself."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as ``Bot(base_file_url=...)`` so ``File.download_*`` fetch from the fake."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_username(self) -> str:
        """The bot's @username without the @ (what ``/cmd@name`` must address)."""
        return str(self.bot_user["username"])

    async def start(self) -> Self:
        """Bind to 127.0.0.1 and start serving on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._closing = False
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not keep shutdown
        # waiting; shutdown_timeout bounds the wait for in-flight handlers.
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def aclose(self) -> None:
        """Stop serving; open long polls are answered at once with an empty result."""
        self._closing = True
        self._wake_waiters("closing")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def run_in_thread(self, *, timeout: float = 10.0) -> Self:
        """Serve from a daemon thread with its own event loop (for sync tests/subprocesses)."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # surfaced to the caller below
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        thread = threading.Thread(target=serve, name="fake-telegram-api", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("fake Telegram server did not start")
        if errors:
            raise errors[0]
        self._thread = thread
        return self

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop a server started with ``run_in_thread`` and join its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Self:
        return self.run_in_thread()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------------------------------
    # Test-side API: people, chats and what they do
    # ----------------------------------------------------------------------------------------

    def user(
        self,
        first_name: str = "Anne",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        user_id: int | None = None,
        is_bot: bool = False,
    ) -> JSON:
        """A Telegram ``User`` (registered so getChat/sendMessage to their private chat work)."""
        user: JSON = {
            "id": user_id if user_id is not None else next(self._user_ids),
            "is_bot": is_bot,
            "first_name": first_name,
        }
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        with self._lock:
            self._users[user["id"]] = user
        return copy.deepcopy(user)

    def private_chat(self, user: JSON) -> JSON:
        """The private ``Chat`` between ``user`` and the bot (its id equals the user's id)."""
        chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return self.register_chat(chat)

    def group_chat(
        self,
        title: str = "Buurtgroep",
        *,
        supergroup: bool = True,
        chat_id: int | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSON:
        """A group ``Chat`` the bot is a member of; supergroup ids look like ``-100…``."""
        if chat_id is None:
            number = next(self._group_ids)
            chat_id = -(1_000_000_000_000 + number) if supergroup else -number
        chat: JSON = {"id": chat_id, "type": "supergroup" if supergroup else "group"}
        chat["title"] = title
        if username:
            chat["username"] = username
        if is_forum:
            chat["is_forum"] = True
        return self.register_chat(chat)

    def register_chat(self, chat: JSON) -> JSON:
        """Make a hand-built ``Chat`` known, so the bot may send to it without 'chat not found'."""
        with self._lock:
            self._chats[int(chat["id"])] = copy.deepcopy(chat)
            self._messages.setdefault(int(chat["id"]), [])
        return copy.deepcopy(chat)

    def block_bot(self, chat: JSON | int) -> None:
        """The user blocked the bot / the bot was removed: sends answer 403 like Telegram."""
        with self._lock:
            chat_id = int(_chat_id_of(chat))
            kind = self._chats.get(chat_id, {}).get("type", "private")
            self._forbidden[chat_id] = {
                "private": "Forbidden: bot was blocked by the user",
                "group": "Forbidden: bot was kicked from the group chat",
                "supergroup": "Forbidden: bot was kicked from the supergroup chat",
            }.get(kind, "Forbidden: bot is not a member of the channel chat")

    def unblock_bot(self, chat: JSON | int) -> None:
        """Undo ``block_bot``."""
        with self._lock:
            self._forbidden.pop(int(_chat_id_of(chat)), None)

    def never_started(self, user: JSON) -> None:
        """``user`` never opened their private chat with the bot: Telegram refuses the bot's
        messages there (403 "bot can't initiate conversation with a user") until the user
        writes to the bot (``/start``)."""
        with self._lock:
            self._not_started.add(int(user["id"]))

    def push_my_chat_member(
        self, chat: JSON, from_user: JSON, *, old: str, new: str, is_admin_rights: bool = False
    ) -> JSON:
        """The bot's own membership in ``chat`` changed from status ``old`` to ``new``
        ("left", "member", "administrator", "kicked"), by ``from_user``: a ``my_chat_member``
        update. A kicked or left bot can no longer post there (403)."""
        with self._lock:
            chat = self.register_chat(chat) if int(chat["id"]) not in self._chats else chat

            def member(status: str) -> JSON:
                found: JSON = {"status": status, "user": copy.deepcopy(self.bot_user)}
                if status == "administrator":
                    found |= {"can_be_edited": False, "is_anonymous": False}
                    found |= {"can_manage_chat": True, "can_delete_messages": is_admin_rights}
                    found |= {"can_manage_video_chats": False, "can_restrict_members": False}
                    found |= {"can_promote_members": False, "can_change_info": False}
                    found |= {"can_invite_users": True, "can_post_stories": False}
                    found |= {"can_edit_stories": False, "can_delete_stories": False}
                if status == "kicked":
                    found["until_date"] = 0
                return found

            if new in ("left", "kicked"):
                self.block_bot(chat)
            else:
                self.unblock_bot(chat)
            body = {
                "chat": copy.deepcopy(self._chats[int(chat["id"])]),
                "from": copy.deepcopy(from_user),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        return self.push_update({"my_chat_member": body})

    def migrate_to_supergroup(self, group: JSON, from_user: JSON) -> JSON:
        """A basic group becomes a supergroup with a new id: the service message
        ``migrate_to_chat_id`` in the old group (which no longer takes messages) and
        ``migrate_from_chat_id`` in the new one. Returns the new chat."""
        with self._lock:
            old_id = int(group["id"])
            new_chat = self.group_chat(group.get("title", ""), supergroup=True)
            for chat_id, field_name, other in (
                (old_id, "migrate_to_chat_id", new_chat["id"]),
                (new_chat["id"], "migrate_from_chat_id", old_id),
            ):
                message: JSON = {
                    "message_id": self._next_message_id(chat_id),
                    "from": copy.deepcopy(from_user),
                    "chat": copy.deepcopy(self._chats[chat_id]),
                    "date": int(time.time()),
                    field_name: other,
                }
                self._messages[chat_id].append(message)
                self.push_update({"message": copy.deepcopy(message)})
            self._forbidden[old_id] = "Bad Request: group chat was upgraded to a supergroup chat"
        return copy.deepcopy(new_chat)

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """The bot's (short) description as set for ``language_code`` ("" = default)."""
        with self._lock:
            return self._descriptions.get(("short" if short else "long", language_code), "")

    def push_message(
        self,
        chat: JSON,
        from_user: JSON,
        text: str,
        *,
        entities: list[JSON] | None = None,
        reply_to: JSON | int | None = None,
        date: int | None = None,
        thread_id: int | None = None,
    ) -> JSON | None:
        """A user sends ``text`` in ``chat``; returns the queued ``Update`` (a dict).

        ``thread_id``: written in that forum topic (``message_thread_id``, ``is_topic_message``).

        ``entities`` default to what Telegram's clients detect (``bot_command`` for ``/cmd`` or
        ``/cmd@bot``, url, mention, hashtag). In a group with privacy mode on, the message is
        stored but, as on Telegram, *not* delivered unless it is a command for this bot or a
        reply to the bot; then ``None`` is returned.
        """
        with self._lock:
            chat = self.register_chat(chat) if int(chat["id"]) not in self._chats else chat
            self._users.setdefault(int(from_user["id"]), copy.deepcopy(from_user))
            message: JSON = {
                "message_id": self._next_message_id(int(chat["id"])),
                "from": copy.deepcopy(from_user),
                "chat": copy.deepcopy(self._chats[int(chat["id"])]),
                "date": date if date is not None else int(time.time()),
                "text": text,
            }
            found = detect_entities(text) if entities is None else entities
            if found:
                message["entities"] = copy.deepcopy(found)
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            if message["chat"]["type"] == "private":
                self._not_started.discard(int(from_user["id"]))  # they wrote: the bot may write
            if reply_to is not None:
                reply_id = reply_to if isinstance(reply_to, int) else reply_to["message_id"]
                target = self._find_message(int(chat["id"]), int(reply_id))
                if target is None:
                    raise ValueError(f"no message {reply_id} in chat {chat['id']} to reply to")
                message["reply_to_message"] = self._without_reply(target)
            self._messages[int(chat["id"])].append(message)
            if not self._visible_to_bot(message):
                return None
            return self.push_update({"message": copy.deepcopy(message)})

    def push_callback_query(
        self, from_user: JSON, message: JSON, data: str, *, check_button: bool = True
    ) -> JSON:
        """``from_user`` presses the inline button carrying ``data`` under the bot's ``message``.

        The current (possibly edited) message is attached, as Telegram does. With
        ``check_button`` a press on a button that does not exist raises ``ValueError``: a real
        user can only press buttons the bot actually sent.
        """
        with self._lock:
            current = self._find_message(int(message["chat"]["id"]), int(message["message_id"]))
            if current is None:
                raise ValueError(f"message {message['message_id']} does not exist (any more)")
            if check_button:
                available = [
                    button.get("callback_data")
                    for row in current.get("reply_markup", {}).get("inline_keyboard", [])
                    for button in row
                ]
                if data not in available:
                    raise ValueError(f"no button with callback_data {data!r}; have {available}")
            query_id = str(next(self._query_ids))
            chat_id = int(current["chat"]["id"])
            query: JSON = {
                "id": query_id,
                "from": copy.deepcopy(from_user),
                "message": copy.deepcopy(current),
                "chat_instance": str(abs(hash((self.bot_user["id"], chat_id))) % 10**19),
                "data": data,
            }
            self._callback_queries[query_id] = query
            return self.push_update({"callback_query": copy.deepcopy(query)})

    def press_button(self, from_user: JSON, message: JSON, button_text: str) -> JSON:
        """Press the inline button whose label is ``button_text`` (convenience over data)."""
        with self._lock:
            current = self._find_message(int(message["chat"]["id"]), int(message["message_id"]))
            rows = (current or {}).get("reply_markup", {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    if button.get("text") == button_text and "callback_data" in button:
                        return self.push_callback_query(
                            from_user, current or message, button["callback_data"]
                        )
        raise ValueError(f"no callback button labelled {button_text!r}")

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update body (``{"message": {...}}`` etc.); the fake assigns update_id."""
        with self._lock:
            full = {"update_id": next(self._update_ids), **copy.deepcopy(update)}
            self._updates.append(full)
        self._wake_waiters("update")
        return copy.deepcopy(full)

    # ----------------------------------------------------------------------------------------
    # Test-side API: faults
    # ----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        code: int = 429,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        parameters: JSON | None = None,
        times: int = 1,
        body: bytes | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (or ``"*"``) with an error.

        429 gets Telegram's ``"Too Many Requests: retry after N"`` plus
        ``parameters.retry_after`` (default 1); 5xx get a JSON error body, or ``body`` verbatim
        (e.g. the HTML page nginx serves on a real 502). ``parameters`` may carry
        ``migrate_to_chat_id`` to emulate a group upgraded to a supergroup.
        """
        params = dict(parameters or {})
        if code == 429:
            params.setdefault("retry_after", 1 if retry_after is None else retry_after)
            description = description or f"Too Many Requests: retry after {params['retry_after']}"
        elif retry_after is not None:
            params["retry_after"] = retry_after
        default_descriptions = {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            409: "Conflict",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        description = description or default_descriptions.get(code, "Error")
        with self._lock:
            self._failures.append(
                _Failure(method.lower(), code, description, params or None, body, 0.0, times)
            )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` answers to ``method`` for ``seconds`` (timeouts, slowness)."""
        with self._lock:
            self._failures.append(_Failure(method.lower(), None, None, None, None, seconds, times))

    # ----------------------------------------------------------------------------------------
    # Test-side API: webhook delivery
    # ----------------------------------------------------------------------------------------

    async def deliver_webhook_updates(self, *, http_timeout: float = 5.0) -> int:
        """POST queued updates to the webhook, like Telegram, and return how many were accepted.

        Sends ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set. A non-2xx answer stops
        delivery and is reported via getWebhookInfo's ``last_error_*``, the update stays queued.
        """
        with self._lock:
            if self._webhook is None:
                raise RuntimeError("no webhook is set")
            url = self._webhook["url"]
            headers = {"Content-Type": "application/json"}
            if self._webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook["secret_token"]
        delivered = 0
        client_timeout = aiohttp.ClientTimeout(total=http_timeout)
        async with aiohttp.ClientSession(timeout=client_timeout) as session:
            while True:
                with self._lock:
                    pending = self._deliverable(1)
                if not pending:
                    break
                update = pending[0]
                error: str | None = None
                try:
                    async with session.post(url, data=json.dumps(update), headers=headers) as r:
                        await r.read()
                        if not 200 <= r.status < 300:
                            error = f"Wrong response from the webhook: {r.status} {r.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"Connection refused: {exc.__class__.__name__}"
                with self._lock:
                    if error is not None:
                        if self._webhook is not None:
                            self._webhook["last_error_date"] = int(time.time())
                            self._webhook["last_error_message"] = error
                        break
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                delivered += 1
        return delivered

    def deliver_webhook_updates_sync(self, *, http_timeout: float = 5.0) -> int:
        """Blocking ``deliver_webhook_updates`` for sync tests (no running event loop here)."""
        return asyncio.run(self.deliver_webhook_updates(http_timeout=http_timeout))

    # ----------------------------------------------------------------------------------------
    # Test-side API: inspection
    # ----------------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[BotCall]:
        """Recorded calls, optionally only those of ``method`` (case-insensitive)."""
        with self._lock:
            if method is None:
                return list(self.sent)
            return [c for c in self.sent if c.method.lower() == method.lower()]

    def messages_in(self, chat: JSON | int, *, from_bot: bool | None = None) -> list[JSON]:
        """Messages currently in ``chat`` (edits applied, deletions gone), oldest first."""
        with self._lock:
            messages = self._messages.get(int(_chat_id_of(chat)), [])
            if from_bot is not None:
                messages = [m for m in messages if self._is_from_bot(m) == from_bot]
            return copy.deepcopy(messages)

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by getUpdates offset or webhook delivery."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def webhook(self) -> JSON | None:
        """The webhook as set by the bot (url, secret_token, ...), or None in polling mode."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def answered_callback_queries(self) -> dict[str, JSON]:
        """answerCallbackQuery parameters by callback query id."""
        with self._lock:
            return copy.deepcopy(self._answered_queries)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for exactly this scope and language (like getMyCommands)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def visible_commands(self, chat: JSON, language_code: str = "") -> list[JSON]:
        """The menu a user with ``language_code`` sees in ``chat``, per the Bot API's documented
        fall-back order over scopes (chat → all private/group chats → default), each tried with
        the language first and without it second. Administrator scopes are not modelled.
        """
        chat_id = int(chat["id"])
        kind = "all_private_chats" if chat["type"] == "private" else "all_group_chats"
        scopes = [{"type": "chat", "chat_id": chat_id}, {"type": kind}, {"type": "default"}]
        with self._lock:
            for scope in scopes:
                for lang in ([language_code] if language_code else []) + [""]:
                    found = self._commands.get((self._scope_key(scope), lang))
                    if found:
                        return copy.deepcopy(found)
        return []

    def file_bytes(self, file_id: str) -> bytes:
        """The stored bytes behind a ``file_id`` the fake issued."""
        with self._lock:
            return self._files[file_id].data

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[BotCall], bool] | None = None,
        *,
        within: float = 5.0,
        since: int = 0,
    ) -> BotCall:
        """First answered call of ``method`` at index >= ``since`` matching ``predicate``."""
        deadline = time.monotonic() + within
        while (found := self._find_call(method, predicate, since)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(method, within))
            await asyncio.sleep(0.01)
        return found

    def wait_for_call_sync(
        self,
        method: str,
        predicate: Callable[[BotCall], bool] | None = None,
        *,
        within: float = 5.0,
        since: int = 0,
    ) -> BotCall:
        """Blocking ``wait_for_call`` for sync tests driving a separate bot process."""
        deadline = time.monotonic() + within
        while (found := self._find_call(method, predicate, since)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(method, within))
            time.sleep(0.01)
        return found

    def _find_call(
        self, method: str, predicate: Callable[[BotCall], bool] | None, since: int
    ) -> BotCall | None:
        with self._lock:
            for call in self.sent[since:]:
                if call.method.lower() == method.lower() and call.status:
                    if predicate is None or predicate(call):
                        return call
        return None

    def _timeout_message(self, method: str, timeout: float) -> str:
        seen = [c.method for c in self.calls() if c.method != "getUpdates"]
        return f"no {method} call within {timeout}s; calls seen: {seen}"

    # ----------------------------------------------------------------------------------------
    # HTTP layer
    # ----------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method_name = request.match_info["method"]
        if ":" not in token:
            return self._error_response(ApiError(404, "Not Found"))
        if token != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        entry = self._handlers.get(method_name.lower())
        canonical = entry[0] if entry else method_name
        try:
            params, raw, files = await self._read_params(request)
        except ApiError as exc:
            return self._error_response(exc)
        call = BotCall(method=canonical, params=params, files=files, raw=raw)
        with self._lock:
            self.sent.append(call)
            failure = self._take_failure(canonical)
        try:
            if failure is not None and failure.delay:
                await asyncio.sleep(failure.delay)
            if failure is not None and failure.code is not None:
                if failure.body is not None:
                    call.status = failure.code
                    call.error = failure.body.decode("utf-8", "replace")
                    return web.Response(
                        status=failure.code, body=failure.body, content_type="text/html"
                    )
                raise ApiError(failure.code, failure.description or "", failure.parameters)
            if entry is None:
                raise ApiError(404, "Not Found")
            outcome = entry[1](params, files)
            if asyncio.iscoroutine(outcome):
                outcome = await outcome
        except ApiError as exc:
            call.status = exc.code
            call.error = exc.description
            return self._error_response(exc)
        body: JSON = {"ok": True}
        if isinstance(outcome, _Described):
            body["result"] = outcome.result
            body["description"] = outcome.description
        else:
            body["result"] = outcome
        call.status = 200
        call.result = copy.deepcopy(body["result"])
        return web.json_response(body)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        with self._lock:
            for stored in self._files.values():
                if stored.file_path == path:
                    return web.Response(body=stored.data)
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    @staticmethod
    def _error_response(exc: ApiError) -> web.Response:
        body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.parameters:
            body["parameters"] = exc.parameters
        return web.json_response(body, status=exc.code)

    @staticmethod
    async def _read_params(
        request: web.Request,
    ) -> tuple[JSON, dict[str, str], dict[str, UploadedFile]]:
        raw: dict[str, str] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        typed: JSON = {}
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                try:
                    loaded = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(loaded, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                typed = loaded
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            field=key,
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = str(value)
        params: JSON = {key: _decode_param(key, value) for key, value in raw.items()}
        for key, value in typed.items():
            if key in _CHAT_ID_PARAMS and isinstance(value, str):
                value = _decode_param(key, value)
            params[key] = value
        return params, raw, files

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method in (method.lower(), "*"):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # ----------------------------------------------------------------------------------------
    # Long polling
    # ----------------------------------------------------------------------------------------

    def _wake_waiters(self, reason: str) -> None:
        loop = self._loop
        with self._lock:
            waiters = list(self._waiters)
        if loop is None or loop.is_closed():
            return
        for waiter in waiters:
            loop.call_soon_threadsafe(self._resolve, waiter, reason)

    @staticmethod
    def _resolve(waiter: asyncio.Future[str], reason: str) -> None:
        if not waiter.done():
            waiter.set_result(reason)

    def _is_allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATES

    def _deliverable(self, limit: int) -> list[JSON]:
        # The real server never creates updates of types the bot did not ask for; dropping them
        # here is the closest a queue-first fake can get.
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        return copy.deepcopy(self._updates[:limit])

    async def _get_updates(self, params: JSON, _files: dict[str, UploadedFile]) -> list[JSON]:
        timeout = max(0.0, float(params.get("timeout") or 0))
        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            older_polls = list(self._waiters)
        # Telegram ends an older long poll when another one arrives (two bot instances).
        for waiter in older_polls:
            self._resolve(waiter, "conflict")
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                if self._webhook is not None:
                    raise ApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is "
                        "active; use deleteWebhook to delete the webhook first",
                    )
                ready = self._deliverable(limit)
                remaining = deadline - loop.time()
                if ready or self._closing or remaining <= 0:
                    return ready
                waiter: asyncio.Future[str] = loop.create_future()
                self._waiters.append(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                with self._lock:
                    self._waiters.remove(waiter)
            if waiter.done() and waiter.result() == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )

    # ----------------------------------------------------------------------------------------
    # World model helpers
    # ----------------------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _find_message(self, chat_id: int, message_id: int) -> JSON | None:
        for message in self._messages.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def _is_from_bot(self, message: JSON) -> bool:
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    @staticmethod
    def _without_reply(message: JSON) -> JSON:
        trimmed = copy.deepcopy(message)
        trimmed.pop("reply_to_message", None)
        return trimmed

    def _visible_to_bot(self, message: JSON) -> bool:
        """Group privacy mode as documented: commands for this bot and replies to the bot."""
        if message["chat"]["type"] not in ("group", "supergroup") or not self.privacy_mode:
            return True
        reply = message.get("reply_to_message")
        if reply is not None and self._is_from_bot(reply):
            return True
        text = message.get("text", "")
        for entity in message.get("entities", []):
            if entity["type"] == "bot_command":
                command = text.encode("utf-16-le")[
                    entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2
                ].decode("utf-16-le")
                _, _, addressee = command.partition("@")
                if not addressee or addressee.lower() == self.bot_username.lower():
                    return True
        return False

    def _chat(self, chat_id: Any) -> JSON:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == chat_id[1:].lower():
                    return chat
            raise ApiError(400, "Bad Request: chat not found")
        try:
            return self._chats[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _chat_to_send(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        forbidden = self._forbidden.get(int(chat["id"]))
        if forbidden and forbidden.startswith("Bad Request"):
            raise ApiError(400, forbidden)
        if forbidden:
            raise ApiError(403, forbidden)
        if chat["type"] == "private" and int(chat["id"]) in self._not_started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    @staticmethod
    def _format(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
        text = "" if text is None else str(text)
        if isinstance(entities, list):
            return text, entities
        mode = str(parse_mode or "").lower()
        if not mode:
            return text, []
        parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        if mode not in parsers:
            raise ApiError(400, f'Bad Request: unsupported parse_mode "{parse_mode}"')
        return parsers[mode](text)

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        """Validate reply_markup; only an inline keyboard is echoed back in the Message."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                return None
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
                "must be an Array of Arrays",
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        'Field "text" must be of type String',
                    )
                actions = [key for key in _BUTTON_ACTIONS if key in button]
                if not actions:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                    raise ApiError(
                        400, f"Bad Request: inline keyboard button URL '{url}' is invalid"
                    )
        if not any(rows):
            return None
        return copy.deepcopy(markup)

    def _reply_target(self, chat: JSON, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        target_chat = self._chat(reply["chat_id"]) if reply.get("chat_id") else chat
        target = self._find_message(int(target_chat["id"]), int(reply["message_id"]))
        if target is None:
            if _as_bool(reply.get("allow_sending_without_reply")):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return self._without_reply(target)

    def _store_bot_message(self, chat: JSON, params: JSON, content: JSON) -> JSON:
        message: JSON = {
            "message_id": self._next_message_id(int(chat["id"])),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = int(params["message_thread_id"])
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        reply_to = self._reply_target(chat, params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._messages.setdefault(int(chat["id"]), []).append(message)
        return copy.deepcopy(message)

    def _new_file(self, data: bytes, kind: str, extension: str) -> _StoredFile:
        number = next(self._file_ids)
        prefix = {"photos": "AgACAgQAAxkBAAI", "documents": "BQACAgQAAxkBAAI"}.get(kind, "CAAC")
        stored = _StoredFile(
            file_id=f"{prefix}{number:06d}fake{zlib.crc32(data):08x}",
            file_unique_id=f"AQAD{number:06d}",
            data=data,
            file_path=f"{kind}/file_{number}{extension}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _input_file(
        self, params: JSON, files: dict[str, UploadedFile], name: str
    ) -> tuple[UploadedFile | None, str | None]:
        """Resolve a media parameter: an upload (direct or attach://), a file_id, or a URL."""
        if name in files:
            return files[name], None
        value = params.get(name)
        if not value:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        value = str(value)
        if value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value} not found")
            return upload, None
        return None, value

    def _caption(self, params: JSON) -> JSON:
        if params.get("caption") is None:
            return {}
        text, entities = self._format(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if _u16(text) > _MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSON = {"caption": text}
        if entities:
            content["caption_entities"] = entities
        return content

    @staticmethod
    def _scope_key(scope: Any) -> str:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        normal = dict(scope)
        if "chat_id" in normal:
            normal["chat_id"] = _chat_id_of(normal["chat_id"])
        return json.dumps(normal, sort_keys=True)

    # ----------------------------------------------------------------------------------------
    # Bot API methods
    # ----------------------------------------------------------------------------------------

    def _get_me(self, _params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            chat = self._chat_to_send(params)
            if params.get("text") is None or str(params.get("text")) == "":
                raise ApiError(400, "Bad Request: message text is empty")
            text, entities = self._format(
                params.get("text"), params.get("parse_mode"), params.get("entities")
            )
            if not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if _u16(text) > _MAX_TEXT:
                raise ApiError(400, "Bad Request: message is too long")
            content: JSON = {"text": text}
            if entities:
                content["entities"] = entities
            return self._store_bot_message(chat, params, content)

    def _message_to_edit(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._find_message(int(chat["id"]), int(message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not self._is_from_bot(message):
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _edit_message_text(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            message = self._message_to_edit(params)
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            if not params.get("text"):
                raise ApiError(400, "Bad Request: message text is empty")
            text, entities = self._format(
                params.get("text"), params.get("parse_mode"), params.get("entities")
            )
            if _u16(text) > _MAX_TEXT:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            # As on Telegram, an edit without reply_markup removes the inline keyboard.
            markup = self._check_markup(params.get("reply_markup"))
            unchanged = (
                message.get("text") == text
                and message.get("entities", []) == entities
                and message.get("reply_markup") == markup
            )
            if unchanged:
                raise ApiError(400, _NOT_MODIFIED)
            message["text"] = text
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            message = self._message_to_edit(params)
            markup = self._check_markup(params.get("reply_markup"))
            if message.get("reply_markup") == markup:
                raise ApiError(400, _NOT_MODIFIED)
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    def _delete_message(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        with self._lock:
            chat = self._chat(params.get("chat_id"))
            message = self._find_message(int(chat["id"]), int(params.get("message_id") or 0))
            if message is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            self._messages[int(chat["id"])].remove(message)
            return True

    def _answer_callback_query(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        with self._lock:
            query_id = str(params.get("callback_query_id") or "")
            if query_id not in self._callback_queries or query_id in self._answered_queries:
                raise ApiError(400, _QUERY_TOO_OLD)
            if len(str(params.get("text") or "")) > 200:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            self._answered_queries[query_id] = copy.deepcopy(params)
            return True

    def _set_my_commands(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            if not _COMMAND_NAME_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        with self._lock:
            if commands:
                self._commands[key] = copy.deepcopy(commands)
            else:
                self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSON, _files: dict[str, UploadedFile]) -> list[JSON]:
        return self.commands(params.get("scope"), str(params.get("language_code") or ""))

    def _describe(self, kind: str, params: JSON, limit: int) -> bool:
        text = str(params.get("short_description" if kind == "short" else "description") or "")
        if len(text) > limit:
            raise ApiError(400, "Bad Request: description is too long")
        key = (kind, str(params.get("language_code") or ""))
        with self._lock:
            if text:
                self._descriptions[key] = text
            else:
                self._descriptions.pop(key, None)
        return True

    def _set_my_description(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        return self._describe("long", params, 512)

    def _set_my_short_description(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        return self._describe("short", params, 120)

    def _get_my_description(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        language = str(params.get("language_code") or "")
        return {"description": self.description(language)}

    def _get_my_short_description(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        language = str(params.get("language_code") or "")
        return {"short_description": self.description(language, short=True)}

    def _delete_my_commands(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        with self._lock:
            self._commands.pop(key, None)
        return True

    def _set_webhook(self, params: JSON, _files: dict[str, UploadedFile]) -> _Described:
        url = str(params.get("url") or "")
        with self._lock:
            if _as_bool(params.get("drop_pending_updates")):
                self._updates.clear()
            if not url:
                was_set = self._webhook is not None
                self._webhook = None
                return _Described(
                    True, "Webhook was deleted" if was_set else "Webhook is already deleted"
                )
            if not re.match(r"^https?://[^\s/]+", url):
                raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
            secret = params.get("secret_token")
            if secret is not None and not _SECRET_TOKEN_RE.match(str(secret)):
                raise ApiError(400, "Bad Request: secret token contains unallowed characters")
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            self._webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": int(params.get("max_connections") or 40),
                "ip_address": params.get("ip_address"),
                "has_custom_certificate": "certificate" in _files,
            }
        self._wake_waiters("webhook")
        return _Described(True, "Webhook was set")

    def _delete_webhook(self, params: JSON, _files: dict[str, UploadedFile]) -> _Described:
        with self._lock:
            if _as_bool(params.get("drop_pending_updates")):
                self._updates.clear()
            was_set = self._webhook is not None
            self._webhook = None
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _get_webhook_info(self, _params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            pending = len(self._updates)
            if self._webhook is None:
                return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
            info: JSON = {
                "url": self._webhook["url"],
                "has_custom_certificate": self._webhook["has_custom_certificate"],
                "pending_update_count": pending,
                "max_connections": self._webhook["max_connections"],
            }
            for key in ("ip_address", "last_error_date", "last_error_message"):
                if self._webhook.get(key):
                    info[key] = self._webhook[key]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
            return info

    def _send_photo(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            chat = self._chat_to_send(params)
            upload, reference = self._input_file(params, files, "photo")
            if upload is not None:
                size = _image_size(upload.data)
                if size is None:
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
                stored = self._new_file(upload.data, "photos", ".jpg")
            else:
                stored, size = self._reference(str(reference), "photos", ".jpg")
                size = size or (1, 1)
            photo = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": size[0],
                "height": size[1],
                "file_size": len(stored.data),
            }
            content: JSON = {"photo": [photo], **self._caption(params)}
            return self._store_bot_message(chat, params, content)

    def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            chat = self._chat_to_send(params)
            upload, reference = self._input_file(params, files, "document")
            if upload is not None:
                if not upload.data:
                    raise ApiError(400, "Bad Request: file must be non-empty")
                name = upload.filename or "document"
                mime = upload.content_type or mimetypes.guess_type(name)[0]
                extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
                stored = self._new_file(upload.data, "documents", extension)
            else:
                stored, _ = self._reference(str(reference), "documents", "")
                name = str(reference).rsplit("/", 1)[-1] or "document"
                mime = mimetypes.guess_type(name)[0]
            document: JSON = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": name,
                "file_size": len(stored.data),
            }
            if mime:
                document["mime_type"] = mime
            content: JSON = {"document": document, **self._caption(params)}
            return self._store_bot_message(chat, params, content)

    def _reference(
        self, reference: str, kind: str, extension: str
    ) -> tuple[_StoredFile, tuple[int, int] | None]:
        """A previously issued file_id, or an HTTP URL (accepted, but not downloaded)."""
        if reference in self._files:
            stored = self._files[reference]
            return stored, _image_size(stored.data)
        if re.match(r"^https?://", reference):
            return self._new_file(b"", kind, extension), None
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _send_chat_action(self, params: JSON, _files: dict[str, UploadedFile]) -> bool:
        with self._lock:
            self._chat_to_send(params)
            if params.get("action") not in _CHAT_ACTIONS:
                raise ApiError(400, "Bad Request: wrong parameter action in request")
            return True

    def _get_chat(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            chat = copy.deepcopy(self._chat(params.get("chat_id")))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    def _get_file(self, params: JSON, _files: dict[str, UploadedFile]) -> JSON:
        with self._lock:
            stored = self._files.get(str(params.get("file_id") or ""))
            if stored is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            return {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data),
                "file_path": stored.file_path,
            }

    def _close(self, _params: JSON, _files: dict[str, UploadedFile]) -> bool:
        return True

"""Pure checks for the dashboard's doors: the Telegram Mini App's init data, form tokens and
the origin of a sign-in. No I/O here, so each rule is tested with plain values.

Telegram Mini Apps: https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
— the secret key is HMAC-SHA256 of the bot token under the key "WebAppData"; the hash is
HMAC-SHA256 of the data-check string (every field but ``hash``, sorted, ``key=value`` lines).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

#: Init data older than this is refused (a replayed Mini App opening).
INIT_DATA_MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class TelegramUser:
    id: str
    username: str | None
    first_name: str


class InitDataError(ValueError):
    """The Mini App's init data is missing, forged or too old."""


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram would put in init data with these fields (tests and fakes)."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def verify_init_data(init_data: str, bot_token: str, *, now: datetime) -> TelegramUser:
    """The Telegram user who opened the Mini App, if the init data is genuine and fresh."""
    if not init_data or not bot_token:
        raise InitDataError("no init data")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataError("init data is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    given = fields.pop("hash", "")
    if not hmac.compare_digest(sign_init_data(fields, bot_token), given):
        raise InitDataError("signature does not match")
    try:
        signed_at = datetime.fromtimestamp(int(fields.get("auth_date", "")), UTC)
        user = json.loads(fields.get("user", ""))
        user_id = str(int(user["id"]))
    except (ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
        raise InitDataError("init data lacks a user or a date") from exc
    if not now - INIT_DATA_MAX_AGE <= signed_at <= now + timedelta(minutes=5):
        raise InitDataError("init data is too old")
    return TelegramUser(user_id, user.get("username") or None, str(user.get("first_name", "")))


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)


def same_origin(origin: str | None, base_url: str, host: str | None) -> bool:
    """A form post comes from our own pages: its Origin (when the browser sends one) is the
    dashboard's base address or the host it was served from."""
    if not origin or origin == "null":
        return origin is None
    got = urlsplit(origin)
    base = urlsplit(base_url)
    if (got.scheme, got.netloc) == (base.scheme, base.netloc):
        return True
    return bool(host) and got.netloc == host

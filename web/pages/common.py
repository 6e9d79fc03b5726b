"""What the page modules share: the request's viewer and dashboard, parameters read
strictly (a bad number is a 404 or a friendly form error, never a crash)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.errors import UserFacingError
from web.render import FORM, TRANSLATOR, VIEWER
from web.server import DASHBOARD, Dashboard, Viewer

MAX_ID = 2**31 - 1


def viewer_of(request: web.Request) -> Viewer:
    return request[VIEWER]


def dashboard_of(request: web.Request) -> Dashboard:
    return request.app[DASHBOARD]


def form_of(request: web.Request) -> Mapping[str, Any]:
    return request.get(FORM) or {}


def text(form: Mapping[str, Any], name: str, limit: int = 300) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    cleaned = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)
    return cleaned.strip()[:limit]


def row_id(value: str | None) -> int:
    """An id from an address: digits only and within range, else there is no such page."""
    if not value or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        raise web.HTTPNotFound()
    return int(value)


def optional_int(value: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    if value is None or value == "":
        return None
    if not value.strip().isdigit() or len(value.strip()) > 10:
        return None
    number = int(value.strip())
    return number if low <= number <= high else None


def redirect(location: str, note: str | None = None) -> web.HTTPSeeOther:
    if note:
        location += ("&" if "?" in location else "?") + f"note={note}"
    return web.HTTPSeeOther(location)


def refusal(error: UserFacingError, request: web.Request) -> str:
    """The chat's own words for a refusal (permission, not found), in the viewer's language."""
    return request[TRANSLATOR](error.key, **error.params)


def local_midnight(at: datetime, tz: str) -> datetime:
    local = at.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def days(n: float) -> timedelta:
    return timedelta(days=n)

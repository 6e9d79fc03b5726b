"""Templates: Jinja2 with autoescaping, the member's translator, dates in the network's time.

Every text a page shows comes from the chat's catalogs (``t('web.…')``, ``n('web.…', count)``
for counts), so Dutch and English stay complete together (the catalog test covers both).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.i18n import Translator

# What the server keeps on a request for the pages: the reader's translator and formats, the
# signed-in viewer (web.server.Viewer) and a POST's form.
TRANSLATOR = web.RequestKey("translator", Translator)
FORMATS: web.RequestKey[Formats] = web.RequestKey("formats")
VIEWER: web.RequestKey[Any] = web.RequestKey("viewer")
FORM: web.RequestKey[Any] = web.RequestKey("form")

ENV = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Formats:
    """Dates and numbers for one reader: their language, the network's timezone."""

    def __init__(self, t: Translator, tz: str) -> None:
        self.t = t
        self.zone = ZoneInfo(tz)
        self.locale = t.language

    def date(self, at: datetime | None, fmt: str = "EEE d MMM") -> str:
        if at is None:
            return self.t("web.no_date")
        return format_date(at.astimezone(self.zone).date(), fmt, locale=self.locale)

    def day(self, day: dt.date) -> str:
        """A calendar day in full: 'woensdag 25 november'."""
        return format_date(day, "EEEE d MMMM", locale=self.locale)

    def when(self, at: datetime | None, has_time: bool = True) -> str:
        if at is None:
            return self.t("web.no_date")
        local = at.astimezone(self.zone)
        if not has_time:
            return format_date(local.date(), "EEEE d MMMM", locale=self.locale)
        return format_datetime(local, "EEEE d MMMM, HH:mm", locale=self.locale)

    def stamp(self, at: datetime | None) -> str:
        if at is None:
            return "–"
        return format_datetime(at.astimezone(self.zone), "d MMM yyyy HH:mm", locale=self.locale)

    def month(self, at: datetime) -> str:
        return format_date(at.astimezone(self.zone).date(), "LLLL yyyy", locale=self.locale)

    def short_month(self, at: datetime) -> str:
        return format_date(at.astimezone(self.zone).date(), "LLL yy", locale=self.locale)

    def number(self, value: float) -> str:
        return format_decimal(round(value, 1), locale=self.locale)

    def percent(self, share: float | None) -> str:
        return "–" if share is None else f"{round(100 * share)}%"


def render(request: web.Request, template: str, *, status: int = 200, **data: Any) -> web.Response:
    """A page for the signed-in member (or, on the public doors, in the network's language)."""
    t: Translator = request.get(TRANSLATOR) or Translator()
    viewer = request.get(VIEWER)
    formats = request.get(FORMATS) or Formats(t, "Europe/Amsterdam")
    html = ENV.get_template(template).render(
        t=t,
        n=t.n,
        f=formats,
        viewer=viewer,
        csrf=viewer.session.csrf_token if viewer else "",
        path=request.path,
        note=_note(t, request.query.get("note", "")),
        **data,
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def _note(t: Translator, name: str) -> str:
    """A confirmation after a redirect (``?note=posted``): only known notes are shown."""
    if not name.isidentifier():
        return ""
    text = t(f"web.note.{name}")
    return "" if text == f"web.note.{name}" else text

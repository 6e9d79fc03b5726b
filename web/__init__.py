"""The web dashboard for initiators: another way into Vonk, next to the chat adapters.

Server-rendered pages (aiohttp + Jinja2), readable without JavaScript, in the member's own
language from the chat's catalogs. Reads go through the repositories; every write goes through
the same operations the chat uses (:mod:`web.writes`), in one unit of work per request, and
messages to people leave through the outbox after the commit.

| module | owns |
|---|---|
| ``server`` | the aiohttp application: routes, sign-in, sessions, form tokens, role check |
| ``security`` | pure checks: Telegram Mini App init data, form tokens, origins |
| ``render`` | Jinja2 templates, the translator and date formatting for them |
| ``writes`` | the one door for writes: the chat's operations, called the same way |
| ``pages/*`` | one module per page (Today, Calls, Members, Lessons, Impact, Network, |
|  | History, Settings) and the calendar feeds |
| ``svg``, ``ical`` | charts as SVG, calendars as iCalendar text (pure) |
"""

from web.server import Dashboard, WebServer

__all__ = ["Dashboard", "WebServer"]

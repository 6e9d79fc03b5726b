"""One module per page; each adds its routes with ``register(router)``."""

from __future__ import annotations

from aiohttp import web

from web.pages import (
    calendar,
    calls,
    history,
    impact,
    lessons,
    members,
    network,
    settings,
    today,
)


def register_all(router: web.UrlDispatcher, _dashboard: object) -> None:
    router.add_get("/", _home)
    for page in (today, calls, members, lessons, impact, network, history, settings, calendar):
        page.register(router)


async def _home(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/today")

"""The webhook server: Telegram POSTs each update; the answer 200 means "delivered, forget it".

So the update must be stored before that answer, and only then. python-telegram-bot's own
webhook server answers 200 when the update is *queued in memory*, which loses every update a
crash finds in that queue; this one answers after the intake stored it (or after deciding it
needs no answer). A failure to store answers 500, and Telegram sends the update again.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Takes the update's JSON; returns once it is stored (raises when it could not be).
Receive = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookServer:
    def __init__(self, receive: Receive, *, path: str, secret: str | None) -> None:
        self._receive = receive
        self._path = "/" + path.lstrip("/")
        self._secret = secret or None
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self._path, self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop accepting; updates being stored finish first (aiohttp's graceful shutdown)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if self._secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), self._secret
        ):
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        try:
            await self._receive(data)
        except Exception:
            log.exception("could not store Telegram update %s", data.get("update_id"))
            return web.Response(status=500)  # Telegram will send it again
        return web.Response()

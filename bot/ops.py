"""The operations server: ``/healthz`` and ``/metrics`` next to the bot, for the people who run it.

``vonk run`` starts it when ``VONK_HTTP_PORT`` is set (the container image and the example
environment file set 8080). It is a separate small aiohttp server rather than a route on the
Telegram webhook server, so health and metrics work the same in polling mode, on Matrix, and
without exposing the webhook port to the monitoring network (or the reverse).

``/healthz`` answers 200 only when the database answers a query and every adapter is still
receiving; otherwise 503. Both carry a JSON body saying which part is unwell, so a Docker
health check, a load balancer and a person with curl all read the same thing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from bot.app import App

log = logging.getLogger(__name__)

#: Seconds a health or metrics request waits for the database before calling it unwell: a
#: health check must answer quickly, also (especially) when the database hangs.
DB_TIMEOUT = 3.0


class OpsServer:
    def __init__(self, app: App, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started with port 0: any free port, as in tests)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                if isinstance(address, tuple):
                    return int(address[1])
        return self._port

    def add_routes(self, web_app: web.Application) -> None:
        """/healthz and /metrics on an application of its own or on the dashboard's."""
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/metrics", self._metrics)

    async def start(self) -> None:
        web_app = web.Application()
        self.add_routes(web_app)
        runner = web.AppRunner(web_app, access_log=None)  # scrapes every few seconds: no noise
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # -- health ---------------------------------------------------------------------------------
    async def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, details): the database answers and every adapter is receiving."""
        database: dict[str, Any]
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.app.services.storage.db.ping(), DB_TIMEOUT)
        except Exception as exc:  # any failure is "unwell", with the reason for the operator
            database = {"ok": False, "error": _reason(exc)}
        else:
            database = {"ok": True, "seconds": round(time.perf_counter() - started, 4)}
        adapters = {name: adapter_running(a) for name, a in self.app.adapters.items()}
        healthy = database["ok"] and bool(adapters) and all(adapters.values())
        return healthy, {
            "status": "ok" if healthy else "unavailable",
            "database": database,
            "adapters": {name: "running" if ok else "stopped" for name, ok in adapters.items()},
        }

    async def _healthz(self, _request: web.Request) -> web.Response:
        healthy, details = await self.health()
        if not healthy:
            log.warning("health check failed: %s", details)
        return web.json_response(details, status=200 if healthy else 503)

    # -- metrics --------------------------------------------------------------------------------
    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            counts = await asyncio.wait_for(self.app.services.storage.outbox.counts(), DB_TIMEOUT)
        except Exception as exc:  # still serve the rest; the gauge keeps its last values
            log.warning("outbox depth for /metrics unavailable: %s", _reason(exc))
        else:
            metrics.record_outbox_counts(counts)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def adapter_running(adapter: object) -> bool:
    """An adapter's own ``running`` flag when it has one (Telegram and Matrix do: their receive
    loop is alive); an adapter without one counts as running once started."""
    running = getattr(adapter, "running", True)
    return bool(running() if callable(running) else running)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {DB_TIMEOUT:.0f}s"
    return f"{type(exc).__name__}: {exc}"[:300]

"""The dashboard's aiohttp application: routes, sign-in, sessions, form tokens, the role check.

Every request but the public doors (the sign-in link, the Telegram Mini App, calendar feeds,
static files) needs a live session whose member may use the dashboard
(:data:`actions.permissions.Permission.USE_DASHBOARD`, the chat's own permission table), read
again on every request, so a role taken away closes the dashboard at once. Every POST carries
the session's form token. The member's network is the only one a page can show: every id in
an address is looked up within it (:meth:`Viewer.own`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any

from aiohttp import web

from actions.permissions import Permission, allowed
from bot.app import App
from bot.i18n import Translator
from storage import Storage
from storage.records import Member, Network
from storage.repositories.web import LinkUse, WebSession
from web import security
from web.render import FORM, FORMATS, TRANSLATOR, VIEWER, Formats, render
from web.rollup import KeptFigures, months

log = logging.getLogger(__name__)

COOKIE = "vonk_session"
IDLE = timedelta(days=30)
MAX_UPLOAD = 20 * 1024 * 1024  # a CSV of 100k members fits
PUBLIC = (
    "/in/",
    "/telegram",
    "/ical/",
    "/static/",
    "/signed-out",
    "/favicon.ico",
    "/healthz",
    "/metrics",
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DASHBOARD: web.AppKey[Dashboard] = web.AppKey("dashboard")


@dataclass(frozen=True)
class Viewer:
    """The signed-in member, their session and network, for one request."""

    member: Member
    session: WebSession
    network: Network

    def own(self, record: Any) -> Any:
        """``record`` if it belongs to the viewer's network; otherwise the page does not exist
        (never "forbidden": another network's ids reveal nothing)."""
        if record is None or getattr(record, "network_id", None) != self.network.id:
            raise web.HTTPNotFound()
        return record


class Dashboard:
    """The dashboard over one running :class:`bot.app.App` (its storage, outbox and search)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.services.settings
        self.base_url = self.settings.effective_web_base_url
        self.secure = self.base_url.startswith("https://")
        self.figures = KeptFigures()

    @property
    def storage(self) -> Storage:
        return self.app.services.storage

    def now(self):
        return self.app.clock.now()

    async def network(self) -> Network:
        return await self.app.network()

    async def warm(self) -> None:
        """Read the last year's finished months once, so the first Impact view need not."""
        from web.pages.impact import MONTHS, month_bounds

        network, now = await self.network(), self.now()
        bounds = month_bounds(now, network.timezone, MONTHS)
        await months(self.figures, self.storage.dashboard, network.id, bounds, now=now)

    # -- the application ------------------------------------------------------------------------
    def application(self) -> web.Application:
        from web.pages import register_all

        web_app = web.Application(
            middlewares=[self._timing, self._headers, self._errors, self._auth],
            client_max_size=MAX_UPLOAD,
        )
        web_app[DASHBOARD] = self
        web_app.router.add_get("/in/{token}", self._link_page)
        web_app.router.add_post("/in/{token}", self._link_use)
        web_app.router.add_get("/telegram", self._telegram_page)
        web_app.router.add_post("/telegram/auth", self._telegram_auth)
        web_app.router.add_get("/signed-out", self._signed_out)
        web_app.router.add_post("/signout", self._sign_out)
        static = resources.files("web") / "static"
        web_app.router.add_static("/static/", str(static), append_version=False)
        register_all(web_app.router, self)
        return web_app

    # -- middlewares ----------------------------------------------------------------------------
    @web.middleware
    async def _timing(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
        return response

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self' https://telegram.org; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Sign-in and calendar addresses carry secrets: never pass them on to another site.
        # Not "no-referrer": with it, browsers send "Origin: null" on our own form posts, and
        # the sign-in's origin check (rightly) refuses those.
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Friendly pages for 403/404 and for the unexpected (logged with its cause)."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status in (403, 404) and not request.path.startswith(("/static/", "/ical/")):
                return self._problem(request, exc.status)
            raise
        except Exception:
            log.exception("dashboard page %s %s failed", request.method, request.path)
            return self._problem(request, 500)

    def _problem(self, request: web.Request, status: int) -> web.Response:
        key = {403: "forbidden", 404: "not_found"}.get(status, "failed")
        return render(request, "problem.html", status=status, problem=key)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        network = await self.network()
        request[TRANSLATOR] = Translator(network.language)
        request[FORMATS] = Formats(request[TRANSLATOR], network.timezone)
        if request.path.startswith(PUBLIC):
            return await handler(request)
        token = request.cookies.get(COOKIE)
        found = await self.storage.web.session(token, idle=IDLE, now=self.now()) if token else None
        member = await self.storage.members.get(found.member_id) if found else None
        if found is None or member is None:
            if request.method == "GET":
                raise web.HTTPSeeOther("/signed-out")
            raise web.HTTPForbidden()
        request[TRANSLATOR] = t = Translator(member.language)
        request[FORMATS] = Formats(t, network.timezone)
        if member.network_id != network.id or not allowed(member, Permission.USE_DASHBOARD):
            return render(request, "problem.html", status=403, problem="no_role")
        request[VIEWER] = Viewer(member, found, network)
        if request.method == "POST":
            form = await request.post()
            request[FORM] = form
            if not security.same_token(_text(form.get("csrf")), found.csrf_token):
                return render(request, "problem.html", status=403, problem="csrf")
        response = await handler(request)
        if request.method == "GET" and token:
            self._set_cookie(response, token)  # the 30 idle days start again
        return response

    def _set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(IDLE.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=self.secure,
            path="/",
        )

    # -- the public doors -----------------------------------------------------------------------
    async def _link_page(self, request: web.Request) -> web.Response:
        """Opening a link only shows a button: link previews (chat apps fetch addresses to show
        a preview) must not spend the one-time link."""
        return render(request, "sign_in.html", token=request.match_info["token"])

    async def _link_use(self, request: web.Request) -> web.StreamResponse:
        if not security.same_origin(
            request.headers.get("Origin"), self.base_url, request.headers.get("Host")
        ):
            return render(request, "problem.html", status=403, problem="origin")
        # Spending the link and opening the session are one unit of work: never a spent link
        # without its session.
        network = await self.network()
        async with self.storage.unit_of_work() as storage:
            used = await storage.web.use_link(request.match_info["token"], now=self.now())
            if used.outcome is not LinkUse.OK:
                refused = used.outcome
            else:
                return await self._open_session(
                    request, storage, network, used.member_id, via="link"
                )
        return render(request, "sign_in.html", status=403, token=None, refused=refused)

    async def _open_session(
        self,
        request: web.Request,
        storage: Storage,
        network: Network,
        member_id: int | None,
        *,
        via: str,
    ) -> web.StreamResponse:
        """A session for a member whose role allows the dashboard, in the caller's unit of
        work (``storage`` is bound to it)."""
        member = await storage.members.get(member_id) if member_id else None
        if (
            member is None
            or member.network_id != network.id
            or not allowed(member, Permission.USE_DASHBOARD)
        ):
            return render(request, "problem.html", status=403, problem="no_role")
        opened = await storage.web.open_session(
            member.id, via=via, user_agent=request.headers.get("User-Agent", ""), now=self.now()
        )
        response = web.HTTPSeeOther("/today")
        self._set_cookie(response, opened.token)
        return response

    async def _telegram_page(self, request: web.Request) -> web.Response:
        return render(request, "telegram.html")

    async def _telegram_auth(self, request: web.Request) -> web.StreamResponse:
        """The Mini App posts Telegram's init data; a genuine one for a linked member with the
        role opens a session, like a sign-in link."""
        form = await request.post()
        try:
            user = security.verify_init_data(
                _text(form.get("init_data")), self.settings.telegram_token, now=self.now()
            )
        except security.InitDataError as exc:
            log.info("Mini App sign-in refused: %s", exc)
            return render(request, "problem.html", status=403, problem="telegram")
        network = await self.network()
        async with self.storage.unit_of_work() as storage:
            found = await storage.members.by_account("telegram", user.id)
            member_id = found[0].id if found else None
            return await self._open_session(request, storage, network, member_id, via="telegram")

    async def _signed_out(self, request: web.Request) -> web.Response:
        return render(request, "signed_out.html")

    async def _sign_out(self, request: web.Request) -> web.StreamResponse:
        viewer: Viewer = request[VIEWER]
        await self.storage.web.revoke(viewer.session.id, member_id=viewer.member.id, now=self.now())
        response = web.HTTPSeeOther("/signed-out")
        response.del_cookie(COOKIE, path="/")
        return response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class WebServer:
    """Serves a :class:`Dashboard` on a host and port (port 0: any free one, for tests)."""

    def __init__(self, dashboard: Dashboard, host: str, port: int, *, warm: bool = True) -> None:
        self.dashboard = dashboard
        self.host = host
        self._port = port
        self._warm_at_start = warm  # read the last year's impact ahead (tests: no)
        self._runner: web.AppRunner | None = None
        self._warming: asyncio.Task[None] | None = None
        self.extra_routes: Callable[[web.Application], None] | None = None

    @property
    def port(self) -> int:
        if self._runner is not None:
            for address in self._runner.addresses:
                if isinstance(address, tuple):
                    return int(address[1])
        return self._port

    async def start(self) -> None:
        web_app = self.dashboard.application()
        if self.extra_routes is not None:
            self.extra_routes(web_app)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if self._warm_at_start:
            self._warming = asyncio.create_task(self._warm())
        log.info(
            "dashboard on http://%s:%d (links: %s)", self.host, self.port, self.dashboard.base_url
        )

    async def _warm(self) -> None:
        try:
            await self.dashboard.warm()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reading the last year's impact ahead failed; pages will read it")

    async def stop(self) -> None:
        warming, self._warming = self._warming, None
        if warming is not None:
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
        await self.dashboard.figures.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

"""``/dashboard``: initiators and admins get a one-time sign-in link to the web dashboard.

Only in a direct chat (a link in a group could be used by anyone who reads it first); valid
15 minutes, used once, bound to the member who asked. On Telegram, with an https dashboard,
also a Mini App button that signs in without a link. ``vonk web link HANDLE`` prints the same
link for operators (:func:`sign_in_link`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from actions.permissions import Permission, require
from bot.config import Settings
from bot.context import Context
from bot.core import Button, Event
from bot.errors import UserFacingError
from bot.router import Router
from storage import Storage
from storage.records import Member

LINK_TTL = timedelta(minutes=15)


def sign_in_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/in/{token}"


async def sign_in_link(
    storage: Storage, settings: Settings, member: Member, *, now: datetime
) -> str:
    """A fresh one-time sign-in address for a member whose role allows the dashboard."""
    require(member, Permission.USE_DASHBOARD)
    token = await storage.web.issue_link(member.id, ttl=LINK_TTL, now=now)
    return sign_in_url(settings.effective_web_base_url, token)


async def dashboard(_event: Event, ctx: Context) -> None:
    require(ctx.member, Permission.USE_DASHBOARD)
    if not ctx.in_direct_chat:
        raise UserFacingError("dashboard.direct_only")
    link = await sign_in_link(ctx.storage, ctx.settings, ctx.member, now=ctx.now())
    buttons = []
    base = ctx.settings.effective_web_base_url
    if ctx.event.platform == "telegram" and base.startswith("https://"):
        buttons.append(Button(ctx.t("dashboard.open_app"), "dashboard:app", url=f"{base}/telegram"))
    await ctx.reply(
        ctx.t("dashboard.link", link=link, minutes=int(LINK_TTL.total_seconds() // 60)),
        buttons=buttons,
    )


def register(router: Router) -> None:
    router.command("dashboard", "beheer")(dashboard)

"""``/hulp`` and the friendly answer to anything the bot did not understand."""

from __future__ import annotations

from collections.abc import Sequence

from actions.permissions import Permission, allowed
from actions.wording import first_name
from bot.context import Context
from bot.core import Event
from bot.router import Router


def make_help(topics: Sequence[str]):
    """The help handler lists one catalog line per feature, in the order features register."""

    async def show_help(_event: Event, ctx: Context) -> None:
        # Examples name a cell that exists (none: the example goes without one); a cell added
        # by another process may take half a minute to show up here.
        cells = await ctx.storage.networks.cells_recent(ctx.network.id)
        cell = f" #{cells[0].name}" if cells else ""
        lines = [ctx.t("help.intro")] + [ctx.t(f"help.{topic}", cell=cell) for topic in topics]
        links = ctx.platforms.group_links()
        if links and allowed(ctx.member, Permission.GROUP_NEWS):  # who adds the bot to groups
            lines.append(ctx.t("help.add_to_group", links=" ".join(links)))
        await ctx.reply("\n".join(lines))

    return show_help


async def not_understood(_event: Event, ctx: Context) -> None:
    suggestion = ctx.route.name if ctx.route.kind == "fallback" else ""
    if suggestion:  # "/oproepn": the command meant, most likely
        await ctx.reply(ctx.t("help.unknown_command", command=f"/{suggestion}"))
        return
    key = "help.not_understood" if ctx.member.onboarded else "help.not_understood_new"
    await ctx.reply(ctx.t(key))


async def greeted(_event: Event, ctx: Context) -> None:
    """Hello back, by first name, with what to ask (or how to join, for a newcomer)."""
    name = first_name(ctx.member.display_name)
    key = "help.greeting" if ctx.member.onboarded else "help.greeting_new"
    await ctx.reply(ctx.t(key, name=name))


async def chatted(_event: Event, ctx: Context) -> None:
    """Spoken to with something that is no request, question or pledge: a friendly pointer
    to what the bot is for, never a bare "I did not understand"."""
    key = "help.chatter" if ctx.member.onboarded else "help.not_understood_new"
    await ctx.reply(ctx.t(key))


def register(router: Router, topics: Sequence[str]) -> None:
    router.command("hulp", "help", "h")(make_help(topics))
    router.understood("greeting")(greeted)
    router.understood("other")(chatted)
    router.fallback(not_understood)

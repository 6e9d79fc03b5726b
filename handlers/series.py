"""Recurring calls in the chat: ``/reeks`` (``/series``) lists them, ``/reeks pauze N``,
``/reeks hervat N`` and ``/reeks stop N`` pause, resume and end one. A series is started
with ``/oproep`` (``handlers/calls.py`` recognises "elke zaterdag"); one occurrence is
cancelled alone with ``/oproep annuleer N``. Deciding and writing is :mod:`actions.series`."""

from __future__ import annotations

from actions.permissions import Permission, require
from actions.series import end_series, pause_series, resume_series, series_calls
from actions.wording import rule_text, when_text
from bot.context import Context
from bot.core import Event
from bot.errors import NotFound, UserFacingError
from bot.numbers import parse_id
from bot.router import Router

PAUSE_WORDS = ("pauze", "pauzeer", "pause")
RESUME_WORDS = ("hervat", "verder", "resume", "continue")
STOP_WORDS = ("stop", "stoppen", "beëindig", "einde", "end")


def series_ref(text: str) -> int:
    series_id = parse_id(text.strip().lstrip("#").split(" ")[0]) if text.strip() else None
    if series_id is None:
        raise NotFound("series.not_found")
    return series_id


async def series_command(_event: Event, ctx: Context) -> None:
    first, _, rest = ctx.args.strip().partition(" ")
    word = first.casefold()
    if not word:
        await list_series(ctx)
    elif word in PAUSE_WORDS:
        series = await pause_series(ctx, ctx.member, series_ref(rest))
        await ctx.reply(ctx.t("series.paused", id=series.id, title=series.title))
    elif word in RESUME_WORDS:
        series, posted = await resume_series(ctx, ctx.member, series_ref(rest))
        if posted:
            calls = ", ".join(str(p.call.id) for p in posted)
            text = ctx.t.n(
                "series.resumed", len(posted), id=series.id, title=series.title, calls=calls
            )
        else:
            text = ctx.t("series.resumed_none", id=series.id, title=series.title)
        await ctx.reply(text)
    elif word in STOP_WORDS:
        number, _, reason = rest.strip().partition(" ")
        ended = await end_series(ctx, ctx.member, series_ref(number), reason)
        series, t = ended.series, ctx.t
        lines = [t("series.ended", id=series.id, title=series.title)]
        if ended.cancelled:
            calls = ", ".join(str(c.call.id) for c in ended.cancelled)
            lines.append(t.n("series.ended_cancelled", len(ended.cancelled), calls=calls))
        if ended.kept:
            calls = ", ".join(str(c.id) for c in ended.kept)
            lines.append(t.n("series.ended_kept", len(ended.kept), calls=calls))
        await ctx.reply("\n".join(lines))
    else:
        raise UserFacingError("series.usage")


async def list_series(ctx: Context) -> None:
    require(ctx.member, Permission.CALL_STATUS)
    found = await ctx.storage.series.of_network(ctx.network.id)
    if not found:
        await ctx.reply(ctx.t("series.none"))
        return
    t, lines = ctx.t, [ctx.t("series.list_intro")]
    for series in found:
        ahead = await series_calls(ctx, series)
        if ahead:
            call = ahead[0]
            when = when_text(t, call.starts_at, True, tz=ctx.member.timezone, now=ctx.now())
            upcoming = t("series.next_call", id=call.id, when=when)
        else:
            upcoming = t("series.next_none")
        rule = rule_text(t, series.rule, hour=series.hour, minute=series.minute, first=None)
        lines.append(
            t(
                "series.list_line",
                id=series.id,
                title=series.title,
                rule=rule,
                status=t(f"series.status_{series.status.value}"),
                next=upcoming,
            )
        )
    lines.append(t("series.list_hint"))
    await ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    router.command("reeks", "series", "reeksen")(series_command)

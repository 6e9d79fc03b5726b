"""Lesson notes (kennis): members share what they learned; others find it by meaning."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from actions.lessons import add_lessons
from bot.context import Context
from bot.core import Event
from bot.errors import UserFacingError
from bot.numbers import parse_id
from bot.router import Router
from handlers.common import lesson_line, offer_for_changed_plans
from kennis.lessons import readable
from storage.repositories.kennis import NewLesson

if TYPE_CHECKING:
    from kennis.search import LessonMatch

_TAG = re.compile(r"(?<!\w)#(\w[\w-]*)")
_NUMBER = re.compile(r"#?[0-9]+")
TITLE_MAX = 120
TEXT_MAX = 2000


def parse_lesson(text: str) -> NewLesson | None:
    """``titel: tekst #tag #tag`` -> a lesson; None when the title or text is missing."""
    title, sep, body = text.partition(":")
    tags = tuple(dict.fromkeys(t.casefold() for t in _TAG.findall(body)))
    body = " ".join(_TAG.sub("", body).split())
    title = title.strip()
    if not sep or not title or not body:
        return None
    return NewLesson(title=title, text=body, tags=tags)


async def lesson(_event: Event, ctx: Context) -> None:
    """``/les titel: tekst #tags`` adds a note; ``/les 12`` shows note 12."""
    args = ctx.args.strip()
    if _NUMBER.fullmatch(args):
        lesson_id = parse_id(args.lstrip("#"))
        if lesson_id is None:
            raise UserFacingError("lessons.not_found", id=args.lstrip("#"))
        await show(ctx, lesson_id)
        return
    new = parse_lesson(args)
    if new is None:
        raise UserFacingError("lessons.usage")
    if len(new.title) > TITLE_MAX or len(new.text) > TEXT_MAX:
        raise UserFacingError("lessons.too_long", title_max=TITLE_MAX, text_max=TEXT_MAX)
    new = NewLesson(new.title, new.text, new.tags, ctx.member.display_name, ctx.member.id)
    [saved] = await add_lessons(ctx, ctx.member, [new], source="member")
    await ctx.reply(ctx.t("lessons.saved", title=saved.title, id=saved.id))


async def show(ctx: Context, lesson_id: int) -> None:
    found = await ctx.storage.lessons.get(lesson_id)
    if found is None or found.network_id != ctx.network.id:
        raise UserFacingError("lessons.not_found", id=lesson_id)
    title, text, tags = readable(found.title, found.text, found.tags, found.source, ctx.t.language)
    await ctx.reply(
        ctx.t(
            "lessons.show",
            title=title,
            text=text,
            tags=" ".join(f"#{t}" for t in tags),
            author=found.author_name or ctx.t("lessons.shared"),
        )
    )


async def lessons(_event: Event, ctx: Context) -> None:
    """``/lessen vraag`` searches notes by meaning; without a question, the newest titles."""
    query = ctx.args.strip()
    if not query:
        newest = (await ctx.storage.lessons.list(ctx.network.id))[-10:][::-1]
        if not newest:
            await ctx.reply(ctx.t("lessons.none_yet"))
            return
        lines = [ctx.t("lessons.newest")]
        lines += [lesson_line(ctx, x) for x in newest]
        await ctx.reply("\n".join(lines))
        return
    search = ctx.services.search
    if search is None:
        raise UserFacingError("ask.unavailable")
    await reply_found(ctx, query, await search.lessons(query, network_id=ctx.network.id, limit=5))


async def understood_question(_event: Event, ctx: Context) -> None:
    """Words read as a question for the network's lesson notes ("hoe krijg ik mensen naar
    een bijeenkomst?"): the notes that fit, found with the reading's own vector. An
    initiator's words about their own call ("kunnen de kerstpakketten een uur eerder?") read
    like such a question, and are an offer to move it."""
    if await offer_for_changed_plans(ctx):
        return
    response = ctx.route.understood
    found = response.answer.lessons if response.answer is not None else []
    await reply_found(ctx, response.reading.topic, found)


async def reply_found(ctx: Context, query: str, found: Sequence[LessonMatch]) -> None:
    if not found:
        await ctx.reply(ctx.t("lessons.nothing", query=query))
        return
    lines = [ctx.t("lessons.found", query=query)]
    lines += [lesson_line(ctx, m.lesson) for m in found]
    await ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    router.command("les", "lesson", "kennis")(lesson)
    router.command("lessen", "lessons")(lessons)
    router.understood("lesson")(understood_question)

"""Lesson notes: adding them (one in the chat or on a page, many from a CSV file) and
changing one. The search index follows through the change feed."""

from __future__ import annotations

from collections.abc import Sequence

from actions.context import ActionContext
from actions.permissions import Permission, require
from bot.errors import NotFound
from storage.records import Member
from storage.repositories.kennis import Lesson, NewLesson


async def add_lessons(
    ctx: ActionContext, member: Member | None, lessons: Sequence[NewLesson], *, source: str
) -> list[Lesson]:
    """Add notes in the unit of work: any member may write one (``/les``); many at once
    (``source="import"``) is an import, for initiators and operators."""
    if source == "import":
        require(member, Permission.IMPORT)
    return await ctx.storage.lessons.add_many(ctx.network.id, lessons, source=source, now=ctx.now())


async def edit_lesson(
    ctx: ActionContext,
    member: Member | None,
    lesson_id: int,
    *,
    title: str,
    text: str,
    tags: Sequence[str],
) -> Lesson:
    """Rewrite a note of this network: its author may, initiators and admins may any."""
    found = await ctx.storage.lessons.get(lesson_id)
    if found is None or found.network_id != ctx.network.id:
        raise NotFound("lessons.not_found", id=lesson_id)
    if member is None or found.author_id != member.id:
        require(member, Permission.MANAGE_LESSONS)
    changed = await ctx.storage.lessons.update(lesson_id, title=title, text=text, tags=tags)
    if changed is None:
        raise NotFound("lessons.not_found", id=lesson_id)
    return changed

"""Kennis / Lessons: the network's lesson notes; add, edit, and import a CSV (checked whole,
every problem by line, before anything is written)."""

from __future__ import annotations

from aiohttp import web

from bot.errors import ImportRejected
from bot.importer import LESSON_HEADER, problem, read_lessons_csv
from storage.repositories.kennis import NewLesson
from web import writes
from web.pages.common import dashboard_of, form_of, redirect, row_id, text, viewer_of
from web.pages.members import _uploaded_text, readable
from web.render import TRANSLATOR, render

TITLE_MAX, TEXT_MAX = 200, 5000


async def list_lessons(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    lessons = sorted(await d.storage.lessons.list(viewer.network.id), key=lambda x: -x.id)
    return render(request, "lessons.html", lessons=lessons)


async def show(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    lesson = viewer.own(await d.storage.lessons.get(row_id(request.match_info["id"])))
    return render(request, "lesson.html", lesson=lesson)


def _values(request: web.Request) -> tuple[dict[str, str], dict[str, str]]:
    form, t = form_of(request), request[TRANSLATOR]
    values = {
        "title": text(form, "title", TITLE_MAX),
        "text": text(form, "text", TEXT_MAX),
        "tags": text(form, "tags", 300),
    }
    errors = {}
    if not values["title"]:
        errors["title"] = t("web.lessons.error_title")
    if not values["text"]:
        errors["text"] = t("web.lessons.error_text")
    return values, errors


def _tags(value: str) -> tuple[str, ...]:
    return tuple(x.lstrip("#") for x in value.replace(",", " ").replace(";", " ").split())


async def new_form(request: web.Request) -> web.Response:
    return render(
        request,
        "lesson_form.html",
        values={"title": "", "text": "", "tags": ""},
        errors={},
        lesson=None,
    )


async def create(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    values, errors = _values(request)
    if errors:
        return render(
            request, "lesson_form.html", status=400, values=values, errors=errors, lesson=None
        )
    new = NewLesson(
        values["title"],
        values["text"],
        _tags(values["tags"]),
        author_name=viewer.member.display_name,
        author_id=viewer.member.id,
    )
    async with writes.writing(d) as ctx:
        added = await writes.add_lessons(ctx, viewer.member, [new], source="web")
    raise redirect(f"/lessons/{added[0].id}", "lesson_saved")


async def edit_form(request: web.Request) -> web.Response:
    d, viewer = dashboard_of(request), viewer_of(request)
    lesson = viewer.own(await d.storage.lessons.get(row_id(request.match_info["id"])))
    values = {"title": lesson.title, "text": lesson.text, "tags": " ".join(lesson.tags)}
    return render(request, "lesson_form.html", values=values, errors={}, lesson=lesson)


async def edit(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    lesson = viewer.own(await d.storage.lessons.get(row_id(request.match_info["id"])))
    values, errors = _values(request)
    if errors:
        return render(
            request, "lesson_form.html", status=400, values=values, errors=errors, lesson=lesson
        )
    async with writes.writing(d) as ctx:
        await writes.edit_lesson(
            ctx,
            viewer.member,
            lesson.id,
            title=values["title"],
            text=values["text"],
            tags=_tags(values["tags"]),
        )
    raise redirect(f"/lessons/{lesson.id}", "lesson_saved")


async def import_form(request: web.Request) -> web.Response:
    return render(
        request,
        "import.html",
        kind="lessons",
        problems=None,
        preview=None,
        csv_text="",
        header=LESSON_HEADER,
    )


async def import_preview(request: web.Request) -> web.StreamResponse:
    d, viewer = dashboard_of(request), viewer_of(request)
    csv_text = await _uploaded_text(request)
    if not csv_text or not csv_text.strip():
        return render(
            request,
            "import.html",
            status=400,
            kind="lessons",
            problems=[(0, request[TRANSLATOR]("web.import.empty"))],
            preview=None,
            csv_text="",
            header=LESSON_HEADER,
        )
    path = writes.csv_rows_path(d.settings.data_dir / "uploads", csv_text)
    try:
        if "\x00" in csv_text:
            raise ImportRejected([(0, problem("not_utf8"))])
        lessons = read_lessons_csv(path)
    except ImportRejected as exc:
        return render(
            request,
            "import.html",
            status=400,
            kind="lessons",
            problems=readable(exc.problems, request[TRANSLATOR]),
            preview=None,
            csv_text="",
            header=LESSON_HEADER,
        )
    finally:
        path.unlink(missing_ok=True)
    if text(form_of(request), "confirm", 3) != "yes":
        preview = [_Line(i + 2, x) for i, x in enumerate(lessons[:20])]
        return render(
            request,
            "import.html",
            kind="lessons",
            problems=None,
            preview=preview,
            count=len(lessons),
            new=len(lessons),
            csv_text=csv_text,
            header=LESSON_HEADER,
        )
    async with writes.writing(d) as ctx:
        await writes.add_lessons(ctx, viewer.member, lessons, source="import")
    raise redirect("/lessons", "imported")


class _Line:
    """A lesson with the line it came from, for the preview table."""

    def __init__(self, line: int, lesson: NewLesson) -> None:
        self.line = line
        self.title, self.text, self.tags = lesson.title, lesson.text, lesson.tags
        self.author_name = lesson.author_name


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/lessons", list_lessons)
    router.add_get("/lessons/new", new_form)
    router.add_post("/lessons/new", create)
    router.add_get("/lessons/import", import_form)
    router.add_post("/lessons/import", import_preview)
    router.add_get("/lessons/{id}", show)
    router.add_get("/lessons/{id}/edit", edit_form)
    router.add_post("/lessons/{id}/edit", edit)

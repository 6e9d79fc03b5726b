"""Reading member import files: the whole file is checked before anything is stored.

A bad file is refused as a whole with every problem and its line number, so an operator fixes
it once instead of discovering a half-imported network. A problem is a catalog key with its
values (:class:`Problem`): the dashboard shows it in the reader's language, the CLI in English.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.clean import clean_name, clean_text
from bot.errors import ImportRejected
from bot.i18n import Translator
from storage.records import ImportedAccount, MemberImportRow, pending_user_id
from storage.repositories.kennis import NewLesson

MEMBER_HEADER = ("handle", "name", "skills", "about", "cell")
# Optional: how to reach the member. telegram: the numeric user id (reachable at once) or
# @username (linked when that user first writes); matrix: the user id, @anna:example.org.
ACCOUNT_COLUMNS = ("telegram", "matrix")
LESSON_HEADER = ("title", "text", "tags", "author")
_HANDLE = re.compile(r"^@?[A-Za-z0-9_.-]{1,64}$")
_TELEGRAM_ID = re.compile(r"[0-9]{1,15}")  # Telegram user ids fit in 52 bits
_TELEGRAM_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{2,31})")
_MATRIX_ID = re.compile(r"@[a-z0-9._=/+\-]+:[A-Za-z0-9.\-]+(?::[0-9]{1,5})?", re.IGNORECASE)
MAX_ROWS = 200_000
NAME_MAX, SKILL_MAX, ABOUT_MAX, CELL_MAX = 200, 200, 2000, 100
TITLE_MAX, TEXT_MAX = 200, 5000


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: ``import.problem.<key>`` in the catalogs, with its values."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, t: Translator) -> str:
        return t(f"import.problem.{self.key}", **self.values)

    def __str__(self) -> str:
        return self.text(Translator("en"))


def problem(key: str, **values: object) -> Problem:
    return Problem(key, values)


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; encoding and CSV syntax errors become problems."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ImportRejected([(0, problem("no_file", path=str(path)))]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRejected([(0, problem("not_utf8_because", reason=exc.reason))]) from exc
    reader = csv.DictReader(text.splitlines(), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportRejected([(reader.line_num, problem("csv_syntax", error=str(exc)))]) from exc
    return list(reader.fieldnames or []), rows


def read_members_csv(path: Path) -> list[MemberImportRow]:
    header, rows = read_csv(path)
    missing = [c for c in MEMBER_HEADER if c not in header]
    if missing:
        raise ImportRejected(
            [(1, problem("header", header=",".join(MEMBER_HEADER), missing=", ".join(missing)))]
        )
    problems: list[tuple[int, Problem]] = []
    seen: dict[str, int] = {}
    result: list[MemberImportRow] = []
    if len(rows) > MAX_ROWS:
        raise ImportRejected([(0, problem("too_many_rows", max=MAX_ROWS))])
    accounts_seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        if None in row:
            problems.append((line, problem("extra_fields")))
            continue
        values = {
            k: clean_text(row.get(k) or "").strip() for k in (*MEMBER_HEADER, *ACCOUNT_COLUMNS)
        }
        values["name"] = clean_name(values["name"])
        values["cell"] = clean_name(values["cell"])
        accounts = []
        for column in ACCOUNT_COLUMNS:
            if not values[column]:
                continue
            account = read_account(column, values[column])
            if account is None:
                problems.append((line, problem(f"{column}_bad", value=values[column])))
                continue
            key = (account.platform, account.platform_user_id.casefold())
            if key in accounts_seen:
                first = accounts_seen[key]
                problems.append(
                    (line, problem("account_twice", column=column, label=account.label, line=first))
                )
            accounts_seen.setdefault(key, line)
            accounts.append(account)
        handle = values["handle"].lstrip("@")
        if not values["handle"]:
            problems.append((line, problem("handle_empty")))
        elif not _HANDLE.match(values["handle"]):
            problems.append((line, problem("handle_chars", handle=values["handle"])))
        elif handle.lower() in seen:
            first = seen[handle.lower()]
            problems.append((line, problem("handle_twice", handle=handle, line=first)))
        else:
            seen[handle.lower()] = line
        if not values["name"]:
            problems.append((line, problem("name_empty")))
        elif len(values["name"]) > NAME_MAX:
            problems.append((line, problem("name_long", max=NAME_MAX)))
        skills = tuple(s.strip() for s in values["skills"].split(";") if s.strip())
        if any(len(s) > SKILL_MAX for s in skills):
            problems.append((line, problem("skill_long", max=SKILL_MAX)))
        if len(values["about"]) > ABOUT_MAX:
            problems.append((line, problem("about_long", max=ABOUT_MAX)))
        if len(values["cell"]) > CELL_MAX:
            problems.append((line, problem("cell_long", max=CELL_MAX)))
        result.append(
            MemberImportRow(
                line,
                handle,
                values["name"],
                skills,
                values["about"],
                values["cell"],
                tuple(accounts),
            )
        )
    if problems:
        raise ImportRejected(problems)
    if not result:
        raise ImportRejected([(1, problem("no_members"))])
    return result


def read_account(column: str, value: str) -> ImportedAccount | None:
    """The account an import column names; None when the value is not one."""
    if column == "telegram":
        if _TELEGRAM_ID.fullmatch(value) and int(value) > 0:
            # A person's private chat with a bot has their user id: reachable at once.
            return ImportedAccount("telegram", value, direct_chat_id=value)
        if match := _TELEGRAM_USERNAME.fullmatch(value):
            username = match.group(1)
            return ImportedAccount("telegram", pending_user_id(username), username=username)
        return None
    if column == "matrix" and _MATRIX_ID.fullmatch(value):
        return ImportedAccount("matrix", value)
    return None


def is_lessons_csv(path: Path) -> bool:
    """A file whose header has the lesson columns (and no member handle) holds lessons."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return False
    return "title" in header and "text" in header and "handle" not in header


def read_lessons_csv(path: Path) -> list[NewLesson]:
    header, rows = read_csv(path)
    missing = [c for c in LESSON_HEADER if c not in header]
    if missing:
        raise ImportRejected(
            [(1, problem("header", header=",".join(LESSON_HEADER), missing=", ".join(missing)))]
        )
    problems: list[tuple[int, Problem]] = []
    lessons: list[NewLesson] = []
    for line, row in rows:
        if None in row:
            problems.append((line, problem("extra_fields")))
            continue
        title, text = (row.get("title") or "").strip(), (row.get("text") or "").strip()
        if not title:
            problems.append((line, problem("title_empty")))
        elif len(title) > TITLE_MAX:
            problems.append((line, problem("title_long", max=TITLE_MAX)))
        if not text:
            problems.append((line, problem("text_empty")))
        elif len(text) > TEXT_MAX:
            problems.append((line, problem("text_long", max=TEXT_MAX)))
        tags = tuple(t.lstrip("#") for t in (row.get("tags") or "").replace(";", " ").split())
        lessons.append(NewLesson(title, text, tags, (row.get("author") or "").strip()))
    if problems:
        raise ImportRejected(problems)
    if not lessons:
        raise ImportRejected([(1, problem("no_lessons"))])
    return lessons

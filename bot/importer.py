"""Reading member import files: the whole file is checked before anything is stored.

A bad file is refused as a whole with every problem and its line number, so an operator fixes
it once instead of discovering a half-imported network.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from bot.clean import clean_name, clean_text
from bot.errors import ImportRejected
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


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; encoding and CSV syntax errors become problems."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ImportRejected([(0, f"file {path} does not exist")]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRejected([(0, f"file is not UTF-8 text ({exc.reason})")]) from exc
    reader = csv.DictReader(text.splitlines(), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportRejected([(reader.line_num, f"CSV syntax: {exc}")]) from exc
    return list(reader.fieldnames or []), rows


def read_members_csv(path: Path) -> list[MemberImportRow]:
    header, rows = read_csv(path)
    missing = [c for c in MEMBER_HEADER if c not in header]
    if missing:
        raise ImportRejected(
            [(1, f"header must be {','.join(MEMBER_HEADER)}; missing: {', '.join(missing)}")]
        )
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    result: list[MemberImportRow] = []
    if len(rows) > MAX_ROWS:
        raise ImportRejected([(0, f"more than {MAX_ROWS} rows; split the file")])
    accounts_seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        if None in row:
            problems.append((line, "more fields than the header has"))
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
                problems.append((line, ACCOUNT_HELP[column].format(value=values[column])))
                continue
            key = (account.platform, account.platform_user_id.casefold())
            if key in accounts_seen:
                problems.append(
                    (line, f"{column} {account.label} also on line {accounts_seen[key]}")
                )
            accounts_seen.setdefault(key, line)
            accounts.append(account)
        handle = values["handle"].lstrip("@")
        if not values["handle"]:
            problems.append((line, "handle is empty"))
        elif not _HANDLE.match(values["handle"]):
            problems.append(
                (line, f"handle {values['handle']!r} may only hold letters, digits, _ . -")
            )
        elif handle.lower() in seen:
            problems.append((line, f"handle {handle!r} also on line {seen[handle.lower()]}"))
        else:
            seen[handle.lower()] = line
        if not values["name"]:
            problems.append((line, "name is empty"))
        elif len(values["name"]) > 200:
            problems.append((line, "name is longer than 200 characters"))
        skills = tuple(s.strip() for s in values["skills"].split(";") if s.strip())
        if any(len(s) > 200 for s in skills):
            problems.append((line, "a skill is longer than 200 characters"))
        if len(values["about"]) > 2000:
            problems.append((line, "about is longer than 2000 characters"))
        if len(values["cell"]) > 100:
            problems.append((line, "cell is longer than 100 characters"))
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
        raise ImportRejected([(1, "the file has a header but no members")])
    return result


ACCOUNT_HELP = {
    "telegram": "telegram {value!r} is neither a numeric user id nor an @username",
    "matrix": "matrix {value!r} is not a Matrix user id like @anna:example.org",
}


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
            [(1, f"header must be {','.join(LESSON_HEADER)}; missing: {', '.join(missing)}")]
        )
    problems: list[tuple[int, str]] = []
    lessons: list[NewLesson] = []
    for line, row in rows:
        if None in row:
            problems.append((line, "more fields than the header has"))
            continue
        title, text = (row.get("title") or "").strip(), (row.get("text") or "").strip()
        if not title:
            problems.append((line, "title is empty"))
        elif len(title) > 200:
            problems.append((line, "title is longer than 200 characters"))
        if not text:
            problems.append((line, "text is empty"))
        elif len(text) > 5000:
            problems.append((line, "text is longer than 5000 characters"))
        tags = tuple(t.lstrip("#") for t in (row.get("tags") or "").replace(";", " ").split())
        lessons.append(NewLesson(title, text, tags, (row.get("author") or "").strip()))
    if problems:
        raise ImportRejected(problems)
    if not lessons:
        raise ImportRejected([(1, "the file has a header but no lessons")])
    return lessons

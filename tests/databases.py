"""Fresh databases for tests, on SQLite and on PostgreSQL.

SQLite: a file in the test's temporary directory. PostgreSQL (``VONK_TEST_POSTGRES_URL``,
which ``scripts/test.sh`` sets after starting a throw-away server): a database of its own
per test, copied from a template that was migrated once per session, so a test pays for a
``CREATE DATABASE … TEMPLATE`` (tens of milliseconds) instead of running every migration.
Each database is dropped after its test.

``VONK_TEST_BACKEND=postgres`` runs every test that uses the ``settings`` or ``db_url``
fixtures on PostgreSQL (a full check); by default only the tests marked ``both_databases``
run twice, on SQLite and on PostgreSQL. ``VONK_TEST_POSTGRES_REQUIRED=1`` (set by
``scripts/test.sh``) turns a missing server into a failure instead of a skip.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from storage import Database

POSTGRES_URL = os.environ.get("VONK_TEST_POSTGRES_URL", "")
DEFAULT_BACKEND = os.environ.get("VONK_TEST_BACKEND", "sqlite")
REQUIRED = os.environ.get("VONK_TEST_POSTGRES_REQUIRED", "") == "1"
BACKENDS = ("sqlite", "postgres")

_names = itertools.count(1)
_template: str | None = None


def sqlite_url(directory: Path, name: str = "vonk.db") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


def _dsn(url: str, database: str | None = None) -> str:
    """The asyncpg DSN of a SQLAlchemy URL, optionally for another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_dsn(POSTGRES_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _ensure_template() -> str:
    """A database migrated to head, made once per test session (per process)."""
    global _template
    if _template is None:  # tests run one at a time: no lock needed
        name = f"vonk_tpl_{os.getpid()}"
        await _admin(f'DROP DATABASE IF EXISTS "{name}"')
        await _admin(f'CREATE DATABASE "{name}"')
        db = Database(with_database(POSTGRES_URL, name))
        try:
            await db.upgrade()
        finally:
            await db.close()  # a template must have no connections while it is copied
        _template = name
    return _template


async def create_postgres_database(*, migrated: bool = True) -> str:
    """A new, empty (or migrated) database on the test server; returns its SQLAlchemy URL."""
    name = f"vonk_t_{os.getpid()}_{next(_names)}"
    if migrated:
        template = await _ensure_template()
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    else:
        await _admin(f'CREATE DATABASE "{name}"')
    return with_database(POSTGRES_URL, name)


async def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_template() -> None:
    """At the end of the session (no event loop runs then)."""
    if _template is not None and POSTGRES_URL:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)'))

"""``vonk backup`` and ``vonk restore``: one file holds the whole database, for either backend.

SQLite: SQLite's online backup API copies a consistent snapshot page by page, also while
``vonk run`` writes (WAL included), which a plain file copy does not guarantee. Restoring uses
the same API in the other direction, so a live WAL file next to the target cannot leave a
half-old database behind. PostgreSQL: the PostgreSQL tools themselves, ``pg_dump`` in custom
format and ``pg_restore --clean``, which every PostgreSQL operator already knows; they must be
installed (Debian: ``postgresql-client``, of a version at least the server's).

A restore refuses to overwrite a database that holds data unless forced: restoring over the
wrong database is the one mistake a backup tool must make hard.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select, table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

#: Tables that exist in a freshly migrated, never used database.
BOOKKEEPING_TABLES = frozenset({"alembic_version"})


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """The database of a SQLAlchemy URL, as the backup tools need it."""

    url: URL

    @classmethod
    def parse(cls, url: str) -> Target:
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise BackupError(f"backups support SQLite and PostgreSQL, not {parsed.drivername}")
        return cls(parsed)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        database = self.url.database
        if not database or database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up or restored")
        return Path(database).expanduser()

    def libpq(self) -> tuple[str, dict[str, str]]:
        """A ``postgresql://`` URL for pg_dump/pg_restore (without the password, which goes
        in PGPASSWORD so it never shows in the process list) and the environment to use."""
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        plain = self.url.set(drivername="postgresql", password=None)
        return plain.render_as_string(hide_password=False), env


def backup(url: str, file: Path) -> str:
    """Write the whole database to ``file`` (replaced atomically); returns a summary line."""
    target = Target.parse(url)
    file = file.expanduser()
    file.parent.mkdir(parents=True, exist_ok=True)
    if target.is_sqlite:
        source = target.sqlite_path
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        _replace_atomically(file, lambda tmp: _sqlite_copy(source, tmp))
        return f"Backed up {source} to {file} ({file.stat().st_size} bytes)."
    pg_dump = _tool("pg_dump")
    dsn, env = target.libpq()
    _replace_atomically(
        file,
        lambda tmp: _run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", f"--dbname={dsn}"], env
        ),
    )
    return f"Backed up PostgreSQL database {target.url.database} to {file}."


def restore(url: str, file: Path, *, force: bool = False) -> str:
    """Put the backup in ``file`` back into the database; refuses to overwrite data unless
    ``force``. Stop Vonk first: a running bot would keep writing to what is being replaced."""
    target = Target.parse(url)
    file = file.expanduser()
    if not file.is_file():
        raise BackupError(f"there is no backup file at {file}")
    if target.is_sqlite:
        _check_sqlite_backup(file)
        path = target.sqlite_path
        if path.exists() and not force and has_data_sync(url):
            raise _not_empty(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(file, path)
        return f"Restored {path} from {file}."
    pg_restore = _tool("pg_restore")
    if not force and has_data_sync(url):
        raise _not_empty(f"PostgreSQL database {target.url.database}")
    dsn, env = target.libpq()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={dsn}",
            str(file),
        ],
        env,
    )
    return f"Restored PostgreSQL database {target.url.database} from {file}."


async def has_data(url: str) -> bool:
    """True when any table besides the migration bookkeeping has a row."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def tables(sync_conn: object) -> list[str]:
                return inspect(sync_conn).get_table_names()

            for name in await conn.run_sync(tables):
                if name in BOOKKEEPING_TABLES:
                    continue
                if (await conn.execute(select(1).select_from(table(name)).limit(1))).first():
                    return True
        return False
    finally:
        await engine.dispose()


def has_data_sync(url: str) -> bool:
    return asyncio.run(has_data(url))


# -- helpers ----------------------------------------------------------------------------------
def _not_empty(what: str) -> BackupError:
    return BackupError(
        f"{what} already holds data; restoring would replace it. Make a backup of it first "
        "(vonk backup), stop Vonk, then run the restore again with --force."
    )


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy one SQLite database into another with the online backup API (a consistent
    snapshot even while the source is being written)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check_sqlite_backup(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not a SQLite backup: {exc}") from exc
    if "alembic_version" not in names:
        raise BackupError(f"{file} is a SQLite file but not a Vonk database")


def _replace_atomically(file: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``file`` and rename it into place, so an interrupted
    backup never leaves a truncated file where the previous good one was."""
    fd, name = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # pg_dump and sqlite3 create it themselves
    try:
        write(tmp)
        os.replace(tmp, file)
    finally:
        tmp.unlink(missing_ok=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; it comes with the PostgreSQL client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client), and must be at least the "
            "server's version. In Docker Compose, run it in the database container instead: "
            "see docs/deploy.md."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

"""A throw-away PostgreSQL for the benchmarks, through ``scripts/pg_temp.sh`` (the same one
``scripts/test.sh`` starts for the tests: 127.0.0.1, a free port, fsync off)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_temp.sh"


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a server, yield its ``postgresql+asyncpg://`` URL, stop and remove it after."""
    out = subprocess.run([str(SCRIPT), "start"], check=True, capture_output=True, text=True).stdout
    values = dict(line.split("=", 1) for line in out.split())
    try:
        yield values["PG_TEMP_URL"]
    finally:
        subprocess.run([str(SCRIPT), "stop", values["PG_TEMP_DIR"]], check=False)

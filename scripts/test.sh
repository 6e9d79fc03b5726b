#!/usr/bin/env bash
# The test command: sets up .venv, lints and type-checks, installs what the browser tests need
# when missing (Debian's Chromium, axe-core from npm: scripts/browser_deps.sh), starts a
# throw-away PostgreSQL, and runs the whole suite (the tests marked both_databases run on SQLite
# and on PostgreSQL; the browser tests are required here, never skipped).
# pytest's own exit code is kept, so a run that collects no tests (exit 5) fails.
# PostgreSQL is required: if it cannot be installed or started, the run fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy
./scripts/browser_deps.sh || { echo "test.sh: the browser tests' Chromium or axe-core is missing" >&2; exit 1; }

pg_env=$(./scripts/pg_temp.sh start) || { echo "test.sh: could not start PostgreSQL" >&2; exit 1; }
eval "$pg_env"
trap './scripts/pg_temp.sh stop "$PG_TEMP_DIR"' EXIT
export PG_TEMP_URL VONK_TEST_POSTGRES_URL="$PG_TEMP_URL" VONK_TEST_POSTGRES_REQUIRED=1
export VONK_TEST_BROWSER_REQUIRED=1
status=0
.venv/bin/python -m pytest "$@" || status=$?
exit "$status"

#!/usr/bin/env bash
# The test command: sets up .venv, lints, and runs the whole suite.
# pytest's own exit code is kept, so a run that collects no tests (exit 5) fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"

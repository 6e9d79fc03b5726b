#!/usr/bin/env bash
# Creates .venv with CPU-only PyTorch and Vonk (editable, with its test tools).
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip
# Pinned first and on its own: sentence-transformers would otherwise pull a CUDA build (GBs).
"${pip[@]}" "torch==2.13.0"
"${pip[@]}" -e ".[dev]"

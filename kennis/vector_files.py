"""Vectors of the fixed texts (the knowledge file, the intent examples) kept in files between
runs and databases.

A fresh database would otherwise embed the same few thousand bundled sentences again (tens of
seconds on a small machine, at every first start and in every test). They depend only on the
model and the texts, so a file named by both is valid wherever it is read; a changed text or
model simply gives another name. Writes are atomic (a temporary file renamed into place), so
processes starting together never read half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def file_for(directory: Path, model: str, what: str, digest: str) -> Path:
    safe = hashlib.sha256(model.encode()).hexdigest()[:16]
    return directory / f"{what}-{safe}-{digest[:24]}.npy"


def load(
    directory: Path | None, model: str, what: str, digest: str, rows: int
) -> np.ndarray | None:
    """The stored matrix, or None when there is none (or it does not fit: recomputed)."""
    if directory is None:
        return None
    path = file_for(directory, model, what, digest)
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if matrix.ndim != 2 or len(matrix) != rows or matrix.dtype != np.float32:
        return None
    return np.ascontiguousarray(matrix)


def save(directory: Path | None, model: str, what: str, digest: str, matrix: np.ndarray) -> None:
    """Keep the matrix for the next run; a directory that cannot be written is no failure."""
    if directory is None:
        return
    path = file_for(directory, model, what, digest)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.save(out, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
        os.replace(temporary, path)
    except OSError as exc:
        log.info("could not keep reference vectors in %s: %s", directory, exc)
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)

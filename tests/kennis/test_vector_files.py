"""Reference vectors kept in files: reused by any database, ignored when they do not fit,
and never a reason to fail."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kennis import vector_files


def test_kept_and_found_again(tmp_path: Path) -> None:
    matrix = np.random.default_rng(1).random((5, 3), dtype=np.float32)
    vector_files.save(tmp_path, "e5-small-q4-sym", "knowledge", "abc123", matrix)
    found = vector_files.load(tmp_path, "e5-small-q4-sym", "knowledge", "abc123", rows=5)
    assert found is not None and np.array_equal(found, matrix)
    # another model, other texts, or another count: not this file
    assert vector_files.load(tmp_path, "use", "knowledge", "abc123", rows=5) is None
    assert vector_files.load(tmp_path, "e5-small-q4-sym", "knowledge", "def456", rows=5) is None
    assert vector_files.load(tmp_path, "e5-small-q4-sym", "knowledge", "abc123", rows=6) is None
    assert not list(tmp_path.glob("*.tmp")), "no half-written files left"


def test_a_broken_or_unwritable_place_is_no_failure(tmp_path: Path) -> None:
    path = vector_files.file_for(tmp_path, "use", "intents", "x1")
    path.write_bytes(b"not a numpy file")
    assert vector_files.load(tmp_path, "use", "intents", "x1", rows=2) is None
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    vector_files.save(blocked, "use", "intents", "x1", np.zeros((2, 2), np.float32))
    assert vector_files.load(None, "use", "intents", "x1", rows=2) is None

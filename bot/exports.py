"""Files the bot writes for people: data exports (and the clean-up of them and of charts).

Shared by ``/mijngegevens`` and ``vonk export``, and by forgetting: an export file on disk is
the member's data too, so it is named after the member id and removed with them.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

EXPORT_FORMAT = 1


def exports_dir(data_dir: Path) -> Path:
    return data_dir / "exports"


def charts_dir(data_dir: Path) -> Path:
    return data_dir / "charts"


def export_document(
    tables: dict[str, list[dict[str, Any]]], *, network: str, handle: str, now: datetime
) -> dict[str, Any]:
    """The JSON a member receives: every table, with the rows that are theirs."""
    return {
        "format": EXPORT_FORMAT,
        "network": network,
        "member": handle,
        "exported_at": now.isoformat(),
        "tables": tables,
    }


def write_export(data_dir: Path, member_id: int, document: dict[str, Any]) -> Path:
    """Write an export; the random token keeps the file name unguessable."""
    folder = exports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"member-{member_id}-{secrets.token_hex(8)}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def remove_exports(data_dir: Path, member_id: int) -> int:
    removed = 0
    for path in exports_dir(data_dir).glob(f"member-{member_id}-*.json"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def prune_files(folder: Path, older_than: timedelta, *, now: float | None = None) -> int:
    """Delete files in ``folder`` last written more than ``older_than`` ago (file time is real
    time, not the bot's clock: these are files on this machine's disk)."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - older_than.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed

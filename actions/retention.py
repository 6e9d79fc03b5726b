"""Old technical traces pruned daily: handled events, sent or failed outbox messages older
than the retention period (``VONK_RETENTION_DAYS``), dead workers, and export files and charts
older than a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.exports import charts_dir, exports_dir, prune_files
from storage import Storage

EXPORT_KEEP = timedelta(days=1)  # export files and charts are sent at once, then not needed


@dataclass(frozen=True)
class Pruned:
    inbox: int
    outbox: int
    files: int


async def prune_retention(storage: Storage, clock: Clock, settings: Settings) -> Pruned:
    before = clock.now() - timedelta(days=settings.retention_days)
    events = await storage.privacy.prune_inbox(before)
    outbox = await storage.privacy.prune_outbox(before)
    await storage.workers.prune(clock.now() - timedelta(days=1))
    files = prune_files(exports_dir(settings.data_dir), EXPORT_KEEP)
    files += prune_files(charts_dir(settings.data_dir), EXPORT_KEEP)
    return Pruned(events, outbox, files)

"""Telegram, through python-telegram-bot. The only package that imports ``telegram``.

Modules: ``adapter`` (lifecycle, receiving, sending), ``polling`` (long polling that confirms
an update only after it was handled), ``incoming`` and ``addressing`` (updates → neutral events),
``render`` (escaping, splitting, keyboards), ``failures`` (errors → delivery errors),
``commands`` (the "/" menu).
"""

import importlib.util
import sys

# httpcore (under python-telegram-bot's httpx) tries ``import sniffio`` for every lock,
# semaphore and event it makes, several per request; without sniffio installed, each try
# searches sys.path again (~40 µs, over 1 ms per answered message). Marked absent, the failed
# import is instant and httpcore assumes asyncio, as it did anyway.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

from bot.adapters.telegram.adapter import TelegramAdapter, file_url_for

__all__ = ["TelegramAdapter", "file_url_for"]

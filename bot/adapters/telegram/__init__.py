"""Telegram, through python-telegram-bot. The only package that imports ``telegram``.

Modules: ``adapter`` (lifecycle, receiving, sending), ``polling`` (long polling that confirms
an update only after it was handled), ``incoming`` and ``addressing`` (updates → neutral events),
``render`` (escaping, splitting, keyboards), ``failures`` (errors → delivery errors),
``commands`` (the "/" menu).
"""

from bot.adapters.telegram.adapter import TelegramAdapter, file_url_for

__all__ = ["TelegramAdapter", "file_url_for"]

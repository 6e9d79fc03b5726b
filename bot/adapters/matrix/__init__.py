"""Vonk on Matrix (matrix-nio). Only this package imports ``nio``.

``MatrixAdapter`` is the public name; the modules beside it are its parts: ``session``
(settings, login), ``sync`` (the loop and the saved token), ``incoming`` and ``addressing``
(events in), ``render``, ``buttons`` and ``media`` (replies out), ``rooms`` (direct rooms) and
``failures`` (errors and back-off).
"""

from bot.adapters.matrix.adapter import MatrixAdapter

__all__ = ["MatrixAdapter"]

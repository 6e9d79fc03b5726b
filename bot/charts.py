"""Charts as PNG files, drawn without a display: pledges per week, activity per cell.

matplotlib is heavy and only needed when someone asks for /impact or /netwerk, so it is
imported when the first chart is drawn. The figure is built with the object API on the Agg
canvas (no pyplot, no global state), so charts drawn in worker threads do not interfere.
Labels arrive already translated: this module knows nothing of languages.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import VonkError

SIZE_INCHES = (8.0, 4.5)
DPI = 100  # 800 x 450 pixels: readable on a phone, small to send
SPARK = "#e8702a"  # Vonk orange
EMBER = "#9aa5b1"  # the previous period, quieter


class ChartsUnavailable(VonkError):
    """matplotlib is not installed."""


def _figure() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ChartsUnavailable(
            "charts need matplotlib: pip install 'matplotlib>=3.7' (it is in vonk's dependencies)"
        ) from exc
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> Path:
    """Write atomically: a half-written PNG is never sent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    figure.savefig(partial, format="png", dpi=DPI)
    os.replace(partial, path)
    return path


def draw_weekly(
    path: Path, labels: Sequence[str], values: Sequence[int], *, title: str, ylabel: str
) -> Path:
    """One bar per week, the newest on the right."""
    figure = _figure()
    ax = figure.add_subplot()
    ax.bar(range(len(values)), values, color=SPARK)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max([1, *values]) * 1.15)  # counts start at zero, also in a quiet month
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _save(figure, path)


def draw_comparison(
    path: Path,
    labels: Sequence[str],
    now: Sequence[float],
    before: Sequence[float],
    *,
    title: str,
    now_label: str,
    before_label: str,
) -> Path:
    """Paired bars per label: this period against the previous one."""
    figure = _figure()
    ax = figure.add_subplot()
    xs = range(len(labels))
    width = 0.38
    ax.bar([x - width / 2 for x in xs], before, width, label=before_label, color=EMBER)
    ax.bar([x + width / 2 for x in xs], now, width, label=now_label, color=SPARK)
    ax.set_xticks(list(xs), labels)
    ax.set_title(title)
    ax.set_ylim(0, max([1, *now, *before]) * 1.3)  # headroom, so the legend covers no bar
    ax.legend(frameon=False, loc="upper right", ncols=2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _save(figure, path)


async def in_thread(draw: Any, *args: Any, **kwargs: Any) -> Path:
    """Draw off the event loop: rendering takes a noticeable fraction of a second."""
    return await asyncio.to_thread(draw, *args, **kwargs)

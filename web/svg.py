"""Charts as SVG, drawn by hand: no library, no script, readable at a glance on a phone and
in print. Each chart carries a title and a description for screen readers; the page shows the
same numbers in a table."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Drawn at about a phone's width, so 11px labels stay 10-11px on a phone (and grow with the
# chart, up to its CSS max-width, on a larger screen).
WIDTH, HEIGHT = 400, 220
PAD_LEFT, PAD_RIGHT, PAD_BOTTOM, PAD_TOP = 40, 16, 40, 12
CHAR = 6.2  # the axis font's average character width, in viewBox units


def _every(labels: Sequence[str], slot: float) -> int:
    """Label every n-th slot, so the labels never overlap."""
    widest = max((len(x) for x in labels), default=0) * CHAR + 6
    return max(1, -(-int(widest) // max(int(slot), 1)))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return value * 1.1


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    description: str,
    second: Sequence[float] | None = None,
    second_label: str = "",
    first_label: str = "",
    key: str = "chart",
) -> str:
    """Vertical bars (optionally a lighter second series beside them). ``key`` keeps the
    ids of several charts on one page apart."""
    top = _nice_max(max([*values, *(second or []), 0]))
    count = max(len(values), 1)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / count
    bar = slot * (0.38 if second else 0.64)
    every = _every(labels, slot)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{key}-title {key}-desc" class="chart">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
    ]
    for k in range(5):
        y = PAD_TOP + plot_h * (1 - k / 4)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/>'
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_short(top * k / 4)}</text>"
        )
    for i, value in enumerate(values):
        x = PAD_LEFT + slot * i + (slot - bar * (2 if second else 1)) / 2
        h = plot_h * value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" class="bar"><title>{escape(labels[i])}: '
            f"{_short(value)}</title></rect>"
        )
        if second:
            h2 = plot_h * second[i] / top
            parts.append(
                f'<rect x="{x + bar:.1f}" y="{PAD_TOP + plot_h - h2:.1f}" width="{bar:.1f}" '
                f'height="{h2:.1f}" class="bar second"><title>{escape(labels[i])}: '
                f"{_short(second[i])}</title></rect>"
            )
        if (count - 1 - i) % every == 0:  # the latest month always has its label
            parts.append(
                f'<text x="{PAD_LEFT + slot * i + slot / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 18}" '
                f'class="axis" text-anchor="middle">{escape(labels[i])}</text>'
            )
    if second:
        x2 = PAD_LEFT + 14 + len(first_label) * CHAR + 16
        parts.append(
            f'<rect x="{PAD_LEFT}" y="{HEIGHT - 13}" width="10" height="10" class="bar"/>'
            f'<text x="{PAD_LEFT + 14}" y="{HEIGHT - 4}" class="axis">'
            f"{escape(first_label)}</text>"
            f'<rect x="{x2:.1f}" y="{HEIGHT - 13}" width="10" height="10" '
            f'class="bar second"/><text x="{x2 + 14:.1f}" y="{HEIGHT - 4}" class="axis">'
            f"{escape(second_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    description: str,
    percent: bool = False,
    key: str = "line",
) -> str:
    """A line over time (gaps where there is no value), e.g. the initiator's share."""
    top = 1.0 if percent else _nice_max(max([v for v in values if v is not None] or [0]))
    count = max(len(values) - 1, 1)
    # Room on the right for the last month's label, centred on its point.
    right = PAD_RIGHT + max((len(x) for x in labels[-1:]), default=0) * CHAR / 2
    plot_w, plot_h = WIDTH - PAD_LEFT - right, HEIGHT - PAD_BOTTOM - PAD_TOP
    every = _every(labels, plot_w / count)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{key}-title {key}-desc" class="chart">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
    ]
    for k in range(5):
        y = PAD_TOP + plot_h * (1 - k / 4)
        mark = f"{round(100 * k / 4)}%" if percent else _short(top * k / 4)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{PAD_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" class="axis" '
            f'text-anchor="end">{mark}</text>'
        )
    points: list[str] = []
    for i, value in enumerate(values):
        x = PAD_LEFT + plot_w * i / count
        if (len(values) - 1 - i) % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 18}" class="axis" '
                f'text-anchor="middle">{escape(labels[i])}</text>'
            )
        if value is None:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" class="line"/>')
            points = []
            continue
        y = PAD_TOP + plot_h * (1 - value / top)
        points.append(f"{x:.1f},{y:.1f}")
        shown = f"{round(100 * value)}%" if percent else _short(value)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot">'
            f"<title>{escape(labels[i])}: {shown}</title></circle>"
        )
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

"""Server-side SVG bar charts: horizontal bars, one per label, drawn without any library.

Horizontal because labels (sectors, village names) are long and read best on the left. The chart
is an image with an accessible name (`role="img"`, `aria-label` and `<title>`); the page puts the
same figures in a table beneath it, which is what a screen reader reads. `layout()` holds the
geometry (plain numbers, unit-tested); `bar_chart()` only writes it out as SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 520  # drawn at about this many CSS pixels in a half-width card at 1280 wide
LABEL_WIDTH = 190  # left column for the labels
VALUE_WIDTH = 64  # right of the longest bar, for its value
BAR_HEIGHT = 20
GAP = 8
PAD = 6
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH - PAD
CHAR_WIDTH = 6.8  # average width of a 12px system-ui character, for label truncation
MAX_LABEL_CHARS = int((LABEL_WIDTH - PAD * 2) / CHAR_WIDTH)
EMPTY_HEIGHT = 40
#: Bar colours by tone (the console's palette; contrast >= 4.5:1 against white).
TONES = {"": "#0b5c8e", "ok": "#1f7a3a", "warn": "#9a6200", "bad": "#b3261e"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str | None = None  # the value as the page shows it (e.g. "45,0 %"); default: value
    tone: str = ""


@dataclass(frozen=True)
class PlacedBar:
    """A bar with its geometry in SVG units."""

    label: str  # possibly shortened to fit the label column
    full_label: str
    shown: str
    tone: str
    y: float
    length: float


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """The label cut to `limit` characters with an ellipsis (the full one goes in a tooltip)."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def layout(bars: Sequence[Bar], max_value: float | None = None) -> tuple[list[PlacedBar], float]:
    """Bars placed top to bottom, lengths proportional to value / scale; and the chart height.

    The scale is `max_value` when given (e.g. 100 for percentages), else the largest value; all
    zero gives zero-length bars (no division by zero). Negative or non-finite values are
    refused: every figure the dashboard draws is a count, a duration or a share.
    """
    for bar in bars:
        if not math.isfinite(bar.value) or bar.value < 0:
            raise ValueError(f"bar {bar.label!r}: value must be a finite number >= 0")
    if max_value is not None and (not math.isfinite(max_value) or max_value <= 0):
        raise ValueError("max_value must be a finite number > 0")
    scale = max_value if max_value is not None else max((b.value for b in bars), default=0)
    placed = []
    for index, bar in enumerate(bars):
        length = PLOT_WIDTH * min(bar.value, scale) / scale if scale else 0.0
        placed.append(PlacedBar(shorten(bar.label), bar.label,
                                bar.shown if bar.shown is not None else _shown(bar.value),
                                bar.tone, PAD + index * (BAR_HEIGHT + GAP), round(length, 2)))
    height = PAD * 2 + len(bars) * (BAR_HEIGHT + GAP) - (GAP if bars else 0)
    return placed, height if bars else EMPTY_HEIGHT


def bar_chart(title: str, bars: Sequence[Bar], *, empty_text: str,
              max_value: float | None = None, description: str = "") -> Markup:
    """The chart as inline SVG markup (every text escaped)."""
    placed, height = layout(bars, max_value)
    out = [f'<svg class="chart" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>"]
    if description:
        out.append(f"<desc>{escape(description)}</desc>")
    if not placed:
        out.append(f'<text x="{PAD}" y="{EMPTY_HEIGHT / 2 + 4}" class="empty">'
                   f"{escape(empty_text)}</text>")
    middle = BAR_HEIGHT / 2 + 4  # text baseline: vertically centred on a 12px font
    for bar in placed:
        tooltip = (f"<title>{escape(bar.full_label)}: {escape(bar.shown)}</title>")
        out.append(f'<g class="bar">{tooltip}'
                   f'<text x="{LABEL_WIDTH - PAD}" y="{bar.y + middle}" '
                   f'text-anchor="end">{escape(bar.label)}</text>'
                   f'<rect x="{LABEL_WIDTH}" y="{bar.y}" width="{bar.length}" '
                   f'height="{BAR_HEIGHT}" fill="{TONES.get(bar.tone, TONES[""])}" rx="2"/>'
                   f'<text x="{LABEL_WIDTH + bar.length + PAD}" y="{bar.y + middle}" '
                   f'class="value">{escape(bar.shown)}</text></g>')
    out.append(f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" '
               f'stroke="#8a949e" stroke-width="1"/>' if placed else "")
    out.append("</svg>")
    return Markup("".join(out))

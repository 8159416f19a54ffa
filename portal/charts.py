"""Charts drawn on the server as SVG: no script, no request leaving the site, and the same
figures are always given in a table beside them for screen readers."""

import math
from dataclasses import dataclass

# Colours with at least 3:1 contrast against white (WCAG 2.2 non-text contrast).
PALETTE = ["#a4161a", "#1f5fbf", "#2e7d32", "#8e44ad", "#b35c00", "#00796b", "#5d4037", "#c2185b", "#455a64"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: float
    colour: str
    value_x: float  # where the figure is written: just after the bar, on white


def bar_chart(rows: list[dict], *, width: int = 640, row_height: int = 28, label_width: int = 150) -> dict:
    """Horizontal bars for [{label, count}]: the geometry a template draws."""
    largest = max((row["count"] for row in rows), default=0) or 1
    room = width - label_width - 60
    bars = []
    for index, row in enumerate(rows):
        bar_width = room * row["count"] / largest
        bars.append(
            Bar(row["label"], row["count"], index * row_height, bar_width, PALETTE[0], label_width + bar_width + 6)
        )
    return {"bars": bars, "width": width, "height": row_height * len(rows), "label_width": label_width}


@dataclass(frozen=True)
class Slice:
    label: str
    value: int
    share: float
    path: str
    colour: str


def pie_chart(rows: list[dict], *, radius: int = 110) -> dict:
    """Slices for [{label, count}] (zero rows left out), as SVG path data around (0, 0)."""
    rows = [row for row in rows if row["count"]]
    total = sum(row["count"] for row in rows)
    slices, start = [], -math.pi / 2
    for index, row in enumerate(rows):
        share = row["count"] / total
        end = start + share * 2 * math.pi
        if share >= 1:
            path = f"M {-radius} 0 A {radius} {radius} 0 1 1 {radius} 0 A {radius} {radius} 0 1 1 {-radius} 0 Z"
        else:
            large = 1 if share > 0.5 else 0
            x1, y1 = radius * math.cos(start), radius * math.sin(start)
            x2, y2 = radius * math.cos(end), radius * math.sin(end)
            path = f"M 0 0 L {x1:.2f} {y1:.2f} A {radius} {radius} 0 {large} 1 {x2:.2f} {y2:.2f} Z"
        slices.append(Slice(row["label"], row["count"], share, path, PALETTE[index % len(PALETTE)]))
        start = end
    return {"slices": slices, "radius": radius, "total": total}


@dataclass(frozen=True)
class RateBar:
    label: str
    text: str  # the rate as written, e.g. "62.5%", or "—" for 0 of 0
    y: int
    width: float
    colour: str


def rate_chart(
    rows: list[dict], *, target: float, width: int = 640, row_height: int = 28, label_width: int = 150
) -> dict:
    """Horizontal bars from 0 to 100% for [{label, rate, reached}] (rate from 0 to 1, or None for
    0 of 0), with a dashed line at `target`. Bars that reached the target take the second colour;
    the line shows it without relying on colour. The figures stand in a column right of 100%, so
    neither a bar nor the line runs through them."""
    room = width - label_width - 60
    bars = [
        RateBar(
            row["label"],
            f"{row['rate']:.1%}" if row["rate"] is not None else "—",
            index * row_height,
            room * (row["rate"] or 0),
            PALETTE[1] if row["reached"] else PALETTE[0],
        )
        for index, row in enumerate(rows)
    ]
    return {
        "bars": bars,
        "width": width,
        "height": row_height * len(rows) + 20,
        "label_width": label_width,
        "room": room,
        "value_x": label_width + room + 6,
        "target_x": label_width + room * target,
        "target_text": f"{target:.0%}",
        "axis_y": row_height * len(rows),
    }

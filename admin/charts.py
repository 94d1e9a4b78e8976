"""Charts drawn on the server as SVG, for screens that show a trend (supervision).

This module does the geometry: where each bar, point, grid line and label goes. The
markup is written by the macro ``svg_chart`` of ``admin/templates/admin/_chart.html``, so
autoescaping covers every label. Nothing needs a script, and nothing uses a ``style``
attribute (the panel's Content-Security-Policy refuses both): colours are SVG presentation
attributes (``fill=``, ``stroke=``). Each bar or point may link to the records behind it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

#: series colours, in order (the panel's green first; readable on white, and apart in grey)
PALETTE = ("#07a35a", "#2f6fd6", "#d93026", "#b7791f", "#7a4fc9", "#13a8a8")
#: at most this many labels under the x axis; the others are skipped (every k-th is kept)
MAX_X_LABELS = 12

LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 30


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category (``None``: no value there); ``links``
    (optional, the same length) gives the URL of what is behind each value."""

    name: str
    values: Sequence[float | None]
    links: Sequence[str | None] = ()


@dataclass(frozen=True)
class Mark:
    """A bar (``width`` × ``height`` from ``x``, ``y``) or a point (at ``x``, ``y``)."""

    x: float
    y: float
    width: float
    height: float
    title: str
    href: str | None


@dataclass(frozen=True)
class DrawnSeries:
    name: str
    colour: str
    marks: tuple[Mark, ...]
    #: for a line chart: the ``points=`` of each unbroken run of values
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one chart."""

    kind: str  # "line" or "bar"
    title: str
    unit: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    x_labels: tuple[Tick, ...]
    series: tuple[DrawnSeries, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """Whether no series has a single value (the template then says so)."""
        return not any(s.marks for s in self.series)


def nice_ticks(maximum: float, count: int = 4, integer: bool = False) -> list[float]:
    """Round grid values from 0 up to at least ``maximum``: steps of 1, 2, 2.5 or 5 × 10ⁿ
    (``integer``: whole steps of 1, 2 or 5 × 10ⁿ only, for counts of things)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    if integer:
        raw = max(raw, 1)
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * power for m in steps if m * power >= raw)
    top = step * math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _number(value: float) -> str:
    """A value as a label: no trailing ``.0``, at most one decimal."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _frame(labels, series, width, height, y_max=None, integer=False):
    values = [v for s in series for v in s.values if v is not None]
    if y_max is not None:  # a fixed axis: a scale's top, whatever the values reach
        top = max(y_max, *values) if values else y_max
        ticks = next(
            (t for n in (5, 4, 6, 3) if (t := nice_ticks(top, n, integer))[-1] == top),
            nice_ticks(top, integer=integer),
        )
    else:
        ticks = nice_ticks(max(values, default=0), integer=integer)
    plot_h = height - TOP - BOTTOM
    plot_w = width - LEFT - RIGHT

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - value / ticks[-1]), 1)

    y_ticks = tuple(Tick(y_of(t), _number(t)) for t in ticks)
    slot = plot_w / max(len(labels), 1)
    every = max(math.ceil(len(labels) / MAX_X_LABELS), 1)
    x_labels = tuple(
        Tick(round(LEFT + slot * (i + 0.5), 1), label)
        for i, label in enumerate(labels)
        if i % every == 0
    )
    return y_of, slot, y_ticks, x_labels


def _title(category: str, name: str, value: float, unit: str) -> str:
    return f"{category} {name}：{_number(value)}{unit}"


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 480,
    height: int = 210,
) -> Chart:
    """A line chart of ``series`` over the categories ``labels`` (weeks, months); a
    missing value breaks the line."""
    y_of, slot, y_ticks, x_labels = _frame(labels, series, width, height)
    drawn = []
    for index, s in enumerate(series):
        marks, runs, run = [], [], []
        for i, value in enumerate(s.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            x, y = round(LEFT + slot * (i + 0.5), 1), y_of(value)
            run.append(f"{x},{y}")
            href = s.links[i] if i < len(s.links) else None
            marks.append(Mark(x, y, 0, 0, _title(labels[i], s.name, value, unit), href))
        if run:
            runs.append(run)
        drawn.append(
            DrawnSeries(
                s.name,
                PALETTE[index % len(PALETTE)],
                tuple(marks),
                tuple(" ".join(r) for r in runs if len(r) > 1),
            )
        )
    return Chart(
        "line",
        title,
        unit,
        width,
        height,
        LEFT,
        TOP,
        width - RIGHT,
        height - BOTTOM,
        y_ticks,
        x_labels,
        tuple(drawn),
    )


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 480,
    height: int = 210,
    *,
    y_max: float | None = None,
    integer: bool = False,
) -> Chart:
    """Grouped bars: one group per category of ``labels``, one bar per series. ``y_max``
    fixes the axis's top (a scale's maximum); ``integer`` keeps the ticks whole (counts)."""
    y_of, slot, y_ticks, x_labels = _frame(labels, series, width, height, y_max, integer)
    base = height - BOTTOM
    group = slot * 0.7
    bar = group / max(len(series), 1)
    drawn = []
    for index, s in enumerate(series):
        marks = []
        for i, value in enumerate(s.values):
            if value is None:
                continue
            x = round(LEFT + slot * i + (slot - group) / 2 + bar * index, 1)
            y = y_of(value)
            href = s.links[i] if i < len(s.links) else None
            marks.append(
                Mark(
                    x,
                    y,
                    round(bar, 1),
                    round(base - y, 1),
                    _title(labels[i], s.name, value, unit),
                    href,
                )
            )
        drawn.append(DrawnSeries(s.name, PALETTE[index % len(PALETTE)], tuple(marks)))
    return Chart(
        "bar",
        title,
        unit,
        width,
        height,
        LEFT,
        TOP,
        width - RIGHT,
        base,
        y_ticks,
        x_labels,
        tuple(drawn),
    )


def week_label(monday: date) -> str:
    """A week named by its Monday: ``11/23``."""
    return f"{monday.month}/{monday.day}"


def month_labels(months: Sequence[date]) -> list[str]:
    """Months as ``3月``, with the year on the first one and wherever the year changes."""
    labels, year = [], None
    for month in months:
        name = f"{month.month}月"
        labels.append(f"{month.year}年{name}" if month.year != year else name)
        year = month.year
    return labels

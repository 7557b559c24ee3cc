"""Charts drawn on the server as SVG, so they work without JavaScript. Each chart comes with
the table of its figures for screen readers and for anyone who wants the numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
LEFT = 72
RIGHT = 16
TOP = 16
BOTTOM = 40


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def short_number(value: float) -> str:
    if value >= 999_500:  # from here the thousands would read 1e+03k
        return f"{value / 1_000_000:.3g}m"
    if value >= 1_000:
        return f"{value / 1_000:.3g}k"
    return f"{value:.0f}"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    css: str = "gpfed-chart__bar"


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    points: str = ""
    dots: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    baseline: float = 0
    label_y: float = 0
    legend: list[dict] = field(default_factory=list)


def _axis(chart: Chart, top_value: float, plot_height: float) -> None:
    for i in range(5):
        value = top_value * i / 4
        y = TOP + plot_height - plot_height * i / 4
        chart.y_ticks.append({"y": round(y, 1), "label": short_number(value)})
    chart.baseline = TOP + plot_height
    chart.label_y = chart.baseline + 18


def bar_chart(title: str, items: list[tuple[str, int]], *, height: int = 260) -> Chart:
    plot_height = height - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    chart = Chart(title=title, width=WIDTH, height=height)
    top_value = nice_ceiling(max((v for _, v in items), default=0))
    _axis(chart, top_value, plot_height)
    if not items:
        return chart
    slot = plot_width / len(items)
    bar_width = max(2.0, slot * 0.7)
    every = max(1, round(len(items) / 10))
    for i, (label, value) in enumerate(items):
        h = plot_height * value / top_value
        x = LEFT + i * slot + (slot - bar_width) / 2
        chart.bars.append(
            Bar(
                round(x, 1),
                round(TOP + plot_height - h, 1),
                round(bar_width, 1),
                round(h, 1),
                label,
                value,
            )
        )
        if i % every == 0:
            chart.x_labels.append({"x": round(x + bar_width / 2, 1), "label": label})
    return chart


def stacked_bar_chart(
    title: str, items: list[tuple[str, int, int]], names: tuple[str, str], *, height: int = 280
) -> Chart:
    """Two series stacked (for example male and female patients by age band)."""
    chart = bar_chart(title, [(label, a + b) for label, a, b in items], height=height)
    plot_height = height - TOP - BOTTOM
    top_value = nice_ceiling(max((a + b for _, a, b in items), default=0))
    stacked = []
    for bar, (_, a, _b) in zip(chart.bars, items, strict=True):
        h_a = plot_height * a / top_value
        stacked.append(
            Bar(
                bar.x,
                round(TOP + plot_height - h_a, 1),
                bar.width,
                round(h_a, 1),
                bar.label,
                a,
                "gpfed-chart__bar gpfed-chart__bar--first",
            )
        )
        stacked.append(
            Bar(
                bar.x,
                bar.y,
                bar.width,
                round(bar.height - h_a, 1),
                bar.label,
                bar.value - a,
                "gpfed-chart__bar gpfed-chart__bar--second",
            )
        )
    chart.bars = stacked
    chart.legend = [
        {"label": names[0], "css": "gpfed-chart__bar--first"},
        {"label": names[1], "css": "gpfed-chart__bar--second"},
    ]
    return chart


def line_chart(title: str, items: list[tuple[str, int]], *, height: int = 240) -> Chart:
    plot_height = height - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    chart = Chart(title=title, width=WIDTH, height=height)
    values = [v for _, v in items]
    top_value = nice_ceiling(max(values, default=0))
    _axis(chart, top_value, plot_height)
    if not items:
        return chart
    step = plot_width / max(1, len(items) - 1)
    coords = []
    every = max(1, round(len(items) / 8))
    for i, (label, value) in enumerate(items):
        x = LEFT + (i * step if len(items) > 1 else plot_width / 2)
        y = TOP + plot_height - plot_height * value / top_value
        coords.append(f"{x:.1f},{y:.1f}")
        chart.dots.append({"x": round(x, 1), "y": round(y, 1), "label": label, "value": value})
        if i % every == 0 or i == len(items) - 1:
            chart.x_labels.append({"x": round(x, 1), "label": label})
    chart.points = " ".join(coords)
    return chart


def diverging_bar_chart(title: str, items: list[tuple[str, int]], *, height: int = 260) -> Chart:
    """Bars above and below a zero line, for figures that may be negative (pence, drawn in
    pounds): green above, red below."""
    plot_height = height - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    chart = Chart(title=title, width=WIDTH, height=height)
    reach = nice_ceiling(max((abs(v) / 100 for _, v in items), default=0))
    zero = TOP + plot_height / 2
    for i in range(5):
        value = reach - reach * i / 2
        y = TOP + plot_height * i / 4
        label = short_number(abs(value))
        chart.y_ticks.append({"y": round(y, 1), "label": f"-{label}" if value < 0 else label})
    chart.baseline = round(zero, 1)
    chart.label_y = TOP + plot_height + 18
    if not items:
        return chart
    slot = plot_width / len(items)
    bar_width = max(2.0, slot * 0.7)
    for i, (label, value) in enumerate(items):
        h = (plot_height / 2) * (abs(value) / 100) / reach
        x = LEFT + i * slot + (slot - bar_width) / 2
        y = zero - h if value >= 0 else zero
        css = "gpfed-chart__bar" if value >= 0 else "gpfed-chart__bar gpfed-chart__bar--negative"
        chart.bars.append(
            Bar(
                round(x, 1),
                round(y, 1),
                round(bar_width, 1),
                round(h, 1),
                label,
                round(value / 100),
                css,
            )
        )
        chart.x_labels.append(
            {"x": round(x + bar_width / 2, 1), "label": label[2:] if len(items) > 8 else label}
        )
    return chart


def count_axis(top: int) -> tuple[int, list[int]]:
    """The top of an axis of counts and its ticks, every one a whole number: at most five,
    evenly spaced from 0 (for a top of 3: 0, 1, 2, 3; for 7: 0, 2, 4, 6, 8)."""
    top = max(1, int(top))
    step = 1
    while top > step * 4:
        step = next(s * m for m in (1, 10, 100, 1000, 10_000) for s in (1, 2, 5) if s * m > step)
    ceiling = -(-top // step) * step
    return ceiling, list(range(0, ceiling + 1, step))


def joins_and_leaves_chart(
    title: str, years: list[dict], *, last_year: int | None = None, height: int = 260
) -> Chart:
    """Practices joining and leaving a federation each year, side by side: every year from
    the first to the last (``last_year``, or the last with a change) on the axis, a year with
    neither shown as none, and whole-number ticks. ``years`` are dicts of ``year``,
    ``joined`` and ``left``; the table of the same figures goes beside it."""
    plot_height = height - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    chart = Chart(title=title, width=WIDTH, height=height)
    chart.legend = [
        {"label": "Joined", "css": "gpfed-chart__bar--first"},
        {"label": "Left", "css": "gpfed-chart__bar--second"},
    ]
    by_year = {y["year"]: y for y in years}
    first = min(by_year, default=None)
    last = max([*by_year, *([last_year] if last_year else [])], default=None)
    if first is None:
        _count_ticks(chart, 1, plot_height)
        return chart
    span = [by_year.get(y, {"year": y, "joined": 0, "left": 0}) for y in range(first, last + 1)]
    top, _ = count_axis(max(max(y["joined"], y["left"]) for y in span))
    _count_ticks(chart, top, plot_height)
    slot = plot_width / len(span)
    bar_width = max(1.0, slot * 0.8 / 2)
    short = len(span) > 12  # '19 rather than 2019, so every year keeps its label
    every = 1 if len(span) <= 24 else 2
    for i, entry in enumerate(span):
        left_edge = LEFT + i * slot + (slot - 2 * bar_width) / 2
        for j, (key, css) in enumerate((("joined", "first"), ("left", "second"))):
            h = plot_height * entry[key] / top
            chart.bars.append(
                Bar(
                    round(left_edge + j * bar_width, 1),
                    round(TOP + plot_height - h, 1),
                    round(bar_width, 1),
                    round(h, 1),
                    f"{entry['year']} {key}",
                    entry[key],
                    f"gpfed-chart__bar gpfed-chart__bar--{css}",
                )
            )
        if i % every == 0:
            label = f"’{entry['year'] % 100:02d}" if short else str(entry["year"])
            chart.x_labels.append({"x": round(left_edge + bar_width, 1), "label": label})
    return chart


def _count_ticks(chart: Chart, top: int, plot_height: float) -> None:
    _, ticks = count_axis(top)
    for value in ticks:
        y = TOP + plot_height - plot_height * value / ticks[-1]
        chart.y_ticks.append({"y": round(y, 1), "label": f"{value:,}"})
    chart.baseline = TOP + plot_height
    chart.label_y = chart.baseline + 18

"""The modeller's charts, laid out on the server for SVG (pages and the PDF alike): each level's
total net as a percentile chart (5th to 95th with the median and the mean), each practice's
difference from doing it alone as a dot with its 5-95% range, and the tornado. Pure: from the
results as ``economics.report.results_json`` gives them (money as pounds in text). The figures
of each chart are in the table the page shows beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

from economics.report import LEVEL_NAMES

WIDTH = 640
LEFT = 150
RIGHT = 24
TOP = 12
ROW = 26
AXIS = 34


@dataclass
class Row:
    label: str
    y: float
    x1: float  # the range: 5th to 95th percentile, or low to high
    x2: float
    mid: float  # the median (or the start of a tornado bar)
    mean: float | None = None
    worse: bool = False
    text: str = ""  # the figures in words, for the SVG's tooltip

    # Derived positions, so the template does no arithmetic.
    @property
    def top(self) -> float:
        return round(self.y - 8, 1)

    @property
    def tick_top(self) -> float:
        return round(self.y - 5, 1)

    @property
    def tick_bottom(self) -> float:
        return round(self.y + 5, 1)

    @property
    def span(self) -> float:
        return round(max(self.x2 - self.x1, 1.0), 1)

    @property
    def mark_x(self) -> float:
        return round(self.mid - 5, 1)

    @property
    def diamond(self) -> str:
        if self.mean is None:
            return ""
        return f"M {self.mean} {round(self.y - 6, 1)} l 6 6 l -6 6 l -6 -6 z"


@dataclass
class Chart:
    title: str
    description: str
    width: int = WIDTH
    height: int = 0
    rows: list[Row] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    zero: float = 0
    axis_y: float = 0
    kind: str = "range"  # range (percentiles, dots) or tornado
    key: str = "chart"  # the SVG's id on the page

    @property
    def label_y(self) -> float:
        return self.axis_y + 18


def _pounds(text: str) -> float:
    return float(text)


def _short(pounds: float) -> str:
    sign = "-" if pounds < 0 else ""
    value = abs(pounds)
    if value >= 1_000_000:
        return f"{sign}£{value / 1_000_000:.3g}m"
    if value >= 1_000:
        return f"{sign}£{value / 1_000:.3g}k"
    return f"{sign}£{value:.0f}"


def _step(span: float) -> float:
    raw = span / 5 if span > 0 else 1
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _scale(chart: Chart, low: float, high: float, rows: int) -> callable:
    low, high = min(low, 0.0), max(high, 0.0)
    step = _step(high - low)
    low = step * (low // step)
    high = step * -(-high // step)
    if high == low:
        high = low + step
    plot = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return round(LEFT + plot * (value - low) / (high - low), 1)

    chart.height = TOP + rows * ROW + AXIS
    chart.axis_y = TOP + rows * ROW
    chart.zero = x(0.0)
    tick = low
    while tick <= high + step / 2:
        chart.ticks.append({"x": x(tick), "label": _short(tick)})
        tick += step
    return x


def totals_chart(results: dict) -> Chart:
    levels = results["levels"]
    chart = Chart(
        key="chart-totals",
        title="Total net a year at each level (£)",
        description="Each line runs from the 5th to the 95th percentile of the runs; the dot "
        "is the median, the diamond the mean.",
    )
    spreads = [(level, levels[level]["total_net"]) for level in LEVEL_NAMES]
    figures = [_pounds(s[k]) for _, s in spreads for k in ("p5", "p95", "mean")]
    x = _scale(chart, min(figures), max(figures), len(spreads))
    for i, (level, s) in enumerate(spreads):
        chart.rows.append(
            Row(
                label=f"{LEVEL_NAMES[level][0].upper()}{LEVEL_NAMES[level][1:]} level",
                y=TOP + i * ROW + ROW / 2,
                x1=x(_pounds(s["p5"])),
                x2=x(_pounds(s["p95"])),
                mid=x(_pounds(s["p50"])),
                mean=x(_pounds(s["mean"])),
                text=f"5th {s['p5']}, median {s['p50']}, 95th {s['p95']}, mean {s['mean']}",
            )
        )
    return chart


def practices_chart(results: dict, level: str, codes: set[str] | None = None) -> Chart:
    """Each practice's difference from alone at ``level``: the mean as a dot, with its 5-95%
    range; a practice worse off in the middle run drawn as a hollow square."""
    lines = [p for p in results["practices"] if codes is None or p["code"] in codes]
    chart = Chart(
        key=f"chart-practices-{level}",
        title=f"Each practice at {LEVEL_NAMES[level]} level against doing it alone (£ a year)",
        description="Each line runs from the 5th to the 95th percentile of the practice's "
        "difference from doing it alone; the dot is the mean. Right of zero is better off; a "
        "hollow square marks a practice worse off in the middle run.",
    )
    if not lines:
        return chart
    figures = [
        _pounds(p["levels"][level][k])
        for p in lines
        for k in ("diff_vs_alone_p5", "diff_vs_alone_p95", "diff_vs_alone_mean")
    ]
    x = _scale(chart, min(figures), max(figures), len(lines))
    worse = set(results["levels"][level]["practices_worse_off"])
    for i, p in enumerate(lines):
        f = p["levels"][level]
        chart.rows.append(
            Row(
                label=f"{p['code']} ({p['list_size']:,})",
                y=TOP + i * ROW + ROW / 2,
                x1=x(_pounds(f["diff_vs_alone_p5"])),
                x2=x(_pounds(f["diff_vs_alone_p95"])),
                mid=x(_pounds(f["diff_vs_alone_mean"])),
                worse=p["code"] in worse,
                text=f"mean {f['diff_vs_alone_mean']}, 5th {f['diff_vs_alone_p5']}, "
                f"95th {f['diff_vs_alone_p95']}",
            )
        )
    return chart


INPUT_NAMES = {
    "volume_per_1000": "Volume per 1,000 patients",
    "income_per_unit": "Income per unit",
    "income.per_unit": "Income per unit",
    "income.per_patient": "Income per registered patient",
    "income.block": "Income: the block",
    "volume.per_1000": "Volume per 1,000 patients in the ages",
    "volume.scale": "Volume: last year's activity times",
    "levels.practice.fixed_per_year": "Practice fixed cost a year",
    "levels.practice.cost_per_unit": "Practice cost per unit",
    "levels.pcn.fixed_per_year": "PCN fixed cost a year",
    "levels.pcn.cost_per_unit": "PCN cost per unit",
    "levels.pcn.fixed_per_practice": "PCN cost a year for each practice",
    "levels.federation.fixed_per_year": "Federation fixed cost a year",
    "levels.federation.cost_per_unit": "Federation cost per unit",
    "levels.federation.fixed_per_practice": "Federation cost a year for each practice",
    "levels.federation.overhead_percent": "Top-slice (%)",
}


def tornado_chart(results: dict) -> Chart | None:
    bars = results.get("sensitivity") or []
    if not bars:
        return None
    level = LEVEL_NAMES[bars[0]["level"]]
    chart = Chart(
        title=f"What moves the total net at {level} level most (£ a year, median)",
        description="Each bar runs from the median total net with the input at its low to "
        "the median with it at its high, every other input as drawn; the largest swing first.",
        kind="tornado",
        key="chart-tornado",
    )
    figures = [_pounds(b[k]) for b in bars for k in ("total_net_at_low", "total_net_at_high")]
    x = _scale(chart, min(figures), max(figures), len(bars))
    for i, b in enumerate(bars):
        low, high = x(_pounds(b["total_net_at_low"])), x(_pounds(b["total_net_at_high"]))
        chart.rows.append(
            Row(
                label=INPUT_NAMES.get(b["input"], b["input"]),
                y=TOP + i * ROW + ROW / 2,
                x1=min(low, high),
                x2=max(low, high),
                mid=low,
                text=f"at low {b['total_net_at_low']}, at high {b['total_net_at_high']}",
            )
        )
    return chart

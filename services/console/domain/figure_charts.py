"""The supervisors' figures drawn as the dashboard draws them: each table of counts as
horizontal bars whose geometry is computed here, so the page is plain SVG with no script.
A suppressed cell ("<5", "withheld") gets no bar, only its word: a bar's length would give
the small count away."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 150  # the codes' words, left of the bars
VALUE_WIDTH = 70  # the count, right of the longest bar
CHART_WIDTH = 520
# The tables of counts drawn as bars, by where they sit in a group's figures.
CHARTS = (("by_tier",), ("by_source",), ("guardians", "by_outcome"),
          ("referrals", "by_answer"), ("follow_ups", "by_outcome"), ("closures", "by_reason"))
# The period a dashboard opens on: the last half year.
DEFAULT_DAYS = 182


@dataclass(frozen=True)
class Bar:
    key: str  # the code counted
    value: int | str  # a count, or "<5" / "withheld"
    x: int
    y: int
    width: int  # 0: suppressed, no bar

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 6


@dataclass(frozen=True)
class Chart:
    name: str  # the table's path, dotted
    bars: tuple[Bar, ...]
    width: int = CHART_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * (BAR_HEIGHT + GAP)

    @property
    def cells(self) -> dict[str, int | str]:
        return {bar.key: bar.value for bar in self.bars}

    @property
    def plot_width(self) -> int:
        return self.width - LABEL_WIDTH - VALUE_WIDTH


def chart(name: str, cells: Mapping[str, Any], width: int = CHART_WIDTH) -> Chart:
    """Bars for a table of counts, the longest the plot's width, each in the table's order."""
    counts = [v for v in cells.values() if isinstance(v, int) and not isinstance(v, bool)]
    longest = max(counts, default=0)
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for row, (key, value) in enumerate(cells.items()):
        length = 0
        if isinstance(value, int) and not isinstance(value, bool) and longest:
            length = max(round(plot * value / longest), 1 if value else 0)
        bars.append(Bar(str(key), value, LABEL_WIDTH, row * (BAR_HEIGHT + GAP), length))
    return Chart(name, tuple(bars), width)


def charts_of(group: Mapping[str, Any]) -> list[Chart]:
    """The charts of one school's or district's figures, those with anything to draw."""
    drawn = []
    for path in CHARTS:
        cells: Any = group
        for part in path:
            cells = cells.get(part) if isinstance(cells, Mapping) else None
        if isinstance(cells, Mapping) and cells:
            drawn.append(chart(".".join(path), cells))
    return drawn


def groups_chart(figures: Mapping[str, Any]) -> Chart:
    """The cases of each group, one bar a school or district."""
    by = str(figures.get("by", "school"))
    groups = figures.get("groups") or []
    return chart("cases", {str(g.get(by)): g.get("cases") for g in groups
                           if isinstance(g, Mapping)})


@dataclass(frozen=True)
class PeriodChoice:
    first: date
    last: date
    by: str
    error: str | None = None  # the field refused, if any


GROUPINGS = ("school", "district")


def period_of(query: Mapping[str, str], today: date) -> PeriodChoice:
    """The period and grouping a dashboard's query asks for; the last half year by school
    by default; a date that is not one, or a start after the end, names its field."""
    by = query.get("by", "school")
    by = by if by in GROUPINGS else "school"
    default_first = today - timedelta(days=DEFAULT_DAYS)
    try:
        first = date.fromisoformat(query["from"]) if query.get("from") else default_first
    except ValueError:
        return PeriodChoice(default_first, today, by, "from")
    try:
        last = date.fromisoformat(query["to"]) if query.get("to") else today
    except ValueError:
        return PeriodChoice(first, today, by, "to")
    if first > last:
        return PeriodChoice(first, last, by, "from")
    return PeriodChoice(first, last, by)

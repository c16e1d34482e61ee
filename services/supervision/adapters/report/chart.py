"""The report's timeline picture: the stages reached and each policy window (from when a
deadline was set to when it fell due) on one time axis since detection, with when it was met
(on time, or late: a breach). Drawn with matplotlib as SVG, text as paths, so the picture
needs no font in the browser or the PDF."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # no display: draw to a file only

from matplotlib import pyplot as plt
from matplotlib.ticker import FixedLocator, NullLocator

from services.supervision.adapters.report.labels import Labels
from services.supervision.domain.incident import Check, Deadline, IncidentReport

MINUTE = timedelta(minutes=1)
TICKS = [0, 15, 60, 6 * 60, 24 * 60, 7 * 24 * 60, 28 * 24 * 60, 8 * 7 * 24 * 60,
         26 * 7 * 24 * 60]
ON_TIME, LATE, WINDOW, STAGE = "#2e7d32", "#c62828", "#90a4ae", "#1565c0"


def _span(moment: datetime, start: datetime) -> float:
    return max((moment - start) / MINUTE, 0.0)


def duration_words(minutes: float, labels: Labels) -> str:
    if minutes >= 24 * 60:
        return f"{minutes / (24 * 60):.0f} {labels.ui('days')}"
    if minutes >= 60:
        return f"{minutes / 60:.0f} {labels.ui('hours')}"
    return f"{minutes:.0f} {labels.ui('minutes')}"


def _rows(report: IncidentReport, labels: Labels) -> list[tuple[str, list[Deadline]]]:
    """One row per deadline, the follow-ups together on one row."""
    rows: list[tuple[str, list[Deadline]]] = []
    follow_ups = [d for d in report.deadlines if d.check is Check.FOLLOW_UP]
    for deadline in report.deadlines:
        if deadline.check is not Check.FOLLOW_UP:
            rows.append((f"{labels.check(deadline.check)}: {labels.code(deadline.subject)}",
                         [deadline]))
    if follow_ups:
        rows.append((labels.check(Check.FOLLOW_UP), follow_ups))
    return rows


def timeline_svg(report: IncidentReport, labels: Labels, font: str) -> str:
    """The chart as an SVG document (text drawn as paths in `font`)."""
    start = report.start
    stages = report.stages
    rows = _rows(report, labels)
    names = [labels.stage(s.stage) for s in stages] + [name for name, _ in rows]
    plt.rcParams.update({"font.family": font, "svg.fonttype": "path", "font.size": 8})
    figure, axes = plt.subplots(figsize=(7.2, 0.22 * len(names) + 1.0))
    try:
        for y, reached in enumerate(stages):
            axes.plot(_span(reached.at, start), y, marker="D", color=STAGE, markersize=5)
        for n, (_, deadlines) in enumerate(rows):
            y = len(stages) + n
            for d in deadlines:
                left, right = _span(d.start, start), _span(d.due, start)
                if len(deadlines) == 1:
                    axes.plot([left, right], [y, y], color=WINDOW, linewidth=5,
                              solid_capstyle="butt", alpha=0.6)
                axes.plot(right, y, marker="|", color="black", markersize=9)
                if d.done is not None:
                    axes.plot(_span(d.done, start), y, marker="X" if d.breached else "o",
                              color=LATE if d.breached else ON_TIME, markersize=6)
                elif d.breached:
                    axes.plot([right, _span(report.as_of, start)], [y, y], color=LATE,
                              linewidth=2)
        axes.set_xscale("symlog", linthresh=15, linscale=0.6)
        axes.set_xlim(-1, max(_span(report.end, start) * 1.3, 60))
        shown = [t for t in TICKS if t <= axes.get_xlim()[1]]
        axes.xaxis.set_major_locator(FixedLocator(shown))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.set_xticklabels(["0"] + [duration_words(t, labels) for t in shown[1:]])
        axes.set_yticks(range(len(names)), names)
        axes.set_ylim(len(names) - 0.5, -0.5)
        axes.axhline(len(stages) - 0.5, color="#cfd8dc", linewidth=0.8)
        axes.grid(axis="x", color="#eceff1")
        axes.set_xlabel(labels.ui("since"))
        axes.plot([], [], marker="D", color=STAGE, linestyle="", label=labels.ui("stage"))
        axes.plot([], [], marker="|", color="black", linestyle="", label=labels.ui("deadline"))
        axes.plot([], [], marker="o", color=ON_TIME, linestyle="", label=labels.ui("met"))
        axes.plot([], [], marker="X", color=LATE, linestyle="", label=labels.ui("met_late"))
        axes.legend(loc="lower right", fontsize=7, frameon=False, ncols=4,
                    bbox_to_anchor=(1.0, 1.0))
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg")
    finally:
        plt.close(figure)
    return out.getvalue()

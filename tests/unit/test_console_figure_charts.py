"""The dashboard's bars: drawn from the counts shown, never from a suppressed one."""

from __future__ import annotations

from datetime import date

from services.console.domain.figure_charts import (
    BAR_HEIGHT,
    GAP,
    LABEL_WIDTH,
    chart,
    charts_of,
    groups_chart,
    period_of,
)


def test_the_longest_bar_fills_the_plot_and_the_others_are_in_proportion() -> None:
    drawn = chart("by_tier", {"crisis": 10, "general": 5, "serious": 20})
    widths = {bar.key: bar.width for bar in drawn.bars}
    assert widths == {"crisis": drawn.plot_width // 2, "general": drawn.plot_width // 4,
                      "serious": drawn.plot_width}
    assert [bar.y for bar in drawn.bars] == [0, BAR_HEIGHT + GAP, 2 * (BAR_HEIGHT + GAP)]
    assert all(bar.x == LABEL_WIDTH for bar in drawn.bars)


def test_a_suppressed_or_withheld_cell_gets_no_bar_only_its_word() -> None:
    drawn = chart("by_source", {"hotline": "<5", "screening": "withheld", "staff": 12})
    assert [(bar.value, bar.width) for bar in drawn.bars] == [
        ("<5", 0), ("withheld", 0), (12, drawn.plot_width)]


def test_a_table_of_nothing_but_suppressed_cells_draws_no_bar_and_a_zero_none() -> None:
    assert [bar.width for bar in chart("x", {"a": "<5", "b": 0}).bars] == [0, 0]


def test_a_groups_charts_are_its_tables_of_counts_that_hold_anything() -> None:
    group = {"school": "school-1", "cases": 12, "by_tier": {"crisis": 6, "general": 6},
             "by_source": {}, "guardians": {"by_outcome": {"reached": 7}},
             "referrals": {"made": 3}}
    assert [c.name for c in charts_of(group)] == ["by_tier", "guardians.by_outcome"]


def test_the_groups_chart_has_a_bar_a_school() -> None:
    figures = {"by": "district", "groups": [{"district": "d-1", "cases": 9},
                                            {"district": "d-2", "cases": "<5"}]}
    assert [(b.key, b.value) for b in groups_chart(figures).bars] == [("d-1", 9), ("d-2", "<5")]


def test_the_dashboard_opens_on_the_last_half_year_by_school() -> None:
    chosen = period_of({}, date(2026, 6, 30))
    assert (chosen.first, chosen.last, chosen.by, chosen.error) == (
        date(2025, 12, 30), date(2026, 6, 30), "school", None)


def test_a_period_that_is_not_a_date_or_runs_backwards_names_its_field() -> None:
    today = date(2026, 6, 30)
    assert period_of({"from": "last spring"}, today).error == "from"
    assert period_of({"to": "2026-13-01"}, today).error == "to"
    assert period_of({"from": "2026-05-01", "to": "2026-04-01"}, today).error == "from"
    assert period_of({"by": "province"}, today).by == "school"

"""The district's figures: counts of the school's cases with every small cell suppressed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from casetrail.kernel import EventMeta
from casetrail.small_counts import suppressed
from contracts.codes import Channel, ReportLevel
from services.intake.domain.case import Case, Concern
from services.intake.domain.figures import CaseFigures

TEACHER = EventMeta.by("class_teacher", "t-1")


def test_counts_of_five_and_more_are_shown_as_they_are() -> None:
    assert suppressed(Counter({"hotline": 5, "peer": 12})) == {"hotline": 5, "peer": 12}


def test_a_count_under_five_is_shown_as_under_five_and_the_next_smallest_withheld() -> None:
    assert suppressed(Counter({"hotline": 1, "peer": 12, "guardian": 7})) == {
        "guardian": "withheld", "hotline": "<5", "peer": 12}


def test_a_table_of_small_counts_only_withholds_nothing_more() -> None:
    assert suppressed(Counter({"hotline": 2, "peer": 4})) == {"hotline": "<5", "peer": "<5"}


def case(channel: Channel, at: datetime) -> Case:
    return Case.detect(uuid4(), student_key="0" * 32, student_ref="S-1", student_name="张三",
                       concern=Concern(uuid4(), channel, [], False, "",
                                       level=ReportLevel.CLASS),
                       meta=EventMeta.by("class_teacher", "t-1", occurred_at=at))


def test_a_case_counts_in_the_schools_month_channel_level_and_state() -> None:
    figures = CaseFigures(ZoneInfo("Asia/Shanghai"))
    # 20:00 UTC on 31 May is already 1 June in Shanghai
    cases = [case(Channel.STAFF_OBSERVATION, datetime(2026, 5, 31, 20, tzinfo=UTC))
             for _ in range(6)]
    closed = cases[0]
    closed.note_closed(TEACHER)
    for c in cases:
        figures.apply(c.collect_events())
    counted = figures.figures()
    assert counted["cases"] == 6
    assert counted["by_month"] == {"2026-06": 6}
    assert counted["by_channel"] == {"staff_observation": 6}
    assert counted["by_level"] == {"class": 6}
    assert counted["by_state"] == {"closed": "<5", "open": "withheld"}
    assert "张三" not in str(counted) and str(closed.id) not in str(counted)

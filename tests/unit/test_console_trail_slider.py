"""The auditor's slider: a stop at each event recorded, carried back as moments."""

from __future__ import annotations

from datetime import UTC, datetime

from services.console.domain.trail_slider import chosen_of, moment_of, slider_of


def event(at: str, kind: str = "CaseDetected") -> dict[str, str]:
    return {"recorded_at": at, "type": kind, "service": "intake"}


EVENTS = [event("2026-03-02T08:00:00+00:00"), event("2026-03-01T08:00:00+00:00", "First"),
          event("2026-03-03T08:00:00+00:00", "TierDecided")]


def test_the_stops_are_the_events_in_the_order_recorded_and_the_latest_is_shown() -> None:
    slider = slider_of(EVENTS)
    assert [stop.event for stop in slider.stops] == ["First", "CaseDetected", "TierDecided"]
    assert slider.chosen == 2 and slider.last == 2
    assert slider.at == datetime(2026, 3, 3, 8, tzinfo=UTC)


def test_a_stop_chosen_beyond_the_ends_is_the_nearest_end() -> None:
    assert slider_of(EVENTS, 9).chosen == 2 and slider_of(EVENTS, -1).chosen == 0


def test_the_moments_carried_back_give_the_stops_time() -> None:
    slider = slider_of(EVENTS)
    assert moment_of(slider.moments, 1) == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert moment_of(slider.moments, 3) is None
    assert moment_of("yesterday", 0) is None
    assert moment_of("2026-03-02T08:00:00", 0) is None  # no time zone: not a moment


def test_an_event_without_a_readable_time_is_no_stop_and_no_events_no_moment() -> None:
    assert len(slider_of([event("soon"), "x", event("2026-03-01T08:00:00+00:00")]).stops) == 1
    assert slider_of([]).at is None


def test_the_stop_for_a_moment_is_the_latest_event_recorded_by_then() -> None:
    times = [stop.at for stop in slider_of(EVENTS).stops]
    assert chosen_of(times, datetime(2026, 3, 2, 12, tzinfo=UTC)) == 1
    assert chosen_of(times, datetime(2026, 2, 1, tzinfo=UTC)) == 0


def test_a_read_of_the_case_is_no_stop() -> None:
    slider = slider_of([*EVENTS, event("2026-03-04T08:00:00+00:00", "CaseViewed")])
    assert [stop.event for stop in slider.stops] == ["First", "CaseDetected", "TierDecided"]

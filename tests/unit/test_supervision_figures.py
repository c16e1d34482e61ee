"""The supervisors' figures, from CASES envelopes built by hand: every measure, the small
cells suppressed, the date range's edges, districts, and a rebuild equal to the live one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from contracts.codes import (
    CallOutcome,
    ClosureReason,
    GuardianRank,
    ReopenReason,
)
from contracts.envelope import Envelope
from contracts.events import intake, notification, referral
from services.supervision.domain.figures import Grouping, Period, SupervisionFigures
from tests.supervision_trails import START, STUDENT, envelope, full_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALL_MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
DISTRICTS = {"school-a": "district-east", "school-b": "district-east",
             "school-c": "district-west"}


def fed(*trails: tuple[str, list[Envelope]]) -> SupervisionFigures:
    model = SupervisionFigures(SHANGHAI)
    for school, trail in trails:
        for message in trail:
            model.apply(message, school)
    return model


def group(model: SupervisionFigures, by: Grouping = Grouping.SCHOOL,
          period: Period = ALL_MARCH) -> Iterator[dict[str, Any]]:
    return iter(model.figures(period, by, DISTRICTS)["groups"])


def five_full_cases(school: str = "school-a") -> list[tuple[str, list[Envelope]]]:
    return [(school, full_case(START + timedelta(hours=n))) for n in range(5)]


def test_five_cases_through_every_stage_show_every_measure() -> None:
    figures = next(group(fed(*five_full_cases())))
    assert figures["school"] == "school-a"
    assert figures["cases"] == 5
    assert figures["by_tier"] == {"serious": 5}
    assert figures["by_source"] == {"hotline": 5}
    assert figures["hours_to_stage"] == {
        "assessed": {"cases": 5, "p50": 2.0, "p90": 2.0},
        "family_notified": {"cases": 5, "p50": 3.0, "p90": 3.0},
        "referred": {"cases": 5, "p50": 5.0, "p90": 5.0},
        "followed_up": {"cases": 5, "p50": 168.0, "p90": 168.0},
        "closed": {"cases": 5, "p50": 720.0, "p90": 720.0}}
    assert figures["guardians"] == {"notified": 5, "by_outcome": {"reached": 5},
                                    "reached_share": 1.0,
                                    "hours_to_reach": {"cases": 5, "p50": 4.0, "p90": 4.0}}
    assert figures["referrals"] == {"made": 10, "by_answer": {"accepted": 5, "declined": 5},
                                    "rerouted": 5, "flagged_unanswered": 0,
                                    "cases_referred": 5, "succeeded_share": 1.0}
    # The record's now is day 30: all three follow-ups were due, one done late, one not done.
    assert figures["follow_ups"] == {"due": 15,
                                     "by_outcome": {"late": 5, "not_done": 5, "on_time": 5},
                                     "flagged_overdue": 5, "on_time_share": round(5 / 15, 3)}
    assert figures["home_visits"] == {"done": 5, "cases_visited": 5, "flagged_due": 0}
    assert figures["closures"] == {"closed": 5, "by_reason": {"resolved": 5}, "reopened": 0}


def test_percentiles_are_the_nearest_rank_of_the_cases_that_got_there() -> None:
    trails = [("school-a", full_case()[:2]) for _ in range(9)]
    slow = full_case()
    slow[1] = slow[1].model_copy(update={"occurred_at": START + timedelta(hours=50)})
    figures = next(group(fed(*trails, ("school-a", slow[:2]))))
    assert figures["hours_to_stage"]["assessed"] == {"cases": 10, "p50": 2.0, "p90": 2.0}
    assert figures["hours_to_stage"]["referred"] == {"cases": 0, "p50": None, "p90": None}
    figures = next(group(fed(*trails[:4], ("school-a", slow[:2]))))
    assert figures["hours_to_stage"]["assessed"] == {"cases": 5, "p50": 2.0, "p90": 50.0}


def test_a_guardian_reached_by_phone_counts_as_reached_and_a_missed_call_does_not() -> None:
    trails = []
    for n in range(10):
        trail = full_case()[:3]
        outcome = CallOutcome.REACHED if n < 5 else CallOutcome.NO_ANSWER
        trail.append(envelope(trail[0].case_id, notification.GuardianCalled(
            notice_id=None, guardian_rank=GuardianRank.PRIMARY, outcome=outcome),
            START + timedelta(hours=1)))
        trails.append(("school-a", trail))
    guardians = next(group(fed(*trails)))["guardians"]
    assert guardians["notified"] == 10
    assert guardians["by_outcome"] == {"reached": 5, "not_reached": 5}
    assert guardians["reached_share"] == 0.5
    assert guardians["hours_to_reach"] == {"cases": 5, "p50": 1.0, "p90": 1.0}
    assert next(group(fed(*trails)))["hours_to_stage"]["family_notified"]["cases"] == 5


def test_an_unanswered_referral_and_a_reopened_case_and_an_owed_visit_are_counted() -> None:
    trails = []
    for _ in range(5):
        trail = full_case()
        case_id = trail[0].case_id
        trail[5:] = [trail[5], envelope(case_id, referral.ReferralUnanswered(
            referral_id=trail[5].data["referral_id"]), START + timedelta(hours=30)),
            envelope(case_id, referral.HomeVisitDue(semester="2026-1"), START),
            envelope(case_id, referral.CaseClosed(reason=ClosureReason.NO_FURTHER_ACTION),
                     START + timedelta(hours=40)),
            envelope(case_id, referral.CaseReopened(reason=ReopenReason.RELAPSE,
                                                    closed_event_id=uuid4()),
                     START + timedelta(hours=41))]
        trails.append(("school-a", trail))
    figures = next(group(fed(*trails)))
    assert figures["referrals"]["flagged_unanswered"] == 5
    assert figures["referrals"]["by_answer"] == {"awaiting": 5}
    assert figures["referrals"]["succeeded_share"] == 0.0
    assert figures["home_visits"] == {"done": 0, "cases_visited": 0, "flagged_due": 5}
    assert figures["closures"] == {"closed": 5, "by_reason": {"no_further_action": 5},
                                   "reopened": 5}
    assert figures["hours_to_stage"]["closed"]["p50"] == 40.0


def test_a_case_opened_by_a_transfer_counts_under_the_transfer_source() -> None:
    trails = [("school-a", [envelope(uuid4(), intake.TransferReceived(
        transfer_id=uuid4(), from_school="school-z", from_case_id=uuid4(),
        student_key=STUDENT), START)]) for _ in range(5)]
    assert next(group(fed(*trails)))["by_source"] == {"transfer": 5}


def test_fewer_than_five_cases_are_shown_as_under_five_and_their_measures_hidden() -> None:
    schools = group(fed(*five_full_cases(), ("school-b", full_case()),
                        *[("school-c", full_case()) for _ in range(7)]))
    a, b, c = next(schools), next(schools), next(schools)
    # school-b's 1 is small; school-a's 5, the smallest other, is withheld with it.
    assert (a["cases"], b["cases"], c["cases"]) == ("withheld", "<5", 7)
    assert b["by_tier"] == {"serious": "<5"}
    assert b["hours_to_stage"]["assessed"] == {"cases": "<5", "p50": "<5", "p90": "<5"}
    assert b["guardians"]["by_outcome"] == {"reached": "<5"}
    assert b["guardians"]["reached_share"] == "<5"
    assert b["referrals"]["succeeded_share"] == "<5"
    assert b["follow_ups"]["on_time_share"] == "<5"


def test_a_small_outcome_hides_the_next_smallest_and_the_share_that_would_give_it_away(
) -> None:
    trails = [("school-a", full_case()) for _ in range(6)]
    trails.append(("school-a", full_case()[:4]))  # one more told but never reached
    guardians = next(group(fed(*trails)))["guardians"]
    assert guardians["notified"] == 7
    assert guardians["by_outcome"] == {"not_reached": "<5", "reached": "withheld"}
    assert guardians["reached_share"] == "<5"


def test_the_range_holds_cases_detected_on_its_first_and_last_days_in_the_schools_zone(
) -> None:
    # 16:30 UTC on 31 March is 00:30 on 1 April in Shanghai.
    april_in_shanghai = [("school-a", full_case(datetime(2026, 3, 31, 16, 30, tzinfo=UTC)))
                         for _ in range(5)]
    first_day = [("school-a", full_case(datetime(2026, 2, 28, 16, 0, tzinfo=UTC)))
                 for _ in range(5)]  # 00:00 on 1 March in Shanghai
    model = fed(*april_in_shanghai, *first_day)
    assert next(group(model))["cases"] == 5
    april = Period(date(2026, 4, 1), date(2026, 4, 1))
    assert next(group(model, period=april))["cases"] == 5
    assert list(group(model, period=Period(date(2026, 5, 1), date(2026, 5, 31)))) == []


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="from"):
        Period(date(2026, 3, 2), date(2026, 3, 1))


def test_schools_are_grouped_by_the_district_the_settings_place_them_in() -> None:
    model = fed(*five_full_cases("school-a"), *five_full_cases("school-b"),
                *five_full_cases("school-c"), *five_full_cases("school-x"))
    districts = list(group(model, Grouping.DISTRICT))
    assert [(d["district"], d["cases"]) for d in districts] == [
        ("district-east", 10), ("district-west", 5), ("unassigned", 5)]
    assert districts[0]["referrals"]["made"] == 20


def test_an_event_read_twice_counts_once() -> None:
    trail = full_case()
    model = fed(*five_full_cases(), ("school-a", trail + trail))
    assert next(group(model))["referrals"]["made"] == 12


def test_a_model_rebuilt_from_zero_gives_the_figures_of_the_one_fed_as_events_came() -> None:
    trails = [*five_full_cases("school-a"), *five_full_cases("school-c")]
    live = SupervisionFigures(SHANGHAI)
    seen: list[tuple[str, Envelope]] = []
    answers = []
    for school, trail in trails:
        for message in trail:
            live.apply(message, school)
            seen.append((school, message))
        answers.append(live.figures(ALL_MARCH, Grouping.DISTRICT, DISTRICTS))
    rebuilt = SupervisionFigures(SHANGHAI)
    for school, message in seen:
        rebuilt.apply(message, school)
    assert rebuilt.figures(ALL_MARCH, Grouping.DISTRICT, DISTRICTS) == answers[-1]
    assert answers[0] != answers[-1]


def test_the_figures_name_no_case_and_no_student() -> None:
    trails = five_full_cases()
    text = repr(fed(*trails).figures(ALL_MARCH, Grouping.SCHOOL, DISTRICTS))
    for _, trail in trails:
        for message in trail:
            assert str(message.case_id) not in text
    assert STUDENT not in text


def after_acceptance(event: type[referral.ReferralFailed] | type[referral.ReferralCancelled]
                     ) -> list[Envelope]:
    """A full case whose accepted referral then ended with `event`, nothing replacing it."""
    trail = full_case()
    accepted = trail[7].data["referral_id"]
    return [*trail, envelope(trail[0].case_id, event(referral_id=accepted),
                             START + timedelta(hours=9))]


def test_a_referral_failed_or_cancelled_after_acceptance_is_no_success() -> None:
    trails = [("school-a", after_acceptance(referral.ReferralFailed)) for _ in range(5)]
    trails += [("school-a", after_acceptance(referral.ReferralCancelled)) for _ in range(5)]
    figures = next(group(fed(*trails)))["referrals"]
    assert figures["by_answer"] == {"declined": 10, "failed": 5, "cancelled": 5}
    assert figures["succeeded_share"] == 0.0


def test_a_referral_only_received_still_awaits_and_a_no_show_was_taken_on() -> None:
    trails = []
    for n in range(10):
        trail = full_case()[:6]  # referred, no answer yet
        event = (referral.ReferralReceived if n < 5 else referral.ReferralNoShow)(
            referral_id=trail[5].data["referral_id"])
        trails.append(("school-a", [*trail, envelope(trail[0].case_id, event,
                                                     START + timedelta(hours=6))]))
    figures = next(group(fed(*trails)))["referrals"]
    assert figures["by_answer"] == {"awaiting": 5, "accepted": 5}
    assert figures["succeeded_share"] == 0.5

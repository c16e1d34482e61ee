"""Referral's newer rules: disclosure bases, delivery, no answer, overdue follow-ups,
return to school, home visits, reopening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import (
    ClosureReason,
    DisclosureBasis,
    FollowUpOutcome,
    KeyConcern,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Tier,
)
from services.referral.domain.aftercare import Aftercare, ReturnPlan
from services.referral.domain.board import ReferralBoard
from services.referral.domain.consents import ConsentGiven
from services.referral.domain.receivers import (
    ASSESSMENT_SUMMARY,
    DISCLOSURE,
    GUARDIAN_CONTACT,
    RISK_TIER,
    SIGNS_OBSERVED,
    STUDENT_IDENTITY,
    STUDENT_PSEUDONYM,
    Receiver,
    disclosure,
    refused_parts,
)
from services.referral.domain.referrals import CaseReferrals, Handoff
from services.referral.domain.visits import semester

MORNING = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2024, 3, 1)
HOSPITAL = Receiver("anding-hospital", ReceiverType.HOSPITAL_GREEN_CHANNEL,
                    tuple(DISCLOSURE[ReceiverType.HOSPITAL_GREEN_CHANNEL]), 60)
CENTRE = Receiver("district-centre", ReceiverType.DISTRICT_GUIDANCE_CENTRE,
                  tuple(DISCLOSURE[ReceiverType.DISTRICT_GUIDANCE_CENTRE]), 60)


def meta(at: datetime = MORNING) -> EventMeta:
    return EventMeta.by("crisis_team", "t1", occurred_at=at)


def assessed(tier: Tier = Tier.CRISIS) -> Aftercare:
    aftercare = Aftercare.open(uuid4(), meta())
    aftercare.note_tier(tier, decided=True, today=TODAY, meta=meta())
    return aftercare


def handoff(receiver: Receiver = HOSPITAL, disclosed: tuple[str, ...] = (RISK_TIER,),
            basis: DisclosureBasis = DisclosureBasis.CONSENT, **more: object) -> Handoff:
    fields: dict[str, object] = {"answer_by": MORNING + timedelta(hours=1), **more}
    return Handoff(uuid4(), receiver, basis, list(disclosed), **fields)  # type: ignore[arg-type]


def referred(aftercare: Aftercare, request: Handoff | None = None) -> UUID:
    request = request or handoff()
    aftercare.refer(request, meta())
    return request.referral_id


# What may be disclosed, on which basis.

def test_the_tier_always_goes_and_the_packet_parts_add_their_categories() -> None:
    assert disclosure(HOSPITAL, set(), signs_known=False, pseudonym_known=True) == [RISK_TIER]
    assert disclosure(HOSPITAL, {"patient", "summary"}, signs_known=True,
                      pseudonym_known=True) == [STUDENT_IDENTITY, RISK_TIER, SIGNS_OBSERVED,
                                                ASSESSMENT_SUMMARY]


def test_the_district_centre_knows_the_student_only_by_pseudonym() -> None:
    assert disclosure(CENTRE, {"summary"}, signs_known=True, pseudonym_known=True) == [
        STUDENT_PSEUDONYM, RISK_TIER, SIGNS_OBSERVED, ASSESSMENT_SUMMARY]
    assert refused_parts(CENTRE, {"patient", "guardian", "summary"}) == ["guardian",
                                                                          "patient"]


def test_naming_the_student_without_consent_or_override_is_refused() -> None:
    aftercare = assessed()
    with pytest.raises(CaseRuleViolated, match="needs the guardians' consent"):
        referred(aftercare, handoff(disclosed=(STUDENT_IDENTITY, RISK_TIER)))


def on_record(aftercare: Aftercare, scope: list[str] | None = None) -> UUID:
    consent_id = uuid4()
    aftercare.record_consent(consent_id, ConsentGiven(
        "referral", scope or DISCLOSURE[HOSPITAL.receiver_type], 1,
        MORNING - timedelta(hours=1), receiver_type=HOSPITAL.receiver_type.value), meta())
    return consent_id


def test_a_consent_that_does_not_cover_a_category_is_refused() -> None:
    aftercare = assessed()
    consent_id = on_record(aftercare, [RISK_TIER])
    with pytest.raises(CaseRuleViolated, match="does not cover"):
        referred(aftercare, handoff(disclosed=(GUARDIAN_CONTACT, RISK_TIER),
                                    consent_id=consent_id))


def test_consent_on_record_lets_the_hospital_know_who_the_student_is() -> None:
    aftercare = assessed()
    consent_id = on_record(aftercare)
    referral_id = referred(aftercare, handoff(disclosed=(STUDENT_IDENTITY, RISK_TIER),
                                              consent_id=consent_id))
    assert aftercare.referral(referral_id).consent_id == consent_id


def test_a_withdrawn_consent_lets_nothing_more_go_and_keeps_what_went() -> None:
    aftercare = assessed()
    consent_id = on_record(aftercare)
    first = referred(aftercare, handoff(disclosed=(STUDENT_IDENTITY, RISK_TIER),
                                        consent_id=consent_id))
    aftercare.withdraw_consent(consent_id, meta(MORNING + timedelta(hours=1)))
    with pytest.raises(CaseRuleViolated, match="was withdrawn"):
        referred(aftercare, handoff(consent_id=consent_id))
    assert [r.referral_id for r in aftercare.referrals] == [first]
    assert aftercare.disclosure_stopped(first) is not None


@pytest.mark.parametrize("tier", [Tier.GENERAL, Tier.SERIOUS])
def test_only_a_crisis_overrides_consent_for_safety(tier: Tier) -> None:
    with pytest.raises(CaseRuleViolated, match="only a crisis"):
        referred(assessed(tier), handoff(basis=DisclosureBasis.SAFETY_OVERRIDE,
                                         rationale="weapon in bag"))


def test_a_safety_override_needs_its_rationale() -> None:
    with pytest.raises(CaseRuleViolated, match="rationale"):
        referred(assessed(), handoff(basis=DisclosureBasis.SAFETY_OVERRIDE, rationale=" "))


def test_nothing_beyond_what_the_receiver_may_receive_is_disclosed() -> None:
    with pytest.raises(CaseRuleViolated, match="may not receive"):
        referred(assessed(), handoff(CENTRE, disclosed=(STUDENT_IDENTITY,),
                                     basis=DisclosureBasis.SAFETY_OVERRIDE, rationale="x"))


# Delivery and answers in time.

def test_a_packet_is_delivered_once_after_its_failed_attempts() -> None:
    aftercare = assessed()
    referral_id = referred(aftercare)
    assert aftercare.delivery_failed(referral_id, "timeout", meta()) == 1
    assert aftercare.delivery_failed(referral_id, "http_503", meta()) == 2
    assert aftercare.mark_delivered(referral_id, meta()) is True
    assert aftercare.mark_delivered(referral_id, meta()) is False
    delivered = [e for e in aftercare.collect_events() if isinstance(e, CaseReferrals.Delivered)]
    assert [e.attempts for e in delivered] == [3]


def test_a_referral_unanswered_by_its_time_is_passed_over_and_flagged() -> None:
    aftercare = assessed()
    referral_id = referred(aftercare)
    assert aftercare.mark_unanswered(referral_id, MORNING + timedelta(minutes=59),
                                     meta()) is False
    assert aftercare.mark_unanswered(referral_id, MORNING + timedelta(hours=1), meta())
    assert aftercare.referral(referral_id).status == "unanswered"
    assert [r.referral_id for r in aftercare.flags()] == [referral_id]
    with pytest.raises(CaseRuleViolated, match="unanswered is final: it cannot be accepted"):
        aftercare.record_answer(referral_id, ReferralResponse.ACCEPTED, meta())


def test_an_answered_referral_is_never_unanswered() -> None:
    aftercare = assessed()
    referral_id = referred(aftercare)
    aftercare.record_answer(referral_id, ReferralResponse.ACCEPTED, meta())
    assert not aftercare.mark_unanswered(referral_id, MORNING + timedelta(days=9), meta())


def test_a_decline_keeps_its_reason_and_the_flag_clears_once_another_receiver_accepts(
        ) -> None:
    aftercare = assessed()
    first = referred(aftercare)
    aftercare.record_answer(first, ReferralResponse.DECLINED, meta(), "no_capacity")
    assert aftercare.referral(first).decline_reason == "no_capacity"
    second = referred(aftercare, handoff(rerouted_from=first))
    assert [r.referral_id for r in aftercare.flags()] == [first]
    aftercare.record_answer(second, ReferralResponse.ACCEPTED, meta())
    assert aftercare.flags() == []


def test_only_a_declined_or_unanswered_referral_is_rerouted() -> None:
    aftercare = assessed()
    first = referred(aftercare)
    with pytest.raises(CaseRuleViolated, match="requested is not re-routed"):
        referred(aftercare, handoff(rerouted_from=first))


def test_closing_after_an_unanswered_referral_needs_another_receiver() -> None:
    aftercare = assessed(Tier.SERIOUS)
    aftercare.record_follow_up(FollowUpOutcome.STABLE, TODAY, meta())
    referral_id = referred(aftercare)
    aftercare.mark_unanswered(referral_id, MORNING + timedelta(days=1), meta())
    with pytest.raises(CaseRuleViolated, match="unanswered: another receiver is needed"):
        aftercare.close(ClosureReason.RESOLVED, meta())


# Overdue follow-ups.

def test_a_follow_up_past_its_day_is_overdue_once_and_listed_until_done() -> None:
    aftercare = assessed(Tier.CRISIS)  # weekly from 1 March: 8 March first
    assert aftercare.raise_overdue(date(2024, 3, 8), meta()) == []
    assert aftercare.raise_overdue(date(2024, 3, 16), meta()) == [1, 2]
    assert aftercare.raise_overdue(date(2024, 3, 16), meta()) == []
    assert [f.number for f in aftercare.overdue_follow_ups()] == [1, 2]
    aftercare.record_follow_up(FollowUpOutcome.STABLE, date(2024, 3, 16), meta())
    assert [f.number for f in aftercare.overdue_follow_ups()] == [2]


# Return to school.

def plan(returned_on: date = date(2024, 4, 1)) -> ReturnPlan:
    return ReturnPlan(uuid4(), returned_on, ["reduced_timetable"], date(2024, 4, 15),
                      [{"role": "class_teacher", "id": "t-3"}], None)


def test_a_return_to_school_needs_a_discharge_first() -> None:
    aftercare = assessed()
    referral_id = referred(aftercare)
    aftercare.record_answer(referral_id, ReferralResponse.ACCEPTED, meta())
    with pytest.raises(CaseRuleViolated, match="discharged"):
        aftercare.plan_return(plan(), meta())


def test_follow_ups_start_again_from_the_day_of_return() -> None:
    aftercare = assessed()
    referral_id = referred(aftercare)
    for response in (ReferralResponse.ACCEPTED, ReferralResponse.ADMITTED,
                     ReferralResponse.DISCHARGED):
        aftercare.record_answer(referral_id, response, meta())
    aftercare.plan_return(plan(date(2024, 4, 1)), meta())
    assert aftercare.follow_ups[0].due == date(2024, 4, 8)
    assert len(aftercare.follow_ups) == 8
    assert aftercare.return_plans[0].study_support == ["reduced_timetable"]


# Closure and reopening.

def test_reopening_links_to_the_closure_and_schedules_follow_ups_again() -> None:
    aftercare = assessed(Tier.GENERAL)
    aftercare.record_follow_up(FollowUpOutcome.STABLE, TODAY, meta())
    aftercare.close(ClosureReason.RESOLVED, meta())
    closed_version = aftercare.version
    aftercare.reopen(ReopenReason.RELAPSE, date(2024, 6, 1), meta())
    assert not aftercare.closed
    assert aftercare.closures[0].version == closed_version
    assert aftercare.closures[0].reopened_because == "relapse"
    reopened = [e for e in aftercare.collect_events() if isinstance(e, Aftercare.Reopened)]
    assert reopened[0].closed_version == closed_version
    assert aftercare.follow_ups[1].due == date(2024, 7, 1)
    referred(aftercare)


def test_an_open_case_is_not_reopened() -> None:
    with pytest.raises(CaseRuleViolated, match="not closed"):
        assessed().reopen(ReopenReason.RELAPSE, TODAY, meta())


# Home visits.

@pytest.mark.parametrize(("day", "term"), [
    (date(2024, 9, 1), "2024-1"), (date(2025, 1, 31), "2024-1"),
    (date(2025, 2, 1), "2024-2"), (date(2025, 8, 31), "2024-2")])
def test_the_semester_runs_september_to_january_and_february_to_august(
        day: date, term: str) -> None:
    assert semester(day) == term


def test_a_key_concern_student_without_a_visit_this_semester_is_due_once() -> None:
    aftercare = assessed()
    assert aftercare.raise_visit_due(TODAY, meta()) is False
    aftercare.note_student(student_key=None, signs=[], meta=meta(),
                           key_concerns=[KeyConcern.LEFT_BEHIND.value])
    assert aftercare.raise_visit_due(TODAY, meta()) is True
    assert aftercare.raise_visit_due(TODAY, meta()) is False
    assert aftercare.record_home_visit(uuid4(), TODAY, "met both parents", meta()) == "2023-2"
    assert aftercare.visit_due(date(2024, 9, 2)) == "2024-1"


def test_a_visited_student_is_not_due_this_semester() -> None:
    aftercare = assessed()
    aftercare.note_student(student_key=None, signs=[], meta=meta(),
                           key_concerns=[KeyConcern.BEREAVED.value])
    aftercare.record_home_visit(uuid4(), TODAY, None, meta())
    assert aftercare.raise_visit_due(TODAY + timedelta(days=30), meta()) is False


# The board the timers read, rebuilt from the events.

def test_the_board_follows_deadlines_flags_and_visits() -> None:
    aftercare = assessed(Tier.CRISIS)
    aftercare.note_student(student_key="a" * 32, signs=["self_harm"], meta=meta(),
                           key_concerns=[KeyConcern.MIGRANT.value])
    referral_id = referred(aftercare)
    board = ReferralBoard()
    board.apply(aftercare.collect_events())
    assert board.cases_of[referral_id] == aftercare.id
    assert board.late_answers(MORNING + timedelta(hours=2)) == [(aftercare.id, referral_id)]
    assert board.follow_ups_past(date(2024, 3, 9)) == [aftercare.id]
    assert board.visit_candidates("2023-2") == [aftercare.id]
    aftercare.mark_unanswered(referral_id, MORNING + timedelta(hours=2), meta())
    aftercare.raise_overdue(date(2024, 3, 9), meta())
    aftercare.raise_visit_due(TODAY, meta())
    board.apply(aftercare.collect_events())
    assert board.late_answers(MORNING + timedelta(days=9)) == []
    assert board.flagged == {aftercare.id}
    assert board.overdue == {aftercare.id: {1}}
    assert board.visits_missing() == {aftercare.id: ["2023-2"]}

"""Aftercare: follow-up schedules by tier, referrals and their answers, closing the case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import (
    ClosureReason,
    DisclosureBasis,
    FollowUpOutcome,
    ReceiverType,
    ReferralResponse,
    Tier,
)
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.receivers import DISCLOSURE, RISK_TIER, Receiver
from services.referral.domain.referrals import CaseReferrals, Handoff
from services.referral.domain.schedule import follow_up_dates

TODAY = date(2024, 3, 1)
ACCEPTED = ReferralResponse.ACCEPTED
DECLINED = ReferralResponse.DECLINED
SCHEDULED = ReferralResponse.SCHEDULED
ADMITTED = ReferralResponse.ADMITTED
DISCHARGED = ReferralResponse.DISCHARGED


def meta() -> EventMeta:
    return EventMeta.by("crisis_team", "t1",
                        occurred_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC))


def opened() -> Aftercare:
    return Aftercare.open(uuid4(), meta())


def assessed(tier: Tier, *, decided: bool = True, today: date = TODAY) -> Aftercare:
    aftercare = opened()
    aftercare.note_tier(tier, decided=decided, today=today, meta=meta())
    return aftercare


def handoff(receiver: ReceiverType = ReceiverType.HOSPITAL_GREEN_CHANNEL, *,
            disclosed: list[str] | None = None,
            basis: DisclosureBasis = DisclosureBasis.CONSENT,
            rationale: str | None = None, rerouted_from: UUID | None = None) -> Handoff:
    return Handoff(uuid4(), Receiver("hospital-1", receiver, tuple(DISCLOSURE[receiver]), 60),
                   basis, disclosed or [RISK_TIER], datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
                   rationale=rationale, rerouted_from=rerouted_from)


def referred(aftercare: Aftercare,
             receiver: ReceiverType = ReceiverType.HOSPITAL_GREEN_CHANNEL) -> UUID:
    request = handoff(receiver)
    aftercare.refer(request, meta())
    return request.referral_id


def answer(aftercare: Aftercare, referral_id: UUID, *responses: ReferralResponse) -> None:
    for response in responses:
        aftercare.record_answer(referral_id, response, meta())


def follow_up(aftercare: Aftercare, today: date = TODAY) -> int:
    return aftercare.record_follow_up(FollowUpOutcome.STABLE, today, meta())


def close(aftercare: Aftercare) -> None:
    aftercare.close(ClosureReason.RESOLVED, meta())


def event_types(aftercare: Aftercare) -> list[type[object]]:
    return [type(e) for e in aftercare.collect_events()]


# Schedules.

@pytest.mark.parametrize(("tier", "interval", "count"), [
    (Tier.CRISIS, timedelta(weeks=1), 8),
    (Tier.SERIOUS, timedelta(weeks=2), 4),
    (Tier.GENERAL, timedelta(days=30), 3),
])
def test_follow_ups_are_scheduled_by_tier(tier: Tier, interval: timedelta, count: int) -> None:
    assert follow_up_dates(tier, TODAY) == [TODAY + interval * n for n in range(1, count + 1)]


def test_crisis_follow_ups_are_weekly_for_eight_weeks() -> None:
    dates = follow_up_dates(Tier.CRISIS, TODAY)
    assert dates[0] == date(2024, 3, 8)
    assert dates[-1] == date(2024, 4, 26)


def test_serious_follow_ups_are_fortnightly_for_eight_weeks() -> None:
    assert follow_up_dates(Tier.SERIOUS, TODAY) == [
        date(2024, 3, 15), date(2024, 3, 29), date(2024, 4, 12), date(2024, 4, 26)]


def test_general_follow_ups_are_every_thirty_days_three_times() -> None:
    assert follow_up_dates(Tier.GENERAL, TODAY) == [
        date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 30)]


def test_tier_none_has_no_follow_ups() -> None:
    assert follow_up_dates(Tier.NONE, TODAY) == []


# Noting the tier.

def test_an_opened_aftercare_has_no_tier_and_is_open() -> None:
    aftercare = opened()
    assert aftercare.tier is None
    assert aftercare.tier_decided is False
    assert aftercare.follow_ups == []
    assert aftercare.referrals == []
    assert aftercare.closed is False


def test_a_noted_tier_schedules_its_follow_ups() -> None:
    aftercare = assessed(Tier.SERIOUS)
    assert aftercare.tier == Tier.SERIOUS
    assert aftercare.tier_decided is True
    assert [f.number for f in aftercare.follow_ups] == [1, 2, 3, 4]
    assert [f.due for f in aftercare.follow_ups] == follow_up_dates(Tier.SERIOUS, TODAY)
    assert all(f.outcome is None and f.on_time is None for f in aftercare.follow_ups)
    assert event_types(aftercare) == [Aftercare.Opened, Aftercare.TierNoted,
                                      Aftercare.FollowUpsScheduled]


def test_a_provisional_crisis_confirmed_by_the_decision_is_not_rescheduled() -> None:
    aftercare = assessed(Tier.CRISIS, decided=False)
    assert aftercare.tier_decided is False
    aftercare.note_tier(Tier.CRISIS, decided=True, today=TODAY + timedelta(days=2), meta=meta())
    assert aftercare.tier_decided is True
    assert [f.due for f in aftercare.follow_ups] == follow_up_dates(Tier.CRISIS, TODAY)
    assert event_types(aftercare) == [Aftercare.Opened, Aftercare.TierNoted,
                                      Aftercare.FollowUpsScheduled, Aftercare.TierNoted]


def test_the_same_decided_tier_noted_again_changes_nothing() -> None:
    aftercare = assessed(Tier.GENERAL)
    aftercare.collect_events()
    aftercare.note_tier(Tier.GENERAL, decided=True, today=TODAY + timedelta(days=9),
                        meta=meta())
    assert aftercare.collect_events() == []
    assert [f.due for f in aftercare.follow_ups] == follow_up_dates(Tier.GENERAL, TODAY)


def test_a_provisional_tier_after_the_decision_is_ignored() -> None:
    aftercare = assessed(Tier.GENERAL)
    aftercare.collect_events()
    aftercare.note_tier(Tier.CRISIS, decided=False, today=TODAY, meta=meta())
    assert aftercare.tier == Tier.GENERAL
    assert aftercare.tier_decided is True
    assert aftercare.collect_events() == []


def test_a_decision_other_than_the_provisional_tier_reschedules() -> None:
    aftercare = assessed(Tier.CRISIS, decided=False)
    later = TODAY + timedelta(days=1)
    aftercare.note_tier(Tier.SERIOUS, decided=True, today=later, meta=meta())
    assert aftercare.tier == Tier.SERIOUS
    assert [f.due for f in aftercare.follow_ups] == follow_up_dates(Tier.SERIOUS, later)
    assert [f.number for f in aftercare.follow_ups] == [1, 2, 3, 4]


def test_a_regrade_keeps_the_follow_ups_already_done() -> None:
    aftercare = assessed(Tier.CRISIS)
    first = follow_up(aftercare, date(2024, 3, 8))
    second = follow_up(aftercare, date(2024, 3, 16))
    regraded_on = date(2024, 3, 20)
    aftercare.note_tier(Tier.GENERAL, decided=True, today=regraded_on, meta=meta())

    assert (first, second) == (1, 2)
    done, rest = aftercare.follow_ups[:2], aftercare.follow_ups[2:]
    assert [(f.number, f.due, f.outcome, f.on_time) for f in done] == [
        (1, date(2024, 3, 8), "stable", True), (2, date(2024, 3, 15), "stable", False)]
    assert [f.number for f in rest] == [3, 4, 5]
    assert [f.due for f in rest] == follow_up_dates(Tier.GENERAL, regraded_on)
    assert follow_up(aftercare, date(2024, 4, 1)) == 3
    assert aftercare.follow_ups[2].outcome == "stable"


def test_a_regrade_to_tier_none_cancels_the_follow_ups_still_to_come() -> None:
    aftercare = assessed(Tier.SERIOUS)
    follow_up(aftercare)
    aftercare.note_tier(Tier.NONE, decided=True, today=TODAY, meta=meta())
    assert [f.number for f in aftercare.follow_ups] == [1]
    with pytest.raises(CaseRuleViolated, match="no follow-up is scheduled"):
        follow_up(aftercare)


def test_a_closed_case_ignores_a_new_tier() -> None:
    aftercare = assessed(Tier.NONE)
    close(aftercare)
    aftercare.collect_events()
    aftercare.note_tier(Tier.CRISIS, decided=True, today=TODAY, meta=meta())
    assert aftercare.tier == Tier.NONE
    assert aftercare.follow_ups == []
    assert aftercare.collect_events() == []


# Follow-ups.

@pytest.mark.parametrize(("done_on", "on_time"), [
    (date(2024, 3, 7), True),
    (date(2024, 3, 8), True),
    (date(2024, 3, 9), False),
])
def test_a_follow_up_is_on_time_until_its_due_date(done_on: date, on_time: bool) -> None:
    aftercare = assessed(Tier.CRISIS)
    assert aftercare.follow_ups[0].due == date(2024, 3, 8)
    aftercare.record_follow_up(FollowUpOutcome.WORSENING, done_on, meta())
    first = aftercare.follow_ups[0]
    assert (first.outcome, first.on_time) == ("worsening", on_time)
    event = aftercare.collect_events()[-1]
    assert isinstance(event, Aftercare.FollowedUp)
    assert (event.number, event.outcome, event.on_time) == (1, "worsening", on_time)


def test_follow_ups_are_recorded_in_order_of_the_schedule() -> None:
    aftercare = assessed(Tier.GENERAL)
    assert [follow_up(aftercare) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(CaseRuleViolated, match="no follow-up is scheduled"):
        follow_up(aftercare)


def test_a_follow_up_before_any_assessment_is_refused() -> None:
    with pytest.raises(CaseRuleViolated, match="no follow-up is scheduled"):
        follow_up(opened())


# Referrals.

def test_a_referral_before_the_assessment_is_refused() -> None:
    aftercare = opened()
    with pytest.raises(CaseRuleViolated, match="not been assessed"):
        referred(aftercare)
    assert aftercare.referrals == []


def test_a_referral_on_tier_none_is_refused() -> None:
    aftercare = assessed(Tier.NONE)
    with pytest.raises(CaseRuleViolated, match="tier none"):
        referred(aftercare)
    assert aftercare.referrals == []


def test_a_referral_on_a_provisional_tier_is_allowed() -> None:
    aftercare = assessed(Tier.CRISIS, decided=False)
    referral_id = referred(aftercare, ReceiverType.POLICE)
    assert aftercare.referral(referral_id).status == "requested"


@pytest.mark.parametrize("receiver", list(ReceiverType))
def test_a_referral_records_what_it_disclosed_to_whom(receiver: ReceiverType) -> None:
    aftercare = assessed(Tier.SERIOUS)
    referral_id = referred(aftercare, receiver)
    referral = aftercare.referral(referral_id)
    assert referral.receiver_type == receiver
    assert referral.receiver_id == "hospital-1"
    assert referral.disclosed == [RISK_TIER]
    event = aftercare.collect_events()[-1]
    assert isinstance(event, CaseReferrals.Referred)
    assert (event.disclosed, event.basis) == ([RISK_TIER], "consent")


def test_only_the_hospital_and_police_learn_who_the_student_is() -> None:
    assert "student_identity" in DISCLOSURE[ReceiverType.HOSPITAL_GREEN_CHANNEL]
    assert "student_identity" in DISCLOSURE[ReceiverType.POLICE]
    centre = DISCLOSURE[ReceiverType.DISTRICT_GUIDANCE_CENTRE]
    assert "student_identity" not in centre
    assert "guardian_contact" not in centre
    assert "student_pseudonym" in centre
    assert "assessment_summary" not in DISCLOSURE[ReceiverType.POLICE]


@pytest.mark.parametrize("path", [
    [ACCEPTED, SCHEDULED, ADMITTED, DISCHARGED],
    [ACCEPTED, ADMITTED, DISCHARGED],
    [ACCEPTED, DISCHARGED],
    [ACCEPTED, SCHEDULED, DISCHARGED],
    [ACCEPTED],
    [DECLINED],
])
def test_a_referral_moves_along_its_allowed_path(path: list[ReferralResponse]) -> None:
    aftercare = assessed(Tier.CRISIS)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, *path)
    assert aftercare.referral(referral_id).status == path[-1]
    answered = [e for e in aftercare.collect_events() if isinstance(e, CaseReferrals.Answered)]
    assert [e.response for e in answered] == [r.value for r in path]


@pytest.mark.parametrize(("before", "refused"), [
    pytest.param([], ADMITTED, id="admitted before accepted"),
    pytest.param([], SCHEDULED, id="scheduled before accepted"),
    pytest.param([], DISCHARGED, id="discharged before accepted"),
    pytest.param([ACCEPTED], ACCEPTED, id="accepted twice"),
    pytest.param([ACCEPTED], DECLINED, id="declined after accepted"),
    pytest.param([ACCEPTED, SCHEDULED], SCHEDULED, id="scheduled twice"),
    pytest.param([ACCEPTED, ADMITTED], SCHEDULED, id="scheduled after admitted"),
    pytest.param([ACCEPTED, ADMITTED, DISCHARGED], ADMITTED, id="admitted after discharge"),
])
def test_a_referral_refuses_a_step_out_of_order(before: list[ReferralResponse],
                                                refused: ReferralResponse) -> None:
    aftercare = assessed(Tier.CRISIS)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, *before)
    status = aftercare.referral(referral_id).status
    with pytest.raises(CaseRuleViolated, match=f"cannot be {refused.value}"):
        answer(aftercare, referral_id, refused)
    assert aftercare.referral(referral_id).status == status


@pytest.mark.parametrize("response", list(ReferralResponse))
def test_a_declined_referral_is_final(response: ReferralResponse) -> None:
    aftercare = assessed(Tier.CRISIS)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, DECLINED)
    with pytest.raises(CaseRuleViolated, match="declined is final: it cannot be"):
        answer(aftercare, referral_id, response)


def test_an_answer_for_an_unknown_referral_is_refused() -> None:
    aftercare = assessed(Tier.CRISIS)
    with pytest.raises(CaseRuleViolated, match="no referral"):
        answer(aftercare, uuid4(), ACCEPTED)


def test_each_referral_keeps_its_own_status() -> None:
    aftercare = assessed(Tier.CRISIS)
    hospital = referred(aftercare)
    centre = referred(aftercare, ReceiverType.DISTRICT_GUIDANCE_CENTRE)
    answer(aftercare, hospital, DECLINED)
    answer(aftercare, centre, ACCEPTED)
    assert aftercare.referral(hospital).status == "declined"
    assert aftercare.referral(centre).status == "accepted"


# Closing.

def test_a_case_closes_when_nothing_is_left_hanging() -> None:
    aftercare = assessed(Tier.CRISIS)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, ACCEPTED, ADMITTED, DISCHARGED)
    follow_up(aftercare)
    aftercare.close(ClosureReason.TRANSFERRED, meta())
    assert aftercare.closed is True
    assert aftercare.closed_because == "transferred"
    assert event_types(aftercare)[-1] is Aftercare.Closed


def test_a_case_of_tier_none_closes_without_follow_ups() -> None:
    aftercare = assessed(Tier.NONE)
    aftercare.close(ClosureReason.NO_FURTHER_ACTION, meta())
    assert aftercare.closed_because == "no_further_action"


def test_closing_before_any_assessment_is_refused() -> None:
    with pytest.raises(CaseRuleViolated, match="not decided the tier"):
        close(opened())


def test_closing_on_a_provisional_tier_is_refused() -> None:
    aftercare = assessed(Tier.CRISIS, decided=False)
    follow_up(aftercare)
    with pytest.raises(CaseRuleViolated, match="not decided the tier"):
        close(aftercare)
    assert aftercare.closed is False


@pytest.mark.parametrize("tier", [Tier.GENERAL, Tier.SERIOUS, Tier.CRISIS])
def test_closing_before_any_follow_up_is_refused(tier: Tier) -> None:
    aftercare = assessed(tier)
    with pytest.raises(CaseRuleViolated, match="no follow-up has been recorded"):
        close(aftercare)
    follow_up(aftercare)
    close(aftercare)
    assert aftercare.closed is True


@pytest.mark.parametrize("answers", [
    pytest.param([], id="requested"),
    pytest.param([ACCEPTED], id="accepted"),
    pytest.param([ACCEPTED, SCHEDULED], id="scheduled"),
    pytest.param([ACCEPTED, ADMITTED], id="admitted"),
    pytest.param([ACCEPTED, SCHEDULED, ADMITTED], id="admitted after scheduling"),
])
def test_closing_while_a_referral_is_still_open_is_refused(
        answers: list[ReferralResponse]) -> None:
    aftercare = assessed(Tier.SERIOUS)
    follow_up(aftercare)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, *answers)
    with pytest.raises(CaseRuleViolated, match="a referral is still open: hospital-1 is"):
        close(aftercare)
    assert aftercare.closed is False


@pytest.mark.parametrize("answers", [
    pytest.param([ACCEPTED, ADMITTED, DISCHARGED], id="discharged after admission"),
    pytest.param([ACCEPTED, DISCHARGED], id="discharged from outpatient care"),
])
def test_closing_after_the_receivers_care_ended_is_allowed(
        answers: list[ReferralResponse]) -> None:
    aftercare = assessed(Tier.SERIOUS)
    follow_up(aftercare)
    referral_id = referred(aftercare)
    answer(aftercare, referral_id, *answers)
    close(aftercare)
    assert aftercare.closed is True


def test_a_declined_referral_needs_another_receiver_before_closing() -> None:
    aftercare = assessed(Tier.SERIOUS)
    follow_up(aftercare)
    answer(aftercare, referred(aftercare), DECLINED)
    with pytest.raises(CaseRuleViolated, match="declined: another receiver is needed"):
        close(aftercare)
    answer(aftercare, referred(aftercare), ACCEPTED, DISCHARGED)
    close(aftercare)
    assert aftercare.closed is True


def test_closing_twice_is_refused() -> None:
    aftercare = assessed(Tier.NONE)
    close(aftercare)
    with pytest.raises(CaseRuleViolated, match="the case is closed"):
        aftercare.close(ClosureReason.LEFT_SCHOOL, meta())
    assert aftercare.closed_because == "resolved"


def test_a_closed_case_refuses_referrals_and_follow_ups() -> None:
    aftercare = assessed(Tier.GENERAL)
    follow_up(aftercare)
    close(aftercare)
    with pytest.raises(CaseRuleViolated, match="the case is closed"):
        referred(aftercare)
    with pytest.raises(CaseRuleViolated, match="the case is closed"):
        follow_up(aftercare)

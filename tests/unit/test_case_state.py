"""A case as CASES had it at a time: who decided its tier and when, which guardians were
told and who acknowledged, each referral's status at its receiver, the follow-ups due and
overdue, what was open, the stage reached; and nothing recorded after the moment asked."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from contracts.case_state import CaseState, PartAnswer
from contracts.codes import NoticeChannel, ReceiverType, ReferralResponse, Role, Sign, Tier
from contracts.envelope import Actor
from services.supervision.domain.case_state import case_state, up_to
from services.supervision.domain.comparison import differences
from tests.case_trails import TEAM, Trail

HEAD = Actor(role=Role.CRISIS_TEAM_HEAD, id="head-1")


def at(trail: Trail, moment: datetime) -> CaseState:
    return case_state(trail.case_id, up_to(trail.envelopes, moment), moment,
                      today=moment.date())


def kinds(state: CaseState) -> list[str]:
    return [flag.kind for flag in state.flags]


def test_a_case_only_detected_is_at_its_first_stage_with_no_tier() -> None:
    trail = Trail()
    detected = trail.detected()
    trail.proposed(Tier.GENERAL)
    state = at(trail, trail.now)
    assert (state.stage, state.stages_reached, state.closed) == ("detected", ["detected"],
                                                                 False)
    assert state.intake.detected_at == detected.recorded_at
    assert state.intake.source == "staff_observation" and state.intake.reports == 1
    assert state.assessment.proposed_tier is Tier.GENERAL
    assert state.assessment.tier is None and state.assessment.decided is None


def test_before_the_first_event_was_recorded_the_case_had_no_state_of_any_stage() -> None:
    trail = Trail()
    detected = trail.detected()
    state = at(trail, detected.recorded_at - timedelta(seconds=1))
    assert state.events == 0 and state.stage is None and state.intake.detected_at is None


def test_a_general_case_names_who_decided_its_tier_and_which_guardian_acknowledged() -> None:
    trail = Trail()
    trail.detected()
    trail.proposed(Tier.GENERAL)
    before_decision = trail.now
    decision = trail.decided(Tier.GENERAL, HEAD)
    trail.tier_noted(Tier.GENERAL)
    notice = trail.notice(Tier.GENERAL)
    trail.dispatched(notice)
    told_not_acknowledged = trail.now
    trail.acknowledged(notice)

    assert at(trail, before_decision).assessment.tier is None
    decided = at(trail, decision.recorded_at)
    assert decided.stage == "assessed" and decided.assessment.tier is Tier.GENERAL
    assert decided.assessment.decided is not None
    assert (decided.assessment.decided.by, decided.assessment.decided.at) == (
        HEAD, decision.occurred_at)
    assert decided.told == []

    waiting = at(trail, told_not_acknowledged)
    assert waiting.stage == "family-notified"
    [told] = waiting.told
    assert (told.notice_id, told.channel, told.acknowledged_at) == (notice, NoticeChannel.SMS,
                                                                    None)
    assert waiting.notification.notices[0].dispatched
    assert not waiting.notification.notices[0].acknowledged

    final = at(trail, trail.now)
    [told] = final.told
    assert told.acknowledged_by == Actor(role=Role.GUARDIAN, id="g-1")
    assert final.notification.notices[0].acknowledged and final.flags == []


def test_a_notice_past_its_time_without_acknowledgement_is_open_as_late() -> None:
    trail = Trail()
    trail.detected()
    notice = trail.notice(Tier.SERIOUS, wait=timedelta(minutes=15))
    assert kinds(at(trail, trail.now)) == []
    assert kinds(at(trail, trail.now + timedelta(minutes=30))) == ["acknowledgement_late"]
    trail.acknowledged(notice)
    assert kinds(at(trail, trail.now + timedelta(minutes=30))) == []


def test_a_serious_case_shows_its_referral_at_each_receivers_step_as_of_each_moment() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.SERIOUS)
    trail.tier_noted(Tier.SERIOUS)
    trail.scheduled(Tier.SERIOUS, date(2026, 3, 16), date(2026, 3, 30))
    referral_id = trail.referred("district-centre", ReceiverType.DISTRICT_GUIDANCE_CENTRE)
    made = trail.now
    trail.delivered(referral_id)
    trail.answered(referral_id, ReferralResponse.ACCEPTED)
    accepted = trail.now
    trail.answered(referral_id, ReferralResponse.SCHEDULED)

    def status(moment: datetime) -> tuple[str, bool]:
        [referral] = at(trail, moment).referral.referrals
        return referral.status, referral.delivered

    assert status(made) == ("requested", False)
    assert status(accepted) == ("accepted", True)
    assert status(trail.now) == ("scheduled", True)
    state = at(trail, trail.now)
    assert state.stage == "referred" and state.referral.tier is Tier.SERIOUS


def test_follow_ups_are_due_then_overdue_once_their_day_has_passed_unless_done() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.SERIOUS)
    trail.scheduled(Tier.SERIOUS, date(2026, 3, 16), date(2026, 3, 30))
    state = at(trail, trail.now)
    assert state.follow_ups_due == [date(2026, 3, 16), date(2026, 3, 30)]
    assert state.follow_ups_overdue == []

    later = datetime(2026, 3, 20, 9, 0, tzinfo=trail.now.tzinfo)
    late = case_state(trail.case_id, up_to(trail.envelopes, later), later,
                      today=later.date())
    assert late.follow_ups_due == [date(2026, 3, 30)]
    assert late.follow_ups_overdue == [date(2026, 3, 16)]

    trail.overdue(1, date(2026, 3, 16))
    trail.followed_up(1, on_time=False)
    done = at(trail, trail.now)
    assert done.follow_ups_overdue == [] and done.stage == "followed-up"
    assert done.referral.follow_ups[0].done and done.referral.follow_ups[0].flagged_overdue
    assert "follow_up_overdue" not in kinds(done)


def test_a_new_tier_replaces_only_the_follow_ups_still_to_come() -> None:
    trail = Trail()
    trail.detected()
    trail.scheduled(Tier.GENERAL, date(2026, 4, 1), date(2026, 5, 1))
    trail.followed_up(1)
    trail.scheduled(Tier.SERIOUS, date(2026, 3, 16), date(2026, 3, 30))
    follow_ups = at(trail, trail.now).referral.follow_ups
    assert [(f.number, f.due, f.done) for f in follow_ups] == [
        (1, date(2026, 4, 1), True), (2, date(2026, 3, 16), False),
        (3, date(2026, 3, 30), False)]


def test_a_crisis_case_shows_the_guardian_not_reached_the_escalation_and_the_reroute() -> None:
    trail = Trail()
    trail.detected(Sign.SUICIDE_ATTEMPT, imminent=True)
    trail.crisis_path()
    notice = trail.notice(Tier.CRISIS, NoticeChannel.PHONE, wait=timedelta(minutes=15))
    trail.failed(notice)
    escalation = trail.escalated(notice)
    trail.escalation_dispatched(escalation)
    hospital = trail.referred("anding-hospital", ReceiverType.HOSPITAL_GREEN_CHANNEL,
                              without_consent=True)
    trail.answered(hospital, ReferralResponse.DECLINED)
    declined = trail.now
    other = trail.referred("huilongguan", ReceiverType.HOSPITAL_GREEN_CHANNEL,
                           rerouted_from=hospital)
    trail.answered(other, ReferralResponse.ACCEPTED)
    trail.answered(other, ReferralResponse.ADMITTED)
    trail.decided(Tier.CRISIS, TEAM)

    at_decline = at(trail, declined)
    assert at_decline.assessment.crisis_path_started and at_decline.assessment.tier is None
    assert at_decline.notification.notices[0].failed
    assert at_decline.notification.escalations[0].dispatched
    assert kinds(at_decline) == ["guardian_not_reached", "notice_escalated",
                                 "disclosed_without_consent", "referral_needs_receiver"]

    state = at(trail, trail.now)
    first, second = state.referral.referrals
    assert (first.status, first.rerouted_to) == ("declined", other)
    assert (second.status, second.rerouted_from) == ("admitted", hospital)
    assert "referral_needs_receiver" not in kinds(state)
    assert state.assessment.tier is Tier.CRISIS and state.stage == "referred"


def test_a_closed_case_keeps_only_its_disclosures_without_consent_open() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.CRISIS)
    trail.scheduled(Tier.CRISIS, date(2026, 3, 9))
    trail.referred("anding-hospital", ReceiverType.HOSPITAL_GREEN_CHANNEL,
                   without_consent=True)
    trail.notice(Tier.CRISIS, wait=timedelta(minutes=1))
    trail.closed()
    moment = datetime(2026, 4, 1, tzinfo=trail.now.tzinfo)
    state = case_state(trail.case_id, up_to(trail.envelopes, moment), moment,
                       today=moment.date())
    assert (state.stage, state.closed) == ("closed", True)
    assert kinds(state) == ["disclosed_without_consent"]
    assert state.follow_ups_overdue == []


def test_a_case_decided_as_none_is_assessed_and_tells_no_one() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.NONE)
    state = at(trail, trail.now)
    assert state.stage == "assessed" and state.assessment.tier is Tier.NONE
    assert state.told == [] and state.follow_ups_due == []


def test_a_break_glass_is_open_until_it_expires() -> None:
    trail = Trail()
    trail.detected()
    opened = trail.break_glass(minutes=30)
    assert kinds(at(trail, opened.recorded_at)) == ["break_glass_open"]
    assert at(trail, opened.recorded_at).flags[0].about == "grade_leader:gl-1"
    assert kinds(at(trail, opened.recorded_at + timedelta(hours=1))) == []
    assert at(trail, trail.now).intake.break_glass_openings == 1


def test_an_event_recorded_after_the_moment_is_not_in_the_record_even_if_it_happened_before(
        ) -> None:
    trail = Trail()
    trail.detected()
    asked = trail.now + timedelta(minutes=5)
    late = trail.decided(Tier.SERIOUS)
    backdated = late.model_copy(update={"occurred_at": trail.now - timedelta(hours=1),
                                        "recorded_at": asked + timedelta(minutes=1)})
    trail.envelopes[-1] = backdated
    assert at(trail, asked).assessment.tier is None
    assert at(trail, asked + timedelta(minutes=1)).assessment.tier is Tier.SERIOUS


def test_a_store_that_agrees_shows_no_difference_and_one_that_does_not_names_the_field(
        ) -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.SERIOUS)
    notice = trail.notice(Tier.SERIOUS)
    trail.acknowledged(notice)
    state = at(trail, trail.now)
    agreeing = {service: PartAnswer(status="answered",
                                    part=getattr(state, service).model_dump(mode="json"))
                for service in ("intake", "assessment", "notification")}
    agreeing["referral"] = PartAnswer(status="no_record")
    assert differences(state, agreeing) == []

    told = state.notification.model_dump(mode="json")
    told["notices"][0]["acknowledged"] = False
    disagreeing = {**agreeing, "notification": PartAnswer(status="answered", part=told),
                   "intake": PartAnswer(status="unreachable")}
    found = {(d.service, d.field, d.cases_says, d.store_says)
             for d in differences(state, disagreeing)}
    assert found == {("notification", f"notices[{UUID(str(notice))}].acknowledged", True,
                      False), ("intake", "*", "recorded", "unreachable")}

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta, event_id_of
from contracts.codes import (
    Channel,
    ClosureReason,
    DisclosureBasis,
    FollowUpOutcome,
    KeyConcern,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    Sign,
    Tier,
)
from contracts.events import assessment, intake
from services.referral.adapters.published import PUBLISHED
from services.referral.application import NotYourReferral, ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.consents import ConsentGiven
from services.referral.domain.directory import Directory
from services.referral.domain.referrals import CaseReferrals
from services.referral.routing import InvalidReferral, ReferralRequest
from tests.application.conftest import deliver, detected, envelope

TEAM = EventMeta.by("crisis_team", "lead")
LIAISON = EventMeta.by("receiver_liaison", "hospital-7")
HOSPITAL = ReceiverType.HOSPITAL_GREEN_CHANNEL
KEY = "0" * 32
# The guardians' consent as POST /cases/{id}/consents takes it, but for whom it reaches:
# `receivers` (ids) or a `receiver_type`.
CONSENT: dict[str, Any] = {
    "given_by_guardian_rank": 1, "relationship": "mother",
    "given_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    "scope": ["student_identity", "student_pseudonym", "guardian_contact", "risk_tier",
              "signs_observed", "assessment_summary"]}
PATIENT = {"name": "王小明", "birth_date": "2010-05-01", "school_student_id": "S-1"}


def directory(minutes: float = 60, endpoint: str | None = None) -> Directory:
    def entry(rid: str, kind: str, order: int) -> dict[str, Any]:
        return {"id": rid, "type": kind, "name": rid, "order": order,
                "answer_within_minutes": minutes,
                **({"endpoint": endpoint} if endpoint else {})}
    return Directory.model_validate({"receivers": [
        entry("hospital-b", HOSPITAL, 2), entry("hospital-a", HOSPITAL, 1),
        entry("district-centre", ReceiverType.DISTRICT_GUIDANCE_CENTRE, 1),
        entry("district-police", ReceiverType.POLICE, 1)]})


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


def decide(app: ReferralApplication, tier: Tier,
           at: datetime | None = None, case_id: UUID | None = None) -> UUID:
    case_id = case_id or uuid4()
    decided = assessment.TierDecided(student_key=KEY, tier=tier, proposed_tier=tier,
                                     overrides_proposal=False,
                                     participant_roles=[Role.CRISIS_TEAM])
    message = envelope("assessment", case_id, decided)
    if at is not None:
        message = message.model_copy(update={"occurred_at": at})
    deliver(app, app.on_tier_decided, message)
    return case_id


def school_today() -> date:
    """Today at the school, which may already be tomorrow in UTC."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def request(receiver_id: str = "hospital-a", **more: Any) -> ReferralRequest:
    return ReferralRequest(receiver_id, **more)


def consented(app: ReferralApplication, case_id: UUID, consent: dict[str, Any] | None = None,
              receiver_type: ReceiverType | None = HOSPITAL, meta: EventMeta = TEAM) -> UUID:
    """The guardians' consent (CONSENT unless given) on record in the case: to the receivers
    it names, else to any receiver of `receiver_type`."""
    given = {**CONSENT, **(consent or {})}
    named = given.get("receivers")
    kind = given.get("receiver_type", receiver_type)
    return app.record_consent(case_id, ConsentGiven(
        "referral", list(given["scope"]), given["given_by_guardian_rank"],
        datetime.fromisoformat(given["given_at"]), given.get("relationship"), named,
        None if named else kind), meta)


def refer(app: ReferralApplication, case_id: UUID, receiver_id: str = "hospital-a", *,
          meta: EventMeta = TEAM, consent: dict[str, Any] | None = CONSENT,
          **more: Any) -> UUID:
    """A referral on the guardians' consent (`consent`, recorded first, to the type of the
    receiver referred to), unless its basis is the safety override or `consent` is None."""
    if (more.get("basis", DisclosureBasis.CONSENT) == DisclosureBasis.CONSENT
            and consent is not None and "consent_id" not in more):
        entry = app.directory.find(receiver_id)
        kind = more.get("receiver_type") or (entry.type if entry else None)
        more["consent_id"] = consented(app, case_id, consent, kind)
    return app.refer(case_id, ReferralRequest(receiver_id, **more), meta)


def test_a_crisis_case_goes_from_hospital_to_closure(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    assert len(referral.get_case(case_id, Aftercare).follow_ups) == 8
    referral_id = refer(referral, case_id, "hospital-7", receiver_type=HOSPITAL)
    for answer in (ReferralResponse.ACCEPTED, ReferralResponse.ADMITTED):
        referral.record_answer(case_id, referral_id, answer, LIAISON)
    assert referral.record_follow_up(case_id, FollowUpOutcome.STABLE, TEAM) == 1
    with pytest.raises(CaseRuleViolated, match="still open"):
        referral.close_case(case_id, ClosureReason.RESOLVED, TEAM)
    referral.record_answer(case_id, referral_id, ReferralResponse.DISCHARGED,
                           LIAISON)
    referral.close_case(case_id, ClosureReason.RESOLVED, TEAM)
    assert referral.get_case(case_id, Aftercare).closed


def test_admission_before_acceptance_is_refused(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    referral_id = refer(referral, case_id, "district-centre")
    with pytest.raises(CaseRuleViolated, match="cannot be admitted"):
        referral.record_answer(case_id, referral_id, ReferralResponse.ADMITTED,
                               LIAISON)


def test_a_receiver_outside_the_directory_needs_its_type(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    with pytest.raises(InvalidReferral) as refused:
        refer(referral, case_id, "somewhere-else")
    assert refused.value.field == "receiver_id"
    with pytest.raises(InvalidReferral) as refused:
        refer(referral, case_id, "hospital-a", receiver_type=ReceiverType.POLICE)
    assert refused.value.field == "receiver_type"


@pytest.mark.parametrize(("ask", "field"), [
    ({"receiver_id": "district-centre", "packet": {"patient": PATIENT}}, "packet.patient"),
    ({"packet": {"patient": PATIENT}, "consent": None}, "consent_id"),
    ({"basis": DisclosureBasis.SAFETY_OVERRIDE}, "rationale"),
    ({"basis": DisclosureBasis.SAFETY_OVERRIDE, "rationale": "x", "consent_id": uuid4()},
     "consent_id"),
])
def test_a_referral_that_would_disclose_too_much_is_refused_naming_the_field(
        referral: ReferralApplication, ask: dict[str, Any], field: str) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(InvalidReferral) as refused:
        refer(referral, case_id, **{"receiver_id": "hospital-a", **ask})
    assert refused.value.field == field


def test_a_referral_on_the_basis_of_consent_without_one_is_refused_not_recorded_without_it(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(InvalidReferral) as refused:
        refer(referral, case_id, "district-centre", consent=None)
    assert refused.value.field == "consent_id"
    assert referral.get_case(case_id, Aftercare).referrals == []


def test_a_consent_that_does_not_cover_what_goes_is_refused_as_the_cases_rule(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(CaseRuleViolated, match=r"does not cover \['guardian_contact'\]"):
        refer(referral, case_id, packet={"guardian": {"phone": "138"}},
              consent={**CONSENT, "scope": ["risk_tier", "signs_observed",
                                            "student_pseudonym"]})
    assert referral.get_case(case_id, Aftercare).referrals == []


def test_a_decline_reroutes_to_the_next_hospital_then_leaves_the_case_flagged(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    first = refer(referral, case_id, packet={"patient": PATIENT})
    second = referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON,
                                    "no_capacity")
    assert second is not None
    aftercare = referral.get_case(case_id, Aftercare)
    rerouted = aftercare.referral(second)
    assert (rerouted.receiver_id, rerouted.rerouted_from) == ("hospital-b", first)
    assert referral.opened(KEY, rerouted.packet) == {"patient": PATIENT}
    assert rerouted.consent_id == aftercare.referral(first).consent_id
    [flagged] = referral.flagged()
    assert (flagged.id, [r.referral_id for r in flagged.flags()]) == (case_id, [first])
    assert referral.record_answer(case_id, second, ReferralResponse.DECLINED, LIAISON) is None
    [flagged] = referral.flagged()
    assert [r.referral_id for r in flagged.flags()] == [first, second]


def test_a_referral_unanswered_in_time_is_passed_to_the_next_receiver(
        env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory(0.01))
    case_id = decide(app, Tier.SERIOUS)
    first = refer(app, case_id, meta=EventMeta.by("crisis_team", "lead"))
    assert app.pass_over_unanswered(datetime.now(UTC)) == 0
    assert app.pass_over_unanswered(datetime.now(UTC) + timedelta(seconds=1)) == 1
    aftercare = app.get_case(case_id, Aftercare)
    assert aftercare.referral(first).status == "unanswered"
    assert aftercare.referrals[-1].receiver_id == "hospital-b"
    assert aftercare.referrals[-1].rerouted_from == first


def test_imminent_danger_with_a_weapon_calls_the_police_at_once(
        referral: ReferralApplication) -> None:
    case_id = uuid4()
    started = assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4(),
                                           signs=[Sign.WEAPON, Sign.SELF_HARM])
    deliver(referral, referral.on_crisis_path_started,
            envelope("assessment", case_id, started))
    [police] = referral.get_case(case_id, Aftercare).referrals
    assert (police.receiver_id, police.basis) == ("district-police", "safety_override")
    assert police.disclosed == ["risk_tier"]
    assert "weapon" in (police.rationale or "")


def test_imminent_danger_without_a_police_sign_calls_no_police(
        referral: ReferralApplication) -> None:
    case_id = uuid4()
    started = assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4(),
                                           signs=[Sign.SUICIDE_ATTEMPT])
    deliver(referral, referral.on_crisis_path_started,
            envelope("assessment", case_id, started))
    assert referral.get_case(case_id, Aftercare).referrals == []


def test_only_the_receiver_referred_to_answers_its_task_and_a_repeat_changes_nothing(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    referral_id = refer(referral, case_id)
    with pytest.raises(NotYourReferral):
        referral.answer_task(referral_id, "hospital-b", ReferralResponse.ACCEPTED, None,
                             LIAISON)
    for _ in range(2):
        answered = referral.answer_task(referral_id, "hospital-a", ReferralResponse.ACCEPTED,
                                        None, LIAISON)
        assert answered.status == "accepted"
    stored = referral.events.get(case_id)
    assert len([e for e in stored if isinstance(e, CaseReferrals.Answered)]) == 1


def test_follow_ups_past_their_day_are_overdue_once(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS,
                     at=datetime.now(UTC) - timedelta(days=16))
    assert referral.raise_overdue(datetime.now(UTC)) == 2
    assert referral.raise_overdue(datetime.now(UTC)) == 0
    [(case, late)] = referral.overdue_follow_ups()
    assert (case.id, [f.number for f in late]) == (case_id, [1, 2])


def test_a_key_concern_student_gets_a_home_visit_due_until_visited(
        referral: ReferralApplication) -> None:
    case_id = uuid4()
    noticed = detected(Sign.GRADE_SWING, key_concerns=[KeyConcern.LEFT_BEHIND])
    deliver(referral, referral.on_case_detected, envelope("intake", case_id, noticed))
    decide(referral, Tier.GENERAL, case_id=case_id)
    now = datetime.now(UTC)
    assert referral.raise_visits_due(now) == 1
    assert referral.raise_visits_due(now) == 0
    assert list(referral.board.visits_missing()) == [case_id]
    referral.record_home_visit(case_id, now.date(), "met the grandparents", TEAM)
    assert referral.board.visits_missing() == {}


def test_a_return_plan_after_discharge_and_reopening_linked_to_the_closure(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    referral_id = refer(referral, case_id, "district-centre")
    for answer in (ReferralResponse.ACCEPTED, ReferralResponse.DISCHARGED):
        referral.record_answer(case_id, referral_id, answer, LIAISON)
    referral.plan_return(case_id, ["catch_up_tutoring"], school_today(),
                         [{"role": "class_teacher", "id": "t-1"}], None, TEAM)
    referral.record_follow_up(case_id, FollowUpOutcome.IMPROVING, TEAM)
    referral.close_case(case_id, ClosureReason.RESOLVED, TEAM)
    referral.reopen_case(case_id, ReopenReason.RELAPSE, TEAM)
    stored = list(referral.events.get(case_id))
    closed = next(e for e in stored if isinstance(e, Aftercare.Closed))
    reopened = PUBLISHED.envelope(next(e for e in stored if isinstance(e, Aftercare.Reopened)))
    assert reopened is not None
    assert reopened.data["closed_event_id"] == str(
        event_id_of("referral", case_id, closed.originator_version))
    assert not referral.get_case(case_id, Aftercare).closed


def test_packets_wait_for_their_retry_and_the_board_survives_a_restart(
        env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"),
                              directory=directory(endpoint="http://127.0.0.1:9/fhir"))
    case_id = decide(app, Tier.CRISIS)
    referral_id = refer(app, case_id)
    now = datetime.now(UTC)
    [packet] = app.packets_due(now, lambda n: timedelta(minutes=n))
    assert packet.referral_id == referral_id
    assert packet.bundle["resourceType"] == "Bundle"
    app.delivery_failed(case_id, referral_id, "timeout", now)
    restarted = build_referral(env, ZoneInfo("Asia/Shanghai"),
                                    directory=directory(endpoint="http://127.0.0.1:9/fhir"))
    assert restarted.packets_due(now, lambda n: timedelta(minutes=n)) == []
    later = now + timedelta(minutes=2)
    assert [p.referral_id for p in restarted.packets_due(later, lambda n: timedelta(minutes=n))
            ] == [referral_id]
    restarted.mark_delivered(case_id, referral_id, later)
    assert restarted.packets_due(later, lambda n: timedelta(0)) == []
    assert restarted.get_case(case_id, Aftercare).referral(referral_id).delivery_attempts == 2


def test_key_concerns_grow_with_reports_and_are_replaced_when_intake_notes_them(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.GENERAL)
    attached = intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                     reporter_role=Role.PEER, signs=[Sign.FAMILY_CHANGE],
                                     imminent=False, key_concerns=[KeyConcern.BEREAVED])
    deliver(referral, referral.on_report_attached, envelope("intake", case_id, attached))
    aftercare = referral.get_case(case_id, Aftercare)
    assert (aftercare.key_concerns, aftercare.signs) == (["bereaved"], ["family_change"])
    noted = intake.KeyConcernsNoted(key_concerns=[])
    deliver(referral, referral.on_key_concerns_noted, envelope("intake", case_id, noted))
    assert referral.get_case(case_id, Aftercare).key_concerns == []
    assert referral.raise_visits_due(datetime.now(UTC)) == 0

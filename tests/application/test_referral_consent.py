"""The guardians' consent is a record of the case: a referral names it, it reaches whom they
agreed to (a type of receiver, or the receivers they named), and once withdrawn nothing
more is disclosed under it; what was disclosed stays in the trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import DisclosureBasis, ReferralResponse, Tier
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.receivers import RISK_TIER, STUDENT_IDENTITY
from tests.application.conftest import published
from tests.application.test_referral import (
    CONSENT,
    HOSPITAL,
    KEY,
    LIAISON,
    PATIENT,
    TEAM,
    consented,
    decide,
    directory,
    refer,
)

AUDITOR = EventMeta.by("auditor", "auditor-1")


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


def with_webhooks(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"),
                          directory=directory(endpoint="http://127.0.0.1:9/fhir"))


def test_a_consent_is_recorded_with_who_gave_it_and_who_recorded_it_ids_and_codes_on_the_bus(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    consent = referral.get_case(case_id, Aftercare).consents[consent_id]
    assert (consent.given_by_guardian_rank, consent.relationship, consent.receiver_type,
            consent.recorded_by) == (1, "mother", HOSPITAL, {"role": "crisis_team",
                                                            "id": "lead"})
    [recorded] = published(referral, PUBLISHED, "ConsentRecorded")
    assert recorded.data["consent_id"] == str(consent_id)
    assert recorded.data["receiver_type"] == HOSPITAL
    assert recorded.actor.id == "lead"


def test_a_referral_names_its_consent_and_holds_what_it_said(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    referral_id = refer(referral, case_id, packet={"patient": PATIENT}, consent_id=consent_id)
    made = referral.get_case(case_id, Aftercare).referral(referral_id)
    assert made.consent_id == consent_id
    assert made.consent is not None and made.consent["receiver_type"] == HOSPITAL
    [event] = published(referral, PUBLISHED, "ReferralMade")
    assert (event.data["consent_id"], event.data["without_consent"]) == (str(consent_id), False)


def test_a_referral_under_a_consent_not_on_record_is_refused(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(CaseRuleViolated, match="is on record in this case"):
        refer(referral, case_id, consent_id=uuid4())


def test_a_consent_of_another_case_does_not_reach_this_one(
        referral: ReferralApplication) -> None:
    other = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, other)
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(CaseRuleViolated, match="no consent"):
        refer(referral, case_id, consent_id=consent_id)


def test_a_consent_for_a_hospital_green_channel_follows_the_reroute_to_the_next_hospital(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    first = refer(referral, case_id, packet={"patient": PATIENT})
    second = referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON)
    assert second is not None
    aftercare = referral.get_case(case_id, Aftercare)
    rerouted = aftercare.referral(second)
    assert rerouted.consent_id == aftercare.referral(first).consent_id
    assert rerouted.consent is not None
    assert rerouted.consent["receiver_type"] == "hospital_green_channel"
    assert referral.opened(KEY, rerouted.packet) == {"patient": PATIENT}


def test_a_consent_naming_one_hospital_is_not_passed_on_to_another(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    named = {**CONSENT, "receivers": ["hospital-a"]}
    first = refer(referral, case_id, packet={"patient": PATIENT}, consent=named)
    assert referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON) is None
    aftercare = referral.get_case(case_id, Aftercare)
    [declined] = aftercare.referrals
    assert declined.held == ("the guardians' consent does not reach hospital-b "
                             "(given for hospital-a)")
    [flagged] = referral.flagged()
    assert flagged.id == case_id


def test_a_referral_to_a_receiver_the_consent_does_not_name_is_refused(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(CaseRuleViolated, match="does not reach hospital-a"):
        refer(referral, case_id, packet={"patient": PATIENT},
              consent={**CONSENT, "receivers": ["hospital-b"]})


def test_after_a_withdrawal_a_later_referral_under_it_is_refused_naming_the_rule(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    first = refer(referral, case_id, consent_id=consent_id)
    referral.withdraw_consent(case_id, consent_id, TEAM)
    with pytest.raises(CaseRuleViolated, match=r"was withdrawn .*nothing more is disclosed"):
        refer(referral, case_id, "hospital-b", consent_id=consent_id)
    aftercare = referral.get_case(case_id, Aftercare)
    assert [r.referral_id for r in aftercare.referrals] == [first]  # the trail keeps it
    withdrawn = aftercare.consents[consent_id]
    assert withdrawn.withdrawn_by == {"role": "crisis_team", "id": "lead"}
    [event] = published(referral, PUBLISHED, "ConsentWithdrawn")
    assert event.data == {"consent_id": str(consent_id)}


def test_a_consent_is_withdrawn_once(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    referral.withdraw_consent(case_id, consent_id, TEAM)
    with pytest.raises(CaseRuleViolated, match="withdrawn already"):
        referral.withdraw_consent(case_id, consent_id, TEAM)
    with pytest.raises(CaseRuleViolated, match="no consent"):
        referral.withdraw_consent(case_id, uuid4(), TEAM)


def test_a_decline_after_the_withdrawal_is_not_rerouted_under_it_and_the_case_is_flagged(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    first = refer(referral, case_id, consent_id=consent_id)
    referral.withdraw_consent(case_id, consent_id, TEAM)
    assert referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON) is None
    [declined] = referral.get_case(case_id, Aftercare).referrals
    assert declined.held is not None and "was withdrawn" in declined.held
    assert [case.id for case in referral.flagged()] == [case_id]


def test_a_packet_not_yet_taken_when_its_consent_is_withdrawn_is_not_sent(
        env: dict[str, str]) -> None:
    app = with_webhooks(env)
    case_id = decide(app, Tier.CRISIS)
    consent_id = consented(app, case_id)
    refer(app, case_id, consent_id=consent_id)
    now = datetime.now(UTC)
    assert len(app.packets_due(now, lambda n: timedelta(0))) == 1
    app.withdraw_consent(case_id, consent_id, TEAM)
    assert app.packets_due(now, lambda n: timedelta(0)) == []
    assert with_webhooks(env).packets_due(now, lambda n: timedelta(0)) == []  # after a restart


def test_a_packet_under_a_withdrawn_consent_is_not_carried_but_the_auditor_reads_it(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    consent_id = consented(referral, case_id)
    referral_id = refer(referral, case_id, packet={"patient": PATIENT}, consent_id=consent_id)
    assert referral.read_packet(case_id, referral_id, purpose="case_work", reader=TEAM)
    referral.withdraw_consent(case_id, consent_id, TEAM)
    with pytest.raises(CaseRuleViolated, match="was withdrawn"):
        referral.read_packet(case_id, referral_id, purpose="case_work", reader=TEAM)
    bundle = referral.read_packet(case_id, referral_id, purpose="audit", reader=AUDITOR)
    assert bundle["resourceType"] == "Bundle"


def test_a_disclosure_without_consent_is_flagged_for_the_auditor(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    override = refer(referral, case_id, basis=DisclosureBasis.SAFETY_OVERRIDE,
                     rationale="knife in the dormitory", packet={"patient": PATIENT})
    refer(referral, case_id, "district-centre")
    [(case, flagged)] = referral.disclosed_without_consent()
    assert (case.id, flagged.referral_id, flagged.rationale) == (
        case_id, override, "knife in the dormitory")
    made = published(referral, PUBLISHED, "ReferralMade")
    assert [e.data["without_consent"] for e in made] == [True, False]


def test_a_referral_made_before_consents_were_records_replays_and_reroutes_under_what_it_held(
        referral: ReferralApplication) -> None:
    """Its stored event carries the consent inline and an id that names no record."""
    case_id = decide(referral, Tier.CRISIS)
    aftercare = referral.get_case(case_id, Aftercare)
    old_id, inline = uuid4(), {**CONSENT, "receiver_type": HOSPITAL}
    aftercare._referred(uuid4(), HOSPITAL, "hospital-a", [STUDENT_IDENTITY, RISK_TIER], TEAM,
                        DisclosureBasis.CONSENT.value, old_id, inline, None,
                        {"patient": PATIENT}, datetime.now(UTC) + timedelta(hours=1), None)
    referral.record(aftercare)
    [first] = referral.get_case(case_id, Aftercare).referrals
    assert (first.consent_id, first.consent) == (old_id, inline)
    second = referral.record_answer(case_id, first.referral_id, ReferralResponse.DECLINED,
                                    LIAISON)
    assert second is not None
    rerouted = referral.get_case(case_id, Aftercare).referral(second)
    assert (rerouted.receiver_id, rerouted.consent_id, rerouted.consent) == (
        "hospital-b", old_id, inline)


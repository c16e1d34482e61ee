"""The guardians' consent reaches whom they agreed to: a type of receiver by default, or the
receivers they named; a re-route goes on under it only to a receiver it reaches."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from contracts.codes import ReferralResponse, Tier
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.domain.aftercare import Aftercare
from services.referral.routing import InvalidReferral
from tests.application.test_referral import (
    CONSENT,
    KEY,
    LIAISON,
    PATIENT,
    TEAM,
    decide,
    directory,
    request,
)


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


def test_a_consent_for_a_hospital_green_channel_follows_the_reroute_to_the_next_hospital(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    first = referral.refer(case_id, request(packet={"patient": PATIENT}, consent=CONSENT), TEAM)
    second = referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON)
    assert second is not None
    aftercare = referral.get_case(case_id, Aftercare)
    rerouted = aftercare.referral(second)
    assert rerouted.consent is not None
    assert rerouted.consent["receiver_type"] == "hospital_green_channel"
    assert referral.opened(KEY, rerouted.packet) == {"patient": PATIENT}


def test_a_consent_naming_one_hospital_is_not_passed_on_to_another(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    named = {**CONSENT, "receivers": ["hospital-a"]}
    first = referral.refer(case_id, request(packet={"patient": PATIENT}, consent=named), TEAM)
    assert referral.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON) is None
    aftercare = referral.get_case(case_id, Aftercare)
    [declined] = aftercare.referrals
    assert declined.held == ("the guardians' consent does not reach hospital-b "
                             "(given for hospital-a)")
    [flagged] = referral.flagged()
    assert flagged.id == case_id


def test_a_referral_to_a_receiver_the_consent_does_not_name_is_refused_naming_the_field(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS)
    with pytest.raises(InvalidReferral) as refused:
        referral.refer(case_id, request(packet={"patient": PATIENT},
                                        consent={**CONSENT, "receivers": ["hospital-b"]}),
                       TEAM)
    assert refused.value.field == "consent.receivers"

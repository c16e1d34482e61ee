from __future__ import annotations

from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import (
    ClosureReason,
    FollowUpOutcome,
    ReceiverType,
    ReferralResponse,
    Role,
    Tier,
)
from contracts.events import assessment
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare
from tests.application.conftest import deliver, envelope

TEAM = EventMeta.by("crisis_team", "lead")
LIAISON = EventMeta.by("receiver_liaison", "hospital-7")


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return ReferralApplication(env, ZoneInfo("Asia/Shanghai"))


def decide(app: ReferralApplication, tier: Tier, position: int) -> UUID:
    case_id = uuid4()
    decided = assessment.TierDecided(student_key="0" * 32, tier=tier, proposed_tier=tier,
                                     overrides_proposal=False,
                                     participant_roles=[Role.CRISIS_TEAM])
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided), position)
    return case_id


def test_a_crisis_case_goes_from_hospital_to_closure(referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS, position=1)
    assert len(referral.get_case(case_id, Aftercare).follow_ups) == 8
    referral_id = referral.refer(case_id, ReceiverType.HOSPITAL_GREEN_CHANNEL,
                                 "hospital-7", TEAM)
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
    case_id = decide(referral, Tier.SERIOUS, position=1)
    referral_id = referral.refer(case_id, ReceiverType.DISTRICT_GUIDANCE_CENTRE,
                                 "centre-1", TEAM)
    with pytest.raises(CaseRuleViolated, match="cannot be admitted"):
        referral.record_answer(case_id, referral_id, ReferralResponse.ADMITTED,
                               LIAISON)

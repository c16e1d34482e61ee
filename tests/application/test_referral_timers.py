"""Referral's deadlines and timers: answer times run from the referral, and one case's
trouble holds up no other case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from contracts.codes import Sign, Tier
from contracts.events import assessment
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare
from tests.application.conftest import deliver, envelope
from tests.application.test_referral import KEY, TEAM, decide, directory, request


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return ReferralApplication(env, ZoneInfo("Asia/Shanghai"), directory=directory(60))


def test_the_police_answer_time_runs_from_the_referral_not_from_when_the_weapon_was_seen(
        referral: ReferralApplication) -> None:
    case_id, seen = uuid4(), datetime.now(UTC) - timedelta(hours=2)
    started = assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4(),
                                           signs=[Sign.WEAPON])
    message = envelope("assessment", case_id, started).model_copy(update={"occurred_at": seen})
    deliver(referral, referral.on_crisis_path_started, message, 1)
    [police] = referral.get_case(case_id, Aftercare).referrals
    assert police.answer_by is not None
    assert police.answer_by > datetime.now(UTC) + timedelta(minutes=59)
    assert referral.pass_over_unanswered(datetime.now(UTC)) == 0


def test_a_referral_entered_late_still_gives_the_receiver_its_full_answer_time(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS, position=1)
    made_earlier = TEAM.caused(uuid4(), occurred_at=datetime.now(UTC) - timedelta(hours=3))
    referral_id = referral.refer(case_id, request("district-centre"), made_earlier)
    answer_by = referral.get_case(case_id, Aftercare).referral(referral_id).answer_by
    assert answer_by is not None and answer_by > datetime.now(UTC) + timedelta(minutes=59)

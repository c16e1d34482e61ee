"""What a service does in answer to one of its own events names that event as its cause on
the bus: the notice after a failed call, the re-route after a decline or no answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.codes import CallOutcome, GuardianRank, ReferralResponse, Tier
from services.notification.adapters.published import PUBLISHED as NOTIFICATION
from services.notification.domain.directory import Guardian
from services.referral.adapters.published import PUBLISHED as REFERRAL
from services.referral.bootstrap import build_referral
from tests.application.conftest import published
from tests.application.test_notification import (
    FATHER,
    MOTHER,
    SCHOOL_ID,
    TEACHER,
    new_app,
    start_crisis,
)
from tests.application.test_referral import (
    LIAISON,
    PATIENT,
    decide,
    directory,
    refer,
)


def test_the_notice_to_the_next_guardian_after_a_failed_call_is_caused_by_the_failure(
        env: dict[str, str]) -> None:
    app = new_app(env)
    by_phone = Guardian(**{**MOTHER.__dict__, "preferred_channel": "phone"})
    app.record_guardians(SCHOOL_ID, [by_phone, FATHER], TEACHER)
    case_id = start_crisis(app)
    app.record_call(case_id, GuardianRank.PRIMARY, CallOutcome.NO_ANSWER, TEACHER)
    [failed] = published(app, NOTIFICATION, "GuardianNoticeFailed")
    _, second = published(app, NOTIFICATION, "GuardianNoticeIssued")
    assert second.data["guardian_rank"] == 2
    assert second.causation_id == failed.event_id
    assert second.correlation_id == failed.correlation_id


def test_a_reroute_after_a_decline_is_caused_by_the_decline(env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())
    case_id = decide(app, Tier.CRISIS)
    first = refer(app, case_id, packet={"patient": PATIENT})
    app.record_answer(case_id, first, ReferralResponse.DECLINED, LIAISON, "no_capacity")
    [declined] = published(app, REFERRAL, "ReferralAnswered")
    _, rerouted = published(app, REFERRAL, "ReferralMade")
    assert rerouted.data["rerouted_from"] == str(first)
    assert rerouted.causation_id == declined.event_id
    assert (rerouted.actor.role, rerouted.actor.id) == ("system", "referral")


def test_a_reroute_after_no_answer_in_time_is_caused_by_the_passing_over(
        env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory(minutes=1))
    case_id = decide(app, Tier.CRISIS)
    refer(app, case_id, packet={"patient": PATIENT})
    assert app.pass_over_unanswered(datetime.now(UTC) + timedelta(minutes=2)) == 1
    [passed_over] = published(app, REFERRAL, "ReferralUnanswered")
    _, rerouted = published(app, REFERRAL, "ReferralMade")
    assert rerouted.causation_id == passed_over.event_id

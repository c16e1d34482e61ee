"""Referral's deadlines, timers and the team's lists: answer times run from the referral,
one case's trouble holds up no other case, and what the team owes stays on its lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from casetrail.personal.vault import DataKeyVault
from casetrail.worker import ApplicationThread
from contracts.codes import (
    Channel,
    ClosureReason,
    FollowUpOutcome,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    Sign,
    Tier,
)
from contracts.events import assessment, intake
from services.referral.adapters import fhir
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.directory import Directory
from services.referral.domain.receivers import POLICE_SIGNS
from services.referral.entrypoints.timers import watcher
from tests.application.conftest import deliver, envelope
from tests.application.test_referral import (
    HOSPITAL,
    KEY,
    LIAISON,
    TEAM,
    decide,
    directory,
    refer,
)


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory(60))


def test_the_police_answer_time_runs_from_the_referral_not_from_when_the_weapon_was_seen(
        referral: ReferralApplication) -> None:
    case_id, seen = uuid4(), datetime.now(UTC) - timedelta(hours=2)
    started = assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4(),
                                           signs=[Sign.WEAPON])
    message = envelope("assessment", case_id, started).model_copy(update={"occurred_at": seen})
    deliver(referral, referral.on_crisis_path_started, message)
    [police] = referral.get_case(case_id, Aftercare).referrals
    assert police.answer_by is not None
    assert police.answer_by > datetime.now(UTC) + timedelta(minutes=59)
    assert referral.pass_over_unanswered(datetime.now(UTC)) == 0


def test_a_referral_entered_late_still_gives_the_receiver_its_full_answer_time(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    made_earlier = TEAM.caused(uuid4(), occurred_at=datetime.now(UTC) - timedelta(hours=3))
    referral_id = refer(referral, case_id, "district-centre", meta=made_earlier)
    answer_by = referral.get_case(case_id, Aftercare).referral(referral_id).answer_by
    assert answer_by is not None and answer_by > datetime.now(UTC) + timedelta(minutes=59)


def two_police(minutes: float = 60) -> Directory:
    return Directory.model_validate({"receivers": [
        {"id": rid, "type": kind, "name": rid, "order": order, "answer_within_minutes": minutes}
        for rid, kind, order in [("hospital-a", HOSPITAL, 1), ("hospital-b", HOSPITAL, 2),
                                 ("police-1", ReceiverType.POLICE, 1),
                                 ("police-2", ReceiverType.POLICE, 2)]]})


def crisis_path_with_a_weapon(app: ReferralApplication) -> UUID:
    case_id = uuid4()
    started = assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4(),
                                           signs=[Sign.WEAPON])
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, started))
    return case_id


def test_a_police_call_the_team_downgraded_is_flagged_not_rerouted_and_other_timers_run(
        env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"), directory=two_police())
    downgraded = crisis_path_with_a_weapon(app)
    decide(app, Tier.SERIOUS, case_id=downgraded)
    late = decide(app, Tier.CRISIS, at=datetime.now(UTC) - timedelta(days=8))
    tick = datetime.now(UTC) + timedelta(hours=2)
    assert app.pass_over_unanswered(tick) == 1
    [police] = app.get_case(downgraded, Aftercare).referrals
    assert police.status == "unanswered"
    assert police.held == "only a crisis may override consent for safety"
    [flagged] = app.flagged()
    [flag] = flagged.flags()
    assert (flagged.id, flag.referral_id) == (downgraded, police.referral_id)
    assert app.pass_over_unanswered(tick) == 0  # nothing left to repeat on the next tick
    assert app.raise_overdue(tick) >= 1
    assert [case.id for case, _ in app.overdue_follow_ups()] == [late]


def test_a_hospital_declining_after_the_tier_fell_to_none_is_recorded_and_the_case_may_close(
        env: dict[str, str]) -> None:
    app = build_referral(env, ZoneInfo("Asia/Shanghai"), directory=two_police())
    case_id = decide(app, Tier.CRISIS)
    referral_id = refer(app, case_id, "hospital-a")
    decide(app, Tier.NONE, case_id=case_id)
    answered = app.answer_task(referral_id, "hospital-a", ReferralResponse.DECLINED,
                               "no_capacity", LIAISON)
    assert answered.status == "declined"
    [declined] = app.get_case(case_id, Aftercare).referrals
    assert declined.held == "the case was assessed as tier none: no referral"
    app.close_case(case_id, ClosureReason.NO_FURTHER_ACTION, TEAM)  # no receiver needed now


def test_a_declined_referral_with_no_receiver_left_says_so_on_the_teams_list(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    referral_id = refer(referral, case_id, "district-centre")
    assert referral.record_answer(case_id, referral_id, ReferralResponse.DECLINED,
                                  LIAISON) is None
    [flagged] = referral.flagged()
    [flag] = flagged.flags()
    assert flag.held == "no other district_guidance_centre left to try"


def test_a_case_that_cannot_be_read_holds_up_no_other_case(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.SERIOUS)
    referral_id = refer(referral, case_id, "district-centre")
    broken = uuid4()  # a deadline whose case is missing from the store: that case fails
    referral.board.answer_by[uuid4()] = (broken, datetime.now(UTC) - timedelta(days=1))
    tick = datetime.now(UTC) + timedelta(hours=2)
    assert referral.pass_over_unanswered(tick) == 1
    assert referral.get_case(case_id, Aftercare).referral(referral_id).status == "unanswered"


def test_overdue_follow_ups_stay_on_the_teams_list_through_a_regrade_and_a_reopening(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.CRISIS,
                     at=datetime.now(UTC) - timedelta(days=16))
    assert referral.raise_overdue(datetime.now(UTC)) == 2
    decide(referral, Tier.GENERAL, case_id=case_id)
    [(_, late)] = referral.overdue_follow_ups()
    assert [f.number for f in late] == [1, 2]
    assert referral.record_follow_up(case_id, FollowUpOutcome.STABLE, TEAM) == 1
    assert referral.raise_overdue(datetime.now(UTC)) == 0
    [(_, late)] = referral.overdue_follow_ups()
    assert [f.number for f in late] == [2]
    referral.close_case(case_id, ClosureReason.RESOLVED, TEAM)
    assert referral.overdue_follow_ups() == []
    referral.reopen_case(case_id, ReopenReason.RELAPSE, TEAM)
    [(_, late)] = referral.overdue_follow_ups()
    assert [f.number for f in late] == [2]
    follow_ups = referral.get_case(case_id, Aftercare).follow_ups
    assert [f.number for f in follow_ups] == [1, 2, 3, 4, 5]
    restarted = build_referral(referral.env, ZoneInfo("Asia/Shanghai"),
                                    directory=directory(60))
    assert restarted.board.overdue == {case_id: {2}}
    assert sorted(restarted.board.pending[case_id]) == [3, 4, 5]


def test_a_report_on_a_closed_case_is_flagged_for_the_team_and_does_not_reopen_it(
        referral: ReferralApplication) -> None:
    case_id = decide(referral, Tier.NONE)
    referral.close_case(case_id, ClosureReason.NO_FURTHER_ACTION, TEAM)
    attached = intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                     reporter_role=Role.PEER, signs=[Sign.SELF_HARM],
                                     imminent=False, key_concerns=[])
    for _ in range(2):  # the same report redelivered flags it once
        deliver(referral, referral.on_report_attached,
                envelope("intake", case_id, attached))
    [flagged] = referral.flagged()
    assert (flagged.id, flagged.closed) == (case_id, True)
    assert flagged.reports_after_closure == [attached.report_id]
    referral.reopen_case(case_id, ReopenReason.NEW_INFORMATION, TEAM)
    assert referral.flagged() == []


class BrokenPassOver(ReferralApplication):
    """A referral service whose passing over of unanswered referrals fails outright."""

    def pass_over_unanswered(self, now: datetime) -> int:
        raise RuntimeError("the store went away for this job")


async def test_a_failing_timer_job_leaves_the_other_jobs_to_run_on_the_same_tick(
        env: dict[str, str]) -> None:
    app = BrokenPassOver(env, ZoneInfo("Asia/Shanghai"), directory=directory(60), fhir=fhir,
                         ad_hoc_answer_within=timedelta(days=1), police_signs=POLICE_SIGNS,
                         personal=DataKeyVault.transient(env, "referral"))
    case_id = decide(app, Tier.CRISIS, at=datetime.now(UTC) - timedelta(days=8))
    thread = ApplicationThread("referral-timers-test")
    try:
        await watcher(app, thread)()
    finally:
        thread.shutdown()
    [(case, [late])] = app.overdue_follow_ups()
    assert (case.id, late.number) == (case_id, 1)

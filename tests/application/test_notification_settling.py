"""What stops a case's messages (a guardian reached, the case closed) and what starts them
again (each new crisis path or incident)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from contracts.codes import ClosureReason, GuardianRank, NoticeChannel, ReopenReason, Tier
from contracts.events import referral
from services.notification.application import NotificationApplication
from services.notification.domain.notice import GuardianNotification
from tests.application.conftest import deliver, envelope
from tests.application.test_notification import (
    FATHER,
    MOTHER,
    SCHOOL_ID,
    TEACHER,
    crisis_path,
    decided,
    incident,
    messages_to_send,
    new_app,
    start_crisis,
)


def stored_kinds(app: NotificationApplication, case_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.events.get(case_id)]


def close(app: NotificationApplication, case_id: UUID) -> None:
    deliver(app, app.on_case_closed,
            envelope("referral", case_id, referral.CaseClosed(reason=ClosureReason.RESOLVED)))


def test_a_queued_escalation_is_withdrawn_when_the_family_answers_and_never_sent(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = start_crisis(app)
    app.escalate_overdue(datetime.now(UTC) + timedelta(minutes=16))
    assert [m.recipient for _, m in messages_to_send(app)] == ["guardian_1",
                                                                "crisis_team_head"]
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    assert messages_to_send(app) == []
    record = app.get_case(case_id, GuardianNotification)
    assert record.escalations[0].withdrawn and record.notices[0].withdrawn
    assert "MessagesWithdrawn" in stored_kinds(app, case_id)
    assert messages_to_send(new_app(env)) == []


def test_the_commission_is_still_told_of_an_incident_after_the_family_answered(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_incident_reported, envelope("intake", case_id, incident()))
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    assert [m.recipient for _, m in messages_to_send(app)] == [
        "district_education_commission"]


def test_a_closed_case_stops_its_ladder_and_leaves_the_call_list(env: dict[str, str]) -> None:
    app = new_app(env)
    by_phone = type(MOTHER)(**{**MOTHER.__dict__, "preferred_channel": "phone"})
    app.record_guardians(SCHOOL_ID, [by_phone, FATHER], TEACHER)
    case_id = start_crisis(app)
    assert len(app.pending_calls(purpose="guardian_call", reader=TEACHER)) == 1
    close(app, case_id)
    assert app.pending_calls(purpose="guardian_call", reader=TEACHER) == []
    assert app.escalate_overdue(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert new_app(env).escalate_overdue(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert stored_kinds(app, case_id)[-1] == "Closed"


def test_a_reopened_case_is_recorded_and_its_next_crisis_tells_the_family(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = start_crisis(app)
    close(app, case_id)
    reopened = referral.CaseReopened(reason=ReopenReason.RELAPSE, closed_event_id=uuid4())
    deliver(app, app.on_case_reopened, envelope("referral", case_id, reopened))
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    assert stored_kinds(app, case_id)[-2:] == ["Reopened", "NoticeIssued"]
    assert not app.get_case(case_id, GuardianNotification).closed


def test_closing_a_case_notification_never_heard_of_is_recorded_as_handled(
        env: dict[str, str]) -> None:
    app = new_app(env)
    close(app, uuid4())
    assert messages_to_send(app) == []


def test_a_new_crisis_path_after_the_family_acknowledged_the_first_tells_them_again(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = start_crisis(app)
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    record = app.get_case(case_id, GuardianNotification)
    assert [n.tier for n in record.notices] == [Tier.CRISIS, Tier.CRISIS]
    assert not record.notices[1].acknowledged
    assert app.escalate_overdue(datetime.now(UTC) + timedelta(minutes=16)) == 1


def test_an_incident_after_the_tier_was_lowered_tells_the_guardians_first_again(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = start_crisis(app)
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided(Tier.SERIOUS)))
    deliver(app, app.on_incident_reported, envelope("intake", case_id, incident()))
    record = app.get_case(case_id, GuardianNotification)
    assert [n.cause is not None for n in record.notices] == [True, True]
    kinds = stored_kinds(app, case_id)
    assert kinds[-2:] == ["NoticeIssued", "ReportIssued"]


def test_the_same_crisis_path_delivered_with_a_new_event_id_tells_the_family_once(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = uuid4()
    path = crisis_path()
    for _ in range(2):
        deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, path))
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, path))
    assert len(app.get_case(case_id, GuardianNotification).notices) == 1


def test_a_reopened_case_tells_the_family_of_its_tier_afresh(env: dict[str, str]) -> None:
    """Told of 'serious' before closure; reopened and decided 'serious' again: the family
    hears of it again, the earlier chapter does not count."""
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided(Tier.SERIOUS)))
    close(app, case_id)
    reopened = referral.CaseReopened(reason=ReopenReason.RELAPSE, closed_event_id=uuid4())
    deliver(app, app.on_case_reopened, envelope("referral", case_id, reopened))
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided(Tier.SERIOUS)))
    notices = app.get_case(case_id, GuardianNotification).notices
    assert [n.tier for n in notices] == ["serious", "serious"]

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseNotFound, CaseRuleViolated, EventMeta
from casetrail.pseudonym import Pseudonyms
from contracts.codes import (
    CallOutcome,
    DeliveryGuarantee,
    GuardianRank,
    IncidentKind,
    NoticeChannel,
    PlanMeasure,
    Role,
    Tier,
)
from contracts.events import assessment, intake
from services.notification.adapters.templates import Templates
from services.notification.application import NotificationApplication, OutgoingMessage
from services.notification.bootstrap import build_notification
from services.notification.domain.directory import Guardian, GuardianDirectory, directory_id
from services.notification.domain.notice import GuardianNotification
from services.notification.domain.policy import NotificationPolicy
from tests.application.conftest import deliver, envelope

PSEUDONYM_KEY = b"test-pseudonym-key"
SCHOOL_ID = "S-2024-0042"
KEY = Pseudonyms(PSEUDONYM_KEY).student_key(SCHOOL_ID)
POLICY = NotificationPolicy()
CONTACTS = {"crisis_team_head": "+86 138 0000 0001",
            "district_education_commission": "duty@edu.example.cn"}
MOTHER = Guardian(rank=1, relation="mother", name="王芳", phone="+86 139 0000 0001",
                  preferred_channel="sms", language="zh")
FATHER = Guardian(rank=2, relation="father", name="李强", phone="+86 139 0000 0002",
                  preferred_channel="email", language="en", email="li@example.cn")
TEACHER = EventMeta.by("psych_teacher", "p-1")



def messages_to_send(app: NotificationApplication) -> list[tuple[UUID, OutgoingMessage]]:
    """What the dispatcher would send now, built as it builds each (one that cannot be
    built is left out, as the dispatcher skips it)."""
    messages = []
    for case_id, message_id in app.queued():
        with contextlib.suppress(Exception):
            messages.append((case_id, app.outgoing(case_id, message_id)))
    return messages

def crisis_path() -> assessment.CrisisPathStarted:
    return assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4())


def decided(tier: Tier) -> assessment.TierDecided:
    return assessment.TierDecided(student_key=KEY, tier=tier, proposed_tier=tier,
                                  overrides_proposal=False, participant_roles=[Role.CRISIS_TEAM])


def incident(incident_id: UUID | None = None) -> intake.IncidentReported:
    return intake.IncidentReported(incident_id=incident_id or uuid4(), student_key=KEY,
                                   kind=IncidentKind.SELF_HARM, checklist=["call_guardians"])


def new_app(env: dict[str, str], templates: Templates | None = None) -> NotificationApplication:
    return build_notification(env, POLICY, pseudonym_key=PSEUDONYM_KEY, contacts=CONTACTS,
                              templates=templates)


@pytest.fixture
def notification(env: dict[str, str]) -> NotificationApplication:
    return new_app(env)


def start_crisis(app: NotificationApplication) -> UUID:
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    return case_id


def test_a_crisis_tells_the_family_once_though_the_decision_follows(
        notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.CRISIS)))
    notices = notification.get_case(case_id, GuardianNotification).notices
    assert [n.tier for n in notices] == [Tier.CRISIS]
    assert [m.message_id for _, m in messages_to_send(notification)] == [notices[0].notice_id]


def test_with_nobody_on_file_the_primary_guardians_notice_still_goes_out_without_a_contact(
        notification: NotificationApplication) -> None:
    start_crisis(notification)
    [(_, message)] = messages_to_send(notification)
    assert (message.recipient, message.channel, message.to) == ("guardian_1", "sms", None)
    assert message.template_id == "guardian-notice-crisis-zh-v1"
    assert message.text.startswith("【学校通知】")


def test_the_primary_guardian_on_file_is_told_on_their_channel_at_their_contact(
        notification: NotificationApplication) -> None:
    notification.record_guardians(SCHOOL_ID, [MOTHER, FATHER], TEACHER)
    start_crisis(notification)
    [(_, message)] = messages_to_send(notification)
    assert (message.recipient, message.channel, message.to) == ("guardian_1", "sms",
                                                                MOTHER.phone)


def test_the_directory_is_keyed_by_the_students_pseudonym_and_every_read_is_logged(
        notification: NotificationApplication) -> None:
    notification.record_guardians(SCHOOL_ID, [FATHER, MOTHER], TEACHER)
    assert notification.read_guardians(SCHOOL_ID, purpose="case_work",
                                       reader=TEACHER) == [MOTHER, FATHER]
    directory = notification.get_case(directory_id(KEY), GuardianDirectory)
    assert directory.student_key == KEY
    stored = list(notification.events.get(directory.id))
    assert [type(e).__name__ for e in stored] == ["Opened", "GuardiansRecorded", "Read"]


def test_reading_the_guardians_of_a_student_with_none_on_file_is_not_found(
        notification: NotificationApplication) -> None:
    with pytest.raises(CaseNotFound):
        notification.read_guardians("S-unknown", purpose="case_work", reader=TEACHER)


def test_a_dispatched_notice_is_not_sent_again(notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.SERIOUS)))
    [(_, message)] = messages_to_send(notification)
    notification.mark_dispatched(case_id, message.message_id, message.channel,
                                  DeliveryGuarantee.ONCE)
    assert messages_to_send(notification) == []


def test_an_unacknowledged_crisis_notice_escalates_after_a_restart(
        env: dict[str, str], notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    restarted = new_app(env)
    now = datetime.now(UTC)
    assert restarted.escalate_overdue(now + timedelta(minutes=14)) == 0
    assert restarted.escalate_overdue(now + timedelta(minutes=16)) == 1
    assert restarted.escalate_overdue(now + timedelta(minutes=17)) == 0
    assert restarted.get_case(case_id, GuardianNotification).notices[0].escalated
    [(_, escalation)] = [(c, m) for c, m in messages_to_send(restarted)
                         if m.recipient == "crisis_team_head"]
    assert escalation.template_id == "escalation-unacknowledged-crisis-zh-v1"
    assert (escalation.to, escalation.channel) == (CONTACTS["crisis_team_head"], "sms")


def test_the_ladder_survives_restarts_from_guardian_to_guardian_to_the_police(
        env: dict[str, str], notification: NotificationApplication) -> None:
    notification.record_guardians(SCHOOL_ID, [MOTHER, FATHER], TEACHER)
    case_id = start_crisis(notification)
    now = datetime.now(UTC)
    for minutes in (16, 32, 48):
        assert new_app(env).escalate_overdue(now + timedelta(minutes=minutes)) == 1
    record = new_app(env).get_case(case_id, GuardianNotification)
    assert [n.guardian_rank for n in record.notices] == [1, 2]
    assert [e.escalated_to for e in record.escalations] == ["crisis_team_head", "police"]
    second = {m.recipient: m for _, m in messages_to_send(new_app(env))}["guardian_2"]
    assert (second.channel, second.to, second.template_id) == (
        "email", FATHER.email, "guardian-notice-crisis-en-v1")


def test_a_notice_the_gateway_could_not_deliver_goes_to_the_next_guardian_at_once(
        notification: NotificationApplication) -> None:
    notification.record_guardians(SCHOOL_ID, [MOTHER, FATHER], TEACHER)
    case_id = start_crisis(notification)
    [(_, first)] = messages_to_send(notification)
    assert notification.delivery_failed(case_id, first.message_id, "gateway_refused",
                                        give_up_after=1) == (1, True)
    [(_, second)] = messages_to_send(notification)
    assert second.recipient == "guardian_2"
    record = notification.get_case(case_id, GuardianNotification)
    assert record.notices[0].failed == "gateway_refused"


def test_the_secondary_guardian_may_acknowledge(notification: NotificationApplication) -> None:
    notification.record_guardians(SCHOOL_ID, [MOTHER, FATHER], TEACHER)
    case_id = start_crisis(notification)
    notification.escalate_overdue(datetime.now(UTC) + timedelta(minutes=16))
    notification.acknowledge(case_id, GuardianRank.SECONDARY, NoticeChannel.EMAIL, TEACHER)
    assert notification.escalate_overdue(datetime.now(UTC) + timedelta(hours=2)) == 0


def test_an_acknowledged_notice_never_escalates(notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    notification.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    assert notification.escalate_overdue(datetime.now(UTC) + timedelta(hours=1)) == 0
    with pytest.raises(CaseRuleViolated):
        notification.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)


def test_a_phone_notice_is_on_the_call_list_with_the_number_and_the_read_is_logged(
        notification: NotificationApplication) -> None:
    by_phone = Guardian(**{**MOTHER.__dict__, "preferred_channel": "phone"})
    notification.record_guardians(SCHOOL_ID, [by_phone, FATHER], TEACHER)
    case_id = start_crisis(notification)
    assert messages_to_send(notification) == []
    [call] = notification.pending_calls(purpose="guardian_call", reader=TEACHER)
    assert (call["case_id"], call["guardian_rank"], call["phone"]) == (case_id, 1,
                                                                       MOTHER.phone)
    stored = list(notification.events.get(directory_id(KEY)))
    assert type(stored[-1]).__name__ == "Read"
    notification.record_call(case_id, GuardianRank.PRIMARY, CallOutcome.NO_ANSWER, TEACHER)
    assert notification.pending_calls(purpose="guardian_call", reader=TEACHER) == []
    [(_, second)] = messages_to_send(notification)
    assert second.recipient == "guardian_2"


def test_a_call_that_reached_the_guardian_settles_the_ladder(
        notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    notification.record_call(case_id, GuardianRank.PRIMARY, CallOutcome.REACHED, TEACHER)
    assert notification.get_case(case_id, GuardianNotification).reached
    assert notification.escalate_overdue(datetime.now(UTC) + timedelta(hours=1)) == 0


def test_the_plan_is_recorded_only_once_a_guardian_was_reached(
        notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    measures = [PlanMeasure.SAFETY_PLAN, PlanMeasure.MEDICAL_ASSESSMENT]
    with pytest.raises(CaseRuleViolated, match="reached"):
        notification.record_plan(case_id, measures, True, GuardianRank.PRIMARY, None, None,
                                 TEACHER)
    notification.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEACHER)
    plan_id = notification.record_plan(case_id, measures, True, GuardianRank.PRIMARY, None,
                                       "父母同意", TEACHER)
    plan = notification.get_case(case_id, GuardianNotification).plan
    assert plan is not None and plan.plan_id == plan_id
    assert notification.opened(KEY, plan.notes) == "父母同意"


def test_an_incident_tells_the_guardians_first_then_the_commission(
        notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_incident_reported,
            envelope("intake", case_id, incident()))
    events = list(notification.events.get(case_id))
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("NoticeIssued") < kinds.index("ReportIssued")
    messages = [m for _, m in messages_to_send(notification)]
    assert [m.recipient for m in messages] == ["guardian_1", "district_education_commission"]
    report = messages[1]
    assert (report.to, report.channel) == (CONTACTS["district_education_commission"], "email")
    notification.mark_dispatched(case_id, report.message_id, report.channel,
                                  DeliveryGuarantee.ONCE)
    [sent] = notification.get_case(case_id, GuardianNotification).reports
    assert (sent.dispatched, sent.on_time) == (True, True)


def test_an_incident_in_a_case_already_on_the_crisis_path_does_not_tell_the_family_twice(
        notification: NotificationApplication) -> None:
    case_id = start_crisis(notification)
    incident_id = uuid4()
    deliver(notification, notification.on_incident_reported,
            envelope("intake", case_id, incident(incident_id)))
    deliver(notification, notification.on_incident_reported,
            envelope("intake", case_id, incident(incident_id)))
    record = notification.get_case(case_id, GuardianNotification)
    assert len(record.notices) == 1
    assert len(record.reports) == 1


def test_tier_none_tells_nobody(notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.NONE)))
    assert messages_to_send(notification) == []

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import GuardianRank, NoticeChannel, Role, Tier
from contracts.events import assessment
from services.notification.application import NotificationApplication
from services.notification.domain.notice import AcknowledgementPolicy, GuardianNotification
from tests.application.conftest import deliver, envelope

KEY = "0" * 32
POLICY = AcknowledgementPolicy(crisis=timedelta(minutes=15))


def crisis_path() -> assessment.CrisisPathStarted:
    return assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4())


def decided(tier: Tier) -> assessment.TierDecided:
    return assessment.TierDecided(student_key=KEY, tier=tier, proposed_tier=tier,
                                  overrides_proposal=False, participant_roles=[Role.CRISIS_TEAM])


@pytest.fixture
def notification(env: dict[str, str]) -> NotificationApplication:
    return NotificationApplication(env, POLICY)


def test_a_crisis_tells_the_family_once_though_the_decision_follows(
        notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_crisis_path_started,
            envelope("assessment", case_id, crisis_path()), position=1)
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.CRISIS)), position=2)
    notices = notification.get_case(case_id, GuardianNotification).notices
    assert [n.tier for n in notices] == [Tier.CRISIS]
    assert [m.message_id for _, m in notification.messages_to_send()] == [notices[0].notice_id]


def test_a_dispatched_notice_is_not_sent_again(notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.SERIOUS)), position=1)
    [(_, message)] = notification.messages_to_send()
    notification.mark_dispatched(case_id, message.message_id)
    assert notification.messages_to_send() == []


def test_an_unacknowledged_crisis_notice_escalates_after_a_restart(
        env: dict[str, str], notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_crisis_path_started,
            envelope("assessment", case_id, crisis_path()), position=1)
    restarted = NotificationApplication(env, POLICY)
    now = datetime.now(UTC)
    assert restarted.escalate_overdue(now + timedelta(minutes=14)) == 0
    assert restarted.escalate_overdue(now + timedelta(minutes=16)) == 1
    assert restarted.escalate_overdue(now + timedelta(minutes=17)) == 0
    assert restarted.get_case(case_id, GuardianNotification).notices[0].escalated
    [(_, escalation)] = [(c, m) for c, m in restarted.messages_to_send()
                         if m.recipient == "crisis_team_head"]
    assert escalation.template_id == "escalation-unacknowledged-crisis-zh-v1"


def test_an_acknowledged_notice_never_escalates(notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_crisis_path_started,
            envelope("assessment", case_id, crisis_path()), position=1)
    notification.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE,
                             EventMeta.by("psych_teacher", "p-1"))
    assert notification.escalate_overdue(datetime.now(UTC) + timedelta(hours=1)) == 0
    with pytest.raises(CaseRuleViolated):
        notification.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE,
                                 EventMeta.by("psych_teacher", "p-1"))


def test_tier_none_tells_nobody(notification: NotificationApplication) -> None:
    case_id = uuid4()
    deliver(notification, notification.on_tier_decided,
            envelope("assessment", case_id, decided(Tier.NONE)), position=1)
    assert notification.messages_to_send() == []

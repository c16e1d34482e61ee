"""Telling the family, acknowledgement deadlines, escalation, and the board of open notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.case_read import CaseRead
from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import GuardianRank, NoticeChannel, Tier
from services.notification.domain.board import NoticeBoard
from services.notification.domain.directory import Route
from services.notification.domain.messages import template_for
from services.notification.domain.notice import ESCALATION_TARGET, GuardianNotification
from services.notification.domain.policy import NotificationPolicy
from services.notification.domain.settling import Settling

KEY = "student-key-1"
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
POLICY = NotificationPolicy()
NOBODY_ON_FILE: dict[int, Route] = {}


def meta(at: datetime = T0) -> EventMeta:
    return EventMeta.by("crisis_team", "t1", occurred_at=at)


def opened(case_id: UUID | None = None) -> GuardianNotification:
    return GuardianNotification.open(case_id or uuid4(), KEY, meta())


def told(*tiers: Tier, at: datetime = T0) -> GuardianNotification:
    notification = opened()
    for tier in tiers:
        notification.tell_family(tier, POLICY, NOBODY_ON_FILE, meta(at), now=at)
    return notification


def acknowledge(notification: GuardianNotification, at: datetime = T0) -> UUID:
    return notification.acknowledge(GuardianRank.PRIMARY, NoticeChannel.PHONE, meta(at))


def escalate(notification: GuardianNotification, step_id: UUID, at: datetime) -> bool:
    return notification.escalate_if_unacknowledged(step_id, at, POLICY, NOBODY_ON_FILE, meta(at))


def escalated(notification: GuardianNotification) -> list[GuardianNotification.Escalated]:
    return [e for e in notification.collect_events()
            if isinstance(e, GuardianNotification.Escalated)]


# Telling the family.

@pytest.mark.parametrize("tier", [Tier.GENERAL, Tier.SERIOUS, Tier.CRISIS])
def test_the_family_is_told_once_of_a_tier(tier: Tier) -> None:
    notification = told(tier, tier)
    [notice] = notification.notices
    assert notice.tier == tier
    assert notice.guardian_rank == GuardianRank.PRIMARY
    assert notice.channel == NoticeChannel.SMS
    assert notice.template_id == template_for(tier) == f"guardian-notice-{tier.value}-zh-v1"
    assert notice.acknowledge_by == T0 + POLICY.wait_for(tier)
    assert (notice.dispatched, notice.acknowledged, notice.escalated) == (False, False, False)
    assert notification.highest_tier_told == tier


def test_the_family_is_never_told_of_tier_none() -> None:
    notification = told(Tier.NONE)
    assert notification.notices == []
    assert notification.highest_tier_told == Tier.NONE
    assert [type(e) for e in notification.collect_events()] == [GuardianNotification.Opened]


def test_a_higher_tier_tells_the_family_again() -> None:
    notification = told(Tier.GENERAL, Tier.SERIOUS, Tier.CRISIS)
    assert [n.tier for n in notification.notices] == ["general", "serious", "crisis"]
    assert len({n.notice_id for n in notification.notices}) == 3
    assert notification.highest_tier_told == Tier.CRISIS


@pytest.mark.parametrize("lower", [Tier.NONE, Tier.GENERAL, Tier.SERIOUS, Tier.CRISIS])
def test_a_lower_or_equal_tier_after_a_crisis_does_not_tell_the_family_again(
        lower: Tier) -> None:
    notification = told(Tier.CRISIS, lower)
    assert [n.tier for n in notification.notices] == ["crisis"]


def test_a_lower_tier_after_a_regrade_does_not_tell_the_family_again() -> None:
    notification = told(Tier.SERIOUS, Tier.GENERAL, Tier.SERIOUS)
    assert [n.tier for n in notification.notices] == ["serious"]


def test_notice_ids_are_the_same_when_the_case_is_replayed() -> None:
    case_id = uuid4()
    first, again = opened(case_id), opened(case_id)
    for notification in (first, again):
        notification.tell_family(Tier.SERIOUS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    assert first.notices[0].notice_id == again.notices[0].notice_id


def test_a_dispatched_notice_is_marked_once() -> None:
    notification = told(Tier.SERIOUS)
    notice_id = notification.notices[0].notice_id
    notification.mark_dispatched(notice_id, "sms", "once", meta())
    notification.mark_dispatched(notice_id, "sms", "once", meta())
    assert notification.notices[0].dispatched is True
    dispatched = [e for e in notification.collect_events()
                  if isinstance(e, GuardianNotification.NoticeDispatched)]
    assert len(dispatched) == 1


def test_an_unknown_notice_is_refused() -> None:
    notification = told(Tier.SERIOUS)
    with pytest.raises(CaseRuleViolated, match="no notice"):
        notification.mark_dispatched(uuid4(), "sms", "once", meta())


# Acknowledgement.

def test_acknowledging_before_any_notice_is_refused() -> None:
    notification = opened()
    with pytest.raises(CaseRuleViolated, match="no guardian has been notified"):
        acknowledge(notification)


def test_acknowledging_twice_is_refused() -> None:
    notification = told(Tier.SERIOUS)
    acknowledge(notification)
    with pytest.raises(CaseRuleViolated, match="already acknowledged"):
        acknowledge(notification)
    acknowledged = [e for e in notification.collect_events()
                    if isinstance(e, GuardianNotification.Acknowledged)]
    assert len(acknowledged) == 1


def test_an_acknowledgement_of_the_latest_notice_settles_the_earlier_ones() -> None:
    notification = told(Tier.GENERAL, Tier.CRISIS)
    notice_id = notification.acknowledge(GuardianRank.SECONDARY, NoticeChannel.EMAIL, meta())
    general, crisis = notification.notices
    assert notice_id == crisis.notice_id
    assert crisis.acknowledged is True
    assert general.acknowledged is True
    late = general.acknowledge_by + timedelta(days=1)
    assert not escalate(notification, general.notice_id, late)
    *_, event, withdrawn = notification.collect_events()
    assert isinstance(event, GuardianNotification.Acknowledged)
    assert (event.notice_id, event.guardian_rank, event.channel) == (
        crisis.notice_id, 2, "email")
    assert isinstance(withdrawn, Settling.MessagesWithdrawn)


def test_a_higher_tier_after_an_acknowledgement_can_be_acknowledged_again() -> None:
    notification = told(Tier.GENERAL)
    acknowledge(notification)
    notification.tell_family(Tier.SERIOUS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    assert acknowledge(notification) == notification.notices[1].notice_id


# Escalation.

def test_no_escalation_before_the_acknowledgement_deadline() -> None:
    notification = told(Tier.CRISIS)
    notice = notification.notices[0]
    now = notice.acknowledge_by - timedelta(seconds=1)
    assert escalate(notification, notice.notice_id, now) is False
    assert notice.escalated is False
    assert escalated(notification) == []


def test_an_unacknowledged_notice_escalates_once_at_its_deadline() -> None:
    notification = told(Tier.CRISIS)
    notice = notification.notices[0]
    assert notice.acknowledge_by == T0 + timedelta(minutes=15)
    deadline = notice.acknowledge_by
    assert escalate(notification, notice.notice_id, deadline) is True
    later = deadline + timedelta(hours=1)
    assert escalate(notification, notice.notice_id, later) is False
    assert notice.escalated is True
    assert notice.awaiting_acknowledgement is False
    [event] = escalated(notification)
    assert event.notice_id == notice.notice_id
    assert event.escalated_to == ESCALATION_TARGET


def test_an_acknowledged_notice_never_escalates() -> None:
    notification = told(Tier.SERIOUS)
    notice = notification.notices[0]
    acknowledge(notification, T0 + timedelta(hours=1))
    much_later = T0 + timedelta(days=30)
    assert escalate(notification, notice.notice_id, much_later) is False
    assert notice.escalated is False
    assert escalated(notification) == []


def test_the_deadline_runs_from_when_the_family_was_told() -> None:
    told_at = T0 + timedelta(hours=5)
    notification = told(Tier.GENERAL, at=told_at)
    notice = notification.notices[0]
    assert notice.acknowledge_by == told_at + timedelta(days=3)
    almost = told_at + timedelta(days=3) - timedelta(minutes=1)
    assert escalate(notification, notice.notice_id, almost) is False


# The board.

def test_the_board_lists_issued_notices_as_undispatched_with_their_deadlines() -> None:
    case_id = uuid4()
    notification = opened(case_id)
    notification.tell_family(Tier.SERIOUS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    notice = notification.notices[0]
    board = NoticeBoard()
    board.apply(notification.collect_events())
    assert board.undispatched == {notice.notice_id: case_id}
    assert board.deadlines == {case_id: (notice.notice_id, T0 + timedelta(hours=24))}


def test_a_dispatched_notice_leaves_the_undispatched_list_but_its_deadline_runs() -> None:
    case_id = uuid4()
    notification = opened(case_id)
    notification.tell_family(Tier.CRISIS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    notice_id = notification.notices[0].notice_id
    notification.mark_dispatched(notice_id, "sms", "once", meta())
    board = NoticeBoard()
    board.apply(notification.collect_events())
    assert board.undispatched == {}
    assert board.deadlines[case_id][0] == notice_id


def test_the_board_names_overdue_notices_from_their_deadline_on() -> None:
    case_id = uuid4()
    notification = opened(case_id)
    notification.tell_family(Tier.CRISIS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    notice_id = notification.notices[0].notice_id
    board = NoticeBoard()
    board.apply(notification.collect_events())
    deadline = T0 + timedelta(minutes=15)
    assert board.overdue(deadline - timedelta(seconds=1)) == []
    assert board.overdue(deadline) == [(case_id, notice_id)]
    assert board.overdue(deadline + timedelta(days=1)) == [(case_id, notice_id)]


def test_an_acknowledged_notice_drops_off_the_board_deadlines() -> None:
    notification = told(Tier.CRISIS)
    acknowledge(notification, T0 + timedelta(minutes=3))
    board = NoticeBoard()
    board.apply(notification.collect_events())
    assert board.deadlines == {}
    assert board.overdue(T0 + timedelta(days=1)) == []


def test_acknowledging_the_latest_notice_takes_the_case_off_the_board() -> None:
    notification = told(Tier.GENERAL, Tier.CRISIS)
    acknowledge(notification, T0 + timedelta(minutes=3))
    board = NoticeBoard()
    board.apply(notification.collect_events())
    assert board.deadlines == {}


def test_an_escalation_replaces_the_notice_on_the_board_with_its_own_deadline() -> None:
    notification = told(Tier.CRISIS)
    notice = notification.notices[0]
    board = NoticeBoard()
    board.apply(notification.collect_events())
    late = notice.acknowledge_by + timedelta(minutes=1)
    assert board.overdue(late) == [(notification.id, notice.notice_id)]
    notification.escalate_if_unacknowledged(notice.notice_id, late, POLICY, NOBODY_ON_FILE,
                                            meta(late))
    board.apply(notification.collect_events())
    [escalation] = notification.escalations
    assert board.overdue(late) == []
    assert board.deadlines == {notification.id: (escalation.escalation_id,
                                                 late + timedelta(minutes=15))}
    assert escalation.escalation_id in board.undispatched


def test_the_board_tracks_notices_of_several_cases_apart() -> None:
    first, second = opened(), opened()
    first.tell_family(Tier.CRISIS, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    second.tell_family(Tier.GENERAL, POLICY, NOBODY_ON_FILE, meta(), now=T0)
    first_notice, second_notice = first.notices[0].notice_id, second.notices[0].notice_id
    second.mark_dispatched(second_notice, "sms", "once", meta())
    board = NoticeBoard()
    board.apply([*first.collect_events(), *second.collect_events()])
    assert board.undispatched == {first_notice: first.id}
    assert board.overdue(T0 + timedelta(hours=1)) == [(first.id, first_notice)]
    assert sorted(board.overdue(T0 + timedelta(days=3))) == sorted(
        [(first.id, first_notice), (second.id, second_notice)])


def test_the_board_ignores_events_that_are_not_about_notices() -> None:
    notification = opened()
    board = NoticeBoard()
    board.apply([*notification.collect_events(),
                 *CaseRead(notification.id, "audit", meta()).collect_events()])
    assert board.undispatched == {}
    assert board.deadlines == {}

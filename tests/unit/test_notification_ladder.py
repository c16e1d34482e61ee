"""The escalation ladder: the next guardian, the head of the crisis team, then the police;
calls and failed deliveries move it at once; any guardian's acknowledgement settles it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import CallOutcome, GuardianRank, NoticeChannel, Tier
from services.notification.domain.board import NoticeBoard
from services.notification.domain.directory import Route
from services.notification.domain.notice import GuardianNotification
from services.notification.domain.policy import NotificationPolicy

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
POLICY = NotificationPolicy()
BOTH = {1: Route(1, "sms", "zh"), 2: Route(2, "email", "en")}
PRIMARY_ONLY = {1: Route(1, "sms", "zh")}
PHONE_FIRST = {1: Route(1, "phone", "zh"), 2: Route(2, "sms", "zh")}


def meta(at: datetime = T0) -> EventMeta:
    return EventMeta.by("crisis_team", "t1", occurred_at=at)


def told(tier: Tier, routes: dict[int, Route]) -> GuardianNotification:
    notification = GuardianNotification.open(uuid4(), "k" * 32, meta())
    notification.tell_family(tier, POLICY, routes, meta(), now=T0)
    return notification


def step_on(notification: GuardianNotification, routes: dict[int, Route],
            at: datetime) -> bool:
    assert notification.current is not None
    return notification.escalate_if_unacknowledged(notification.current, at, POLICY, routes,
                                                   meta(at))


def events_of(notification: GuardianNotification, kind: type[object]) -> list[object]:
    return [e for e in notification.collect_events() if isinstance(e, kind)]


def test_a_crisis_climbs_to_the_second_guardian_then_the_team_head_then_the_police() -> None:
    notification = told(Tier.CRISIS, BOTH)
    wait = timedelta(minutes=15)
    assert step_on(notification, BOTH, T0 + wait)
    second = notification.notices[1]
    assert (second.guardian_rank, second.channel, second.template_id) == (
        2, "email", "guardian-notice-crisis-en-v1")
    assert second.acknowledge_by == T0 + 2 * wait
    assert notification.notices[0].escalated
    assert not step_on(notification, BOTH, T0 + 2 * wait - timedelta(seconds=1))
    assert step_on(notification, BOTH, T0 + 2 * wait)
    assert step_on(notification, BOTH, T0 + 3 * wait)
    head, police = notification.escalations
    assert (head.escalated_to, head.due_by, head.notice_id) == (
        "crisis_team_head", T0 + 3 * wait, second.notice_id)
    assert (police.escalated_to, police.due_by) == ("police", None)
    assert police.template_id == "escalation-police-crisis-zh-v1"
    assert notification.current is None  # the top of the ladder: nothing more to wait for


def test_a_serious_case_climbs_no_higher_than_the_head_of_the_crisis_team() -> None:
    notification = told(Tier.SERIOUS, BOTH)
    assert step_on(notification, BOTH, T0 + timedelta(hours=24))
    assert step_on(notification, BOTH, T0 + timedelta(hours=48))
    [head] = notification.escalations
    assert (head.escalated_to, head.due_by) == ("crisis_team_head", None)
    assert notification.current is None


def test_a_guardian_with_nobody_on_file_is_skipped() -> None:
    notification = told(Tier.CRISIS, PRIMARY_ONLY)
    assert step_on(notification, PRIMARY_ONLY, T0 + timedelta(minutes=15))
    assert len(notification.notices) == 1
    assert [e.escalated_to for e in notification.escalations] == ["crisis_team_head"]


def test_the_primary_guardian_is_told_through_the_default_channel_when_nobody_is_on_file(
) -> None:
    notice = told(Tier.GENERAL, {}).notices[0]
    assert (notice.guardian_rank, notice.channel, notice.language) == (1, "sms", "zh")


def test_the_primary_guardian_is_told_on_their_preferred_channel_in_their_language() -> None:
    notice = told(Tier.SERIOUS, {1: Route(1, "email", "en")}).notices[0]
    assert (notice.channel, notice.template_id, notice.language) == (
        "email", "guardian-notice-serious-en-v1", "en")


def test_the_secondary_guardian_acknowledging_settles_the_ladder() -> None:
    notification = told(Tier.CRISIS, BOTH)
    step_on(notification, BOTH, T0 + timedelta(minutes=15))
    second = notification.notices[1]
    assert notification.acknowledge(GuardianRank.SECONDARY, NoticeChannel.EMAIL,
                                    meta()) == second.notice_id
    late = T0 + timedelta(days=1)
    assert not notification.escalate_if_unacknowledged(second.notice_id, late, POLICY, BOTH,
                                                       meta(late))
    assert notification.escalations == []


def test_a_failed_delivery_moves_the_ladder_on_at_once() -> None:
    notification = told(Tier.SERIOUS, BOTH)
    first = notification.notices[0]
    assert notification.fail_delivery(first.notice_id, "gateway_refused", POLICY, BOTH,
                                      meta(), now=T0 + timedelta(minutes=1))
    assert first.failed == "gateway_refused"
    assert notification.notices[1].guardian_rank == 2
    assert notification.notices[1].acknowledge_by == T0 + timedelta(minutes=1, hours=24)
    assert not notification.fail_delivery(first.notice_id, "gateway_refused", POLICY, BOTH,
                                          meta(), now=T0)
    assert len(events_of(notification, GuardianNotification.NoticeFailed)) == 1


def test_a_failure_of_a_notice_the_ladder_has_left_is_only_recorded() -> None:
    notification = told(Tier.CRISIS, BOTH)
    step_on(notification, BOTH, T0 + timedelta(minutes=15))
    first = notification.notices[0]
    notification.fail_delivery(first.notice_id, "gateway_unavailable", POLICY, BOTH, meta(),
                               now=T0 + timedelta(minutes=16))
    assert notification.current == notification.notices[1].notice_id
    assert notification.escalations == []


def test_a_call_that_reaches_the_guardian_is_their_acknowledgement() -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    notice_id = notification.record_call(GuardianRank.PRIMARY, CallOutcome.REACHED, POLICY,
                                         PHONE_FIRST, meta(), now=T0)
    assert notice_id == notification.notices[0].notice_id
    assert notification.reached
    called, acknowledged = notification.collect_events()[-2:]
    assert isinstance(called, GuardianNotification.Called)
    assert isinstance(acknowledged, GuardianNotification.Acknowledged)
    assert (acknowledged.guardian_rank, acknowledged.channel) == (1, "phone")


@pytest.mark.parametrize("outcome", [CallOutcome.NO_ANSWER, CallOutcome.WRONG_NUMBER])
def test_a_call_that_reaches_nobody_fails_the_phone_notice_and_tries_the_next_guardian(
        outcome: CallOutcome) -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    notification.record_call(GuardianRank.PRIMARY, outcome, POLICY, PHONE_FIRST, meta(),
                             now=T0 + timedelta(minutes=2))
    first, second = notification.notices
    assert first.failed == outcome.value
    assert (second.guardian_rank, second.channel) == (2, "sms")
    assert second.acknowledge_by == T0 + timedelta(minutes=17)


def test_a_guardian_who_declines_to_talk_is_not_yet_reached_and_the_ladder_waits() -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    notification.record_call(GuardianRank.PRIMARY, CallOutcome.DECLINED_TO_TALK, POLICY,
                             PHONE_FIRST, meta(), now=T0)
    assert not notification.reached
    assert notification.current == notification.notices[0].notice_id
    assert notification.notices[0].failed is None


def test_a_call_before_any_notice_is_refused() -> None:
    notification = GuardianNotification.open(uuid4(), "k" * 32, meta())
    with pytest.raises(CaseRuleViolated, match="no guardian has been notified"):
        notification.record_call(GuardianRank.PRIMARY, CallOutcome.REACHED, POLICY, {},
                                 meta(), now=T0)


def test_a_call_after_the_family_acknowledged_is_only_recorded() -> None:
    notification = told(Tier.SERIOUS, BOTH)
    notification.acknowledge(GuardianRank.PRIMARY, NoticeChannel.SMS, meta())
    notification.record_call(GuardianRank.SECONDARY, CallOutcome.REACHED, POLICY, BOTH, meta(),
                             now=T0)
    assert len(events_of(notification, GuardianNotification.Acknowledged)) == 1
    assert [c.guardian_rank for c in notification.calls] == [2]


def board_of(notification: GuardianNotification) -> NoticeBoard:
    board = NoticeBoard()
    board.apply(notification.collect_events())
    return board


def test_a_phone_notice_is_on_the_call_list_not_sent_through_a_gateway() -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    board = board_of(notification)
    notice_id = notification.notices[0].notice_id
    assert board.calls == {notice_id: notification.id}
    assert board.undispatched == {}


def test_a_call_that_reaches_nobody_takes_the_notice_off_the_call_list() -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    notification.record_call(GuardianRank.PRIMARY, CallOutcome.NO_ANSWER, POLICY, PHONE_FIRST,
                             meta(), now=T0)
    board = board_of(notification)
    second: UUID = notification.notices[1].notice_id
    assert board.calls == {}
    assert board.undispatched == {second: notification.id}
    assert board.deadlines[notification.id][0] == second


def test_a_guardian_who_declined_to_talk_stays_on_the_call_list() -> None:
    notification = told(Tier.CRISIS, PHONE_FIRST)
    notification.record_call(GuardianRank.PRIMARY, CallOutcome.DECLINED_TO_TALK, POLICY,
                             PHONE_FIRST, meta(), now=T0)
    assert list(board_of(notification).calls) == [notification.notices[0].notice_id]


def test_a_notice_that_failed_is_recorded_as_failed_not_as_escalated() -> None:
    notification = told(Tier.CRISIS, PRIMARY_ONLY)
    first = notification.notices[0]
    notification.fail_delivery(first.notice_id, "no_contact", POLICY, PRIMARY_ONLY, meta(),
                               now=T0)
    assert (first.failed, first.escalated) == ("no_contact", False)
    [head] = notification.escalations
    assert (head.escalated_to, head.notice_id) == ("crisis_team_head", first.notice_id)

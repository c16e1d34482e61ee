"""The intervention plan agreed with the guardians, and incident reports to the commission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import CallOutcome, GuardianRank, NoticeChannel, PlanMeasure, Tier
from services.notification.adapters.published import PUBLISHED
from services.notification.domain.directory import Route
from services.notification.domain.notice import GuardianNotification
from services.notification.domain.plan import PlanAndReports
from services.notification.domain.policy import NotificationPolicy

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
POLICY = NotificationPolicy()
MEASURES = [PlanMeasure.COUNSELLING_SESSIONS, PlanMeasure.DISTRICT_CENTRE_SESSIONS]


def meta(at: datetime = T0) -> EventMeta:
    return EventMeta.by("crisis_team", "t1", occurred_at=at)


def told(tier: Tier, *, reached: bool = True) -> GuardianNotification:
    notification = GuardianNotification.open(uuid4(), "k" * 32, meta())
    notification.tell_family(tier, POLICY, {}, meta(), now=T0)
    if reached and tier != Tier.NONE:
        notification.acknowledge(GuardianRank.PRIMARY, NoticeChannel.PHONE, meta())
    return notification


def plan(notification: GuardianNotification, *, agreed: bool = True,
         notes: str | None = None) -> None:
    notification.record_plan(MEASURES, agreed, GuardianRank.PRIMARY, date(2024, 3, 15), notes,
                             meta())


@pytest.mark.parametrize("tier", [Tier.SERIOUS, Tier.CRISIS])
def test_a_plan_is_recorded_with_the_guardians_agreement(tier: Tier) -> None:
    notification = told(tier)
    plan(notification)
    assert notification.plan is not None
    assert (notification.plan.measures, notification.plan.agreed) == (
        ["counselling_sessions", "district_centre_sessions"], True)
    assert notification.plan.review_on == date(2024, 3, 15)


@pytest.mark.parametrize("tier", [Tier.NONE, Tier.GENERAL])
def test_a_plan_is_agreed_only_in_a_serious_or_crisis_case(tier: Tier) -> None:
    with pytest.raises(CaseRuleViolated, match="only in a serious or crisis case"):
        plan(told(tier))


def test_a_plan_waits_until_a_guardian_was_reached() -> None:
    with pytest.raises(CaseRuleViolated, match="no guardian has been reached"):
        plan(told(Tier.SERIOUS, reached=False))


def test_a_refused_plan_is_recorded_and_a_later_plan_replaces_it() -> None:
    notification = told(Tier.SERIOUS)
    plan(notification, agreed=False)
    plan(notification, agreed=True)
    first, second = notification.plans
    assert (first.agreed, second.agreed) == (False, True)
    assert first.plan_id != second.plan_id
    assert notification.plan == second


def test_the_plans_notes_stay_off_the_bus() -> None:
    notification = told(Tier.CRISIS)
    plan(notification, notes="母亲同意每周带孩子来心理室")
    event = notification.collect_events()[-1]
    assert isinstance(event, PlanAndReports.PlanRecorded)
    assert event.notes == "母亲同意每周带孩子来心理室"
    envelope = PUBLISHED.envelope(event)
    assert envelope is not None and envelope.type == "InterventionPlanRecorded"
    assert "notes" not in envelope.data and "母亲" not in str(envelope.data)


def test_an_incident_is_reported_to_the_commission_once_within_the_policy_time() -> None:
    notification = told(Tier.CRISIS, reached=False)
    incident_id = uuid4()
    report_id = notification.report_incident(incident_id, POLICY, meta(), now=T0)
    assert notification.report_incident(incident_id, POLICY, meta(), now=T0) == report_id
    [report] = notification.reports
    assert (report.authority, report.report_by) == ("district_education_commission",
                                                    T0 + timedelta(minutes=60))


@pytest.mark.parametrize(("sent_after", "on_time"), [(timedelta(minutes=5), True),
                                                     (timedelta(minutes=61), False)])
def test_a_report_dispatched_says_whether_it_was_on_time(sent_after: timedelta,
                                                         on_time: bool) -> None:
    notification = told(Tier.CRISIS, reached=False)
    report_id = notification.report_incident(uuid4(), POLICY, meta(), now=T0)
    notification.mark_dispatched(report_id, "email", "once", meta(T0 + sent_after))
    notification.mark_dispatched(report_id, "email", "once", meta(T0 + sent_after))
    [report] = notification.reports
    assert (report.dispatched, report.on_time) == (True, on_time)
    dispatched = [e for e in notification.collect_events()
                  if isinstance(e, PlanAndReports.ReportDispatched)]
    assert len(dispatched) == 1


def test_every_event_of_a_whole_ladder_goes_on_the_bus_as_ids_and_codes() -> None:
    routes = {1: Route(1, "phone", "zh"), 2: Route(2, "sms", "zh")}
    notification = GuardianNotification.open(uuid4(), "k" * 32, meta())
    notification.tell_family(Tier.CRISIS, POLICY, routes, meta(), now=T0)
    notification.record_call(GuardianRank.PRIMARY, CallOutcome.WRONG_NUMBER, POLICY, routes,
                             meta(), now=T0)
    second = notification.notices[1].notice_id
    notification.mark_dispatched(second, "sms", "once", meta())
    late = T0 + timedelta(hours=1)
    notification.escalate_if_unacknowledged(second, late, POLICY, routes, meta(late))
    notification.mark_dispatched(notification.escalations[0].escalation_id, "sms", "once",
                                 meta(late))
    notification.acknowledge(GuardianRank.SECONDARY, NoticeChannel.SMS, meta(late))
    plan(notification)
    notification.report_incident(uuid4(), POLICY, meta(), now=T0)
    types = [envelope.type for envelope in map(PUBLISHED.envelope,
                                               notification.collect_events()) if envelope]
    assert types == ["GuardianNoticeIssued", "GuardianCalled", "GuardianNoticeFailed",
                     "GuardianNoticeIssued", "GuardianNoticeDispatched", "NoticeEscalated",
                     "EscalationDispatched", "GuardianAcknowledged",
                     "InterventionPlanRecorded", "AuthorityReportIssued"]

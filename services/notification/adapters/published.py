"""What notification puts on the bus: which guardian, which channel and template, outcomes and
codes; never a contact, a name or the plan's notes. The guardian directory stays home."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import (
    BreakGlassReason,
    CallOutcome,
    DeliveryGuarantee,
    GuardianRank,
    NoticeChannel,
    PlanMeasure,
    Role,
    Tier,
)
from contracts.events import notification as contract
from contracts.events.base import EventData
from services.notification.domain.delivery import Delivery
from services.notification.domain.directory import GuardianDirectory as Directory
from services.notification.domain.glass import GlassAlerts
from services.notification.domain.messages import GlassAlert
from services.notification.domain.notice import GuardianNotification as Notification
from services.notification.domain.plan import PlanAndReports as Record
from services.notification.domain.settling import Settling


def _issued(e: Notification.NoticeIssued) -> contract.GuardianNoticeIssued:
    return contract.GuardianNoticeIssued(
        notice_id=e.notice_id, tier=Tier(e.tier), guardian_rank=GuardianRank(e.guardian_rank),
        channel=NoticeChannel(e.channel), template_id=e.template_id,
        acknowledge_by=e.acknowledge_by, language=e.language)


def _guarantee(delivery: str) -> DeliveryGuarantee | None:
    return DeliveryGuarantee(delivery) if delivery else None


def _dispatched(e: Notification.NoticeDispatched) -> EventData:
    if e.kind == GlassAlert.KIND:
        return contract.BreakGlassAlertDispatched(alert_id=e.message_id,
                                                  channel=NoticeChannel(e.channel),
                                                  delivery=_guarantee(e.delivery))
    if e.kind == "escalation":
        return contract.EscalationDispatched(escalation_id=e.message_id,
                                             channel=NoticeChannel(e.channel),
                                             delivery=_guarantee(e.delivery))
    return contract.GuardianNoticeDispatched(notice_id=e.message_id,
                                             channel=NoticeChannel(e.channel),
                                             delivery=_guarantee(e.delivery))


def _failed(e: Notification.NoticeFailed) -> contract.GuardianNoticeFailed:
    return contract.GuardianNoticeFailed(notice_id=e.notice_id,
                                         channel=NoticeChannel(e.channel), reason=e.reason)


def _unreachable(e: Notification.Unreachable) -> EventData:
    if e.kind == GlassAlert.KIND:
        return contract.BreakGlassAlertFailed(alert_id=e.message_id, reason=e.reason)
    if e.kind == "escalation":
        return contract.EscalationFailed(escalation_id=e.message_id,
                                         escalated_to=e.recipient, reason=e.reason)
    return contract.AuthorityReportFailed(report_id=e.message_id, reason=e.reason)


def _called(e: Notification.Called) -> contract.GuardianCalled:
    return contract.GuardianCalled(notice_id=e.notice_id,
                                   guardian_rank=GuardianRank(e.guardian_rank),
                                   outcome=CallOutcome(e.outcome))


def _acknowledged(e: Notification.Acknowledged) -> contract.GuardianAcknowledged:
    return contract.GuardianAcknowledged(
        notice_id=e.notice_id, guardian_rank=GuardianRank(e.guardian_rank),
        channel=NoticeChannel(e.channel))


def _escalated(e: Notification.Escalated) -> contract.NoticeEscalated:
    return contract.NoticeEscalated(notice_id=e.notice_id, escalated_to=e.escalated_to,
                                    escalation_id=e.escalation_id)


def _plan(e: Record.PlanRecorded) -> contract.InterventionPlanRecorded:
    return contract.InterventionPlanRecorded(
        plan_id=e.plan_id, measures=[PlanMeasure(m) for m in e.measures], agreed=e.agreed,
        guardian_rank=GuardianRank(e.guardian_rank), review_on=e.review_on)


def _report(e: Record.ReportIssued) -> contract.AuthorityReportIssued:
    return contract.AuthorityReportIssued(report_id=e.report_id, incident_id=e.incident_id,
                                          authority=e.authority, report_by=e.report_by)


def _report_dispatched(e: Record.ReportDispatched) -> contract.AuthorityReportDispatched:
    return contract.AuthorityReportDispatched(report_id=e.report_id, on_time=e.on_time,
                                              delivery=_guarantee(e.delivery))


def _alert(e: GlassAlerts.GlassAlertIssued) -> contract.BreakGlassAlertIssued:
    return contract.BreakGlassAlertIssued(
        alert_id=e.alert_id, opened_by=e.opened_by, opened_by_role=Role(e.actor_role),
        opened_by_id=e.actor_id, reason=BreakGlassReason(e.reason), until=e.until)


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Notification.NoticeIssued: _issued, Notification.NoticeDispatched: _dispatched,
     Notification.NoticeFailed: _failed, Notification.Unreachable: _unreachable,
     Notification.Called: _called,
     Notification.Acknowledged: _acknowledged, Notification.Escalated: _escalated,
     Record.PlanRecorded: _plan, Record.ReportIssued: _report,
     Record.ReportDispatched: _report_dispatched, GlassAlerts.GlassAlertIssued: _alert},
    internal=frozenset({Notification.Opened, Directory.Opened, Directory.GuardiansRecorded,
                        Directory.Read, Settling.MessagesWithdrawn, Settling.Closed,
                        Settling.Reopened, Delivery.DeliveryAttemptFailed,
                        Record.ReportOverdue, Notification.StudentLearnt}),
)

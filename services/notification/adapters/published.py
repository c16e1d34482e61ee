"""What notification puts on the bus: which guardian, which channel and template; no contact."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import GuardianRank, NoticeChannel, Tier
from contracts.events import notification as contract
from contracts.events.base import EventData
from services.notification.domain.notice import GuardianNotification as Notification


def _issued(e: Notification.NoticeIssued) -> contract.GuardianNoticeIssued:
    return contract.GuardianNoticeIssued(
        notice_id=e.notice_id, tier=Tier(e.tier), guardian_rank=GuardianRank(e.guardian_rank),
        channel=NoticeChannel(e.channel), template_id=e.template_id,
        acknowledge_by=e.acknowledge_by)


def _dispatched(e: Notification.NoticeDispatched) -> EventData:
    if e.kind == "escalation":
        return contract.EscalationDispatched(escalation_id=e.message_id,
                                             channel=NoticeChannel(e.channel))
    return contract.GuardianNoticeDispatched(notice_id=e.message_id,
                                             channel=NoticeChannel(e.channel))


def _acknowledged(e: Notification.Acknowledged) -> contract.GuardianAcknowledged:
    return contract.GuardianAcknowledged(
        notice_id=e.notice_id, guardian_rank=GuardianRank(e.guardian_rank),
        channel=NoticeChannel(e.channel))


def _escalated(e: Notification.Escalated) -> contract.NoticeEscalated:
    return contract.NoticeEscalated(notice_id=e.notice_id, escalated_to=e.escalated_to,
                                    escalation_id=e.escalation_id)


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Notification.NoticeIssued: _issued, Notification.NoticeDispatched: _dispatched,
     Notification.Acknowledged: _acknowledged, Notification.Escalated: _escalated},
    internal=frozenset({Notification.Opened}),
)

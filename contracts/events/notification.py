from datetime import datetime
from uuid import UUID

from contracts.codes import GuardianRank, NoticeChannel, Tier
from contracts.events.base import CaseViewed, EventData

SERVICE = "notification"


class GuardianNoticeIssued(EventData):
    """The family is to be told: which guardian, how, with which template (never the text)."""

    notice_id: UUID
    tier: Tier
    guardian_rank: GuardianRank
    channel: NoticeChannel
    template_id: str
    acknowledge_by: datetime


class GuardianNoticeDispatched(EventData):
    """The message left through its channel's gateway."""

    notice_id: UUID
    channel: NoticeChannel


class GuardianAcknowledged(EventData):
    notice_id: UUID
    guardian_rank: GuardianRank
    channel: NoticeChannel


class NoticeEscalated(EventData):
    """No acknowledgement in time: the notice went up the escalation ladder."""

    notice_id: UUID
    escalated_to: str
    escalation_id: UUID | None = None  # added after v1 first shipped: optional, same version


class EscalationDispatched(EventData):
    """The escalation message left for the crisis team."""

    escalation_id: UUID
    channel: NoticeChannel


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "GuardianNoticeIssued": GuardianNoticeIssued,
    "GuardianNoticeDispatched": GuardianNoticeDispatched,
    "GuardianAcknowledged": GuardianAcknowledged,
    "NoticeEscalated": NoticeEscalated,
    "EscalationDispatched": EscalationDispatched,
}

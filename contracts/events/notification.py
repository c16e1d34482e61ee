from datetime import date, datetime
from uuid import UUID

from pydantic import Field

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
from contracts.events.base import (
    CaseViewed,
    Code,
    DirectoryId,
    EventData,
    StudentErased,
    TemplateId,
)

SERVICE = "notification"


class GuardianNoticeIssued(EventData):
    """The family is to be told: which guardian, how, with which template (never the text)."""

    notice_id: UUID
    tier: Tier
    guardian_rank: GuardianRank
    channel: NoticeChannel
    template_id: TemplateId
    acknowledge_by: datetime
    language: str | None = None  # optional, added in issue 4


class GuardianNoticeFailed(EventData):
    """A delivery attempt failed (gateway refusal, or a call that reached no one)."""

    notice_id: UUID
    channel: NoticeChannel
    reason: str = Field(pattern=r"^[a-z_]+$", max_length=40)


class GuardianCalled(EventData):
    """A person phoned a guardian and recorded the outcome."""

    notice_id: UUID | None
    guardian_rank: GuardianRank
    outcome: CallOutcome


class GuardianNoticeDispatched(EventData):
    """The message left through its channel's gateway."""

    notice_id: UUID
    channel: NoticeChannel
    # Optional, same version: what that gateway promises against a copy (None: sent before
    # the record said).
    delivery: DeliveryGuarantee | None = None


class GuardianAcknowledged(EventData):
    notice_id: UUID
    guardian_rank: GuardianRank
    channel: NoticeChannel


class NoticeEscalated(EventData):
    """No acknowledgement in time: the notice went up the escalation ladder."""

    notice_id: UUID
    escalated_to: Code
    escalation_id: UUID | None = None  # added after v1 first shipped: optional, same version


class EscalationDispatched(EventData):
    """The escalation message left for the crisis team."""

    escalation_id: UUID
    channel: NoticeChannel
    delivery: DeliveryGuarantee | None = None  # as GuardianNoticeDispatched's


class EscalationFailed(EventData):
    """Nobody could be reached for the escalation (`no_contact`: none on file for whom it
    names; or its address refused for good): no message left, the ladder went on, and the
    team was told to reach them by hand. Never recorded as EscalationDispatched."""

    escalation_id: UUID
    escalated_to: Code
    reason: str = Field(pattern=r"^[a-z_]+$", max_length=40)


class InterventionPlanRecorded(EventData):
    """The targeted plan put to the guardians (001 三(三)2), with their agreement or refusal."""

    plan_id: UUID
    measures: list[PlanMeasure]
    agreed: bool
    guardian_rank: GuardianRank
    review_on: date | None = None


class AuthorityReportIssued(EventData):
    """An incident to be reported to the district education commission (000 item 10)."""

    report_id: UUID
    incident_id: UUID
    authority: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    report_by: datetime


class AuthorityReportDispatched(EventData):
    report_id: UUID
    on_time: bool
    delivery: DeliveryGuarantee | None = None  # as GuardianNoticeDispatched's


class AuthorityReportFailed(EventData):
    """Nobody could be reached for the report (`no_contact`: no address of the authority on
    file; or it was refused for good): the team reports it by hand."""

    report_id: UUID
    reason: str = Field(pattern=r"^[a-z_]+$", max_length=40)


class BreakGlassAlertIssued(EventData):
    """The crisis-team head is to be told of intake's BreakGlassOpened (`opened_by`): who
    opened the case (role and id), the reason code and until when."""

    alert_id: UUID
    opened_by: UUID
    opened_by_role: Role
    opened_by_id: DirectoryId
    reason: BreakGlassReason
    until: datetime


class BreakGlassAlertDispatched(EventData):
    alert_id: UUID
    channel: NoticeChannel
    delivery: DeliveryGuarantee | None = None  # as GuardianNoticeDispatched's


class BreakGlassAlertFailed(EventData):
    """Nobody could be reached for the alert (`no_contact`: no crisis-team head contact on
    file; or its address refused for good): the team is told to reach them by hand."""

    alert_id: UUID
    reason: str = Field(pattern=r"^[a-z_]+$", max_length=40)


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "StudentErased": StudentErased,
    "GuardianNoticeIssued": GuardianNoticeIssued,
    "GuardianNoticeDispatched": GuardianNoticeDispatched,
    "GuardianAcknowledged": GuardianAcknowledged,
    "NoticeEscalated": NoticeEscalated,
    "EscalationDispatched": EscalationDispatched,
    "EscalationFailed": EscalationFailed,
    "GuardianNoticeFailed": GuardianNoticeFailed,
    "GuardianCalled": GuardianCalled,
    "InterventionPlanRecorded": InterventionPlanRecorded,
    "AuthorityReportIssued": AuthorityReportIssued,
    "AuthorityReportDispatched": AuthorityReportDispatched,
    "AuthorityReportFailed": AuthorityReportFailed,
    "BreakGlassAlertIssued": BreakGlassAlertIssued,
    "BreakGlassAlertDispatched": BreakGlassAlertDispatched,
    "BreakGlassAlertFailed": BreakGlassAlertFailed,
}

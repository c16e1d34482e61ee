from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.codes import (
    BreakGlassReason,
    Channel,
    IncidentKind,
    KeyConcern,
    ReportLevel,
    Role,
    SchoolStage,
    Sign,
)
from contracts.events.base import (
    CaseViewed,
    Code,
    DirectoryId,
    EventData,
    ScreenResult,
    StudentErased,
    StudentKey,
)

SERVICE = "intake"


class CaseDetected(EventData):
    """A concern opened a new case. `student_key` is a keyed pseudonym, not the school id."""

    student_key: StudentKey
    report_id: UUID
    channel: Channel
    reporter_role: Role
    signs: list[Sign]
    imminent: bool
    # Optional, added in issue 4 (same version).
    key_concerns: list[KeyConcern] = Field(default_factory=list)
    screen: ScreenResult | None = None
    previous_case_id: UUID | None = None  # the student's last closed case, if any


class ReportAttached(EventData):
    """A further concern about a student whose case is open."""

    report_id: UUID
    channel: Channel
    reporter_role: Role
    signs: list[Sign]
    imminent: bool
    key_concerns: list[KeyConcern] = Field(default_factory=list)
    screen: ScreenResult | None = None


class ReportForwarded(EventData):
    """A staff report went one level up the chain (000 item 6)."""

    report_id: UUID
    from_level: ReportLevel
    to_level: ReportLevel


class ReportAcknowledged(EventData):
    """The level the report reached took it in (who: the envelope's actor)."""

    report_id: UUID
    level: ReportLevel


class KeyConcernsNoted(EventData):
    """The student's key-concern flags changed while this case is open."""

    key_concerns: list[KeyConcern]


class IncidentReported(EventData):
    """An incident on campus (000 item 10): the emergency plan starts with its checklist."""

    incident_id: UUID
    student_key: StudentKey
    kind: IncidentKind
    checklist: list[Code]


class ChecklistItemDone(EventData):
    incident_id: UUID
    item: Code


class TransferDisclosed(EventData):
    """Sending side: the case history the receiving school is entitled to, sent with consent."""

    transfer_id: UUID
    to_school: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$", max_length=64)
    to_stage: SchoolStage
    categories: list[Code]
    consent_id: UUID


class TransferReceived(EventData):
    """Receiving side: the history arrived and opened the student's record at the new school."""

    transfer_id: UUID
    from_school: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$", max_length=64)
    from_case_id: UUID
    student_key: StudentKey


class CaseAssigned(EventData):
    """The crisis-team head made a member of staff (a psychology teacher) responsible for
    the case: they may now see and work it. Ids only."""

    assignee_id: DirectoryId
    assignee_role: Role


class BreakGlassOpened(EventData):
    """Someone with no relation to the case opened it for a stated reason, until a time: the
    envelope's actor is who. The auditor sees it; the case's team is told."""

    reason: BreakGlassReason
    until: AwareDatetime


EVENTS: dict[str, type[EventData]] = {
    "CaseDetected": CaseDetected,
    "ReportAttached": ReportAttached,
    "ReportForwarded": ReportForwarded,
    "ReportAcknowledged": ReportAcknowledged,
    "KeyConcernsNoted": KeyConcernsNoted,
    "IncidentReported": IncidentReported,
    "ChecklistItemDone": ChecklistItemDone,
    "TransferDisclosed": TransferDisclosed,
    "TransferReceived": TransferReceived,
    "CaseViewed": CaseViewed,
    "StudentErased": StudentErased,
    "CaseAssigned": CaseAssigned,
    "BreakGlassOpened": BreakGlassOpened,
}

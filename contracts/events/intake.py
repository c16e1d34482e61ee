from uuid import UUID

from contracts.codes import Channel, Role, Sign
from contracts.events.base import CaseViewed, EventData, StudentKey

SERVICE = "intake"


class CaseDetected(EventData):
    """A concern opened a new case. `student_key` is a keyed pseudonym, not the school id."""

    student_key: StudentKey
    report_id: UUID
    channel: Channel
    reporter_role: Role
    signs: list[Sign]
    imminent: bool


class ReportAttached(EventData):
    """A further concern about a student whose case is open."""

    report_id: UUID
    channel: Channel
    reporter_role: Role
    signs: list[Sign]
    imminent: bool


EVENTS: dict[str, type[EventData]] = {
    "CaseDetected": CaseDetected,
    "ReportAttached": ReportAttached,
    "CaseViewed": CaseViewed,
}

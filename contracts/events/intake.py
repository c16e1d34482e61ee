from uuid import UUID

from pydantic import Field

from contracts.codes import Channel, Role, Sign
from contracts.events.base import EventData

SERVICE = "intake"


class CaseDetected(EventData):
    """A concern opened a new case. `student_key` is a keyed pseudonym, not the school id."""

    student_key: str = Field(pattern=r"^[0-9a-f]{32}$")
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


class CaseViewed(EventData):
    """A person read the case record held by intake (who: the envelope's actor)."""

    purpose: str = Field(pattern=r"^[a-z_]+$", max_length=40)


EVENTS: dict[str, type[EventData]] = {
    "CaseDetected": CaseDetected,
    "ReportAttached": ReportAttached,
    "CaseViewed": CaseViewed,
}

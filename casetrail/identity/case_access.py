"""How people stand to a case, as the trail says: who reported to it, who the crisis-team
head assigned to it, who opened it under break-glass and until when.

Intake records these; every other service keeps a `CaseAccess` per case from intake's
events (CaseDetected, ReportAttached, CaseAssigned, BreakGlassOpened), so each decides
need-to-know from its own store. A deployment serves one school (`CASETRAIL_SCHOOL_ID`):
a case is that school's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.identity.access import Relation
from casetrail.identity.principal import Principal
from contracts.envelope import Envelope
from contracts.events import intake
from contracts.subjects import STANDING_EVENTS

ACCESS_NAMESPACE = UUID("7c2e4f0a-91d3-4b8e-a6f5-3d0b8e2c1a77")


@dataclass(frozen=True)
class Standing:
    """Who stands in a relation to one case."""

    reporters: frozenset[str] = frozenset()
    assignees: frozenset[str] = frozenset()
    # (who, until when) of each break-glass opened on the case
    glass: tuple[tuple[str, datetime], ...] = ()


# What a break-glass opens: what the role could do on a case of its school assigned to it.
BROKEN_GLASS = frozenset({Relation.SCHOOL, Relation.ASSIGNED})


def relations_of(standing: Standing | None, principal: Principal, school: str | None,
                 now: datetime) -> frozenset[Relation]:
    """The relations the principal holds to the case; an expired break-glass holds none."""
    held: set[Relation] = set()
    if principal.school is not None and principal.school == school:
        held.add(Relation.SCHOOL)
    if standing is not None:
        if principal.subject in standing.reporters:
            held.add(Relation.REPORTER)
        if principal.subject in standing.assignees:
            held.add(Relation.ASSIGNED)
        if any(who == principal.subject and now < until for who, until in standing.glass):
            held |= BROKEN_GLASS
    return frozenset(held)


class CaseAccess(Aggregate):
    """One case's standing, in a service other than intake; each note is made once."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return uuid5(ACCESS_NAMESPACE, str(case_id))

    class Started(Aggregate.Created):
        case_id: UUID

    @event(Started)
    def __init__(self, case_id: UUID) -> None:
        self.case_id = case_id
        self.reporters: set[str] = set()
        self.assignees: set[str] = set()
        self.glass: dict[UUID, tuple[str, datetime]] = {}

    class ReporterNoted(Aggregate.Event):
        actor_id: str

    @event(ReporterNoted)
    def _note_reporter(self, actor_id: str) -> None:
        self.reporters.add(actor_id)

    class AssigneeNoted(Aggregate.Event):
        assignee_id: str

    @event(AssigneeNoted)
    def _note_assignee(self, assignee_id: str) -> None:
        self.assignees.add(assignee_id)

    class BreakGlassNoted(Aggregate.Event):
        opened_by: UUID  # intake's event
        actor_id: str
        until: datetime

    @event(BreakGlassNoted)
    def _note_break_glass(self, opened_by: UUID, actor_id: str, until: datetime) -> None:
        self.glass[opened_by] = (actor_id, until)

    def note(self, envelope: Envelope, data: object) -> None:
        """What intake's event says of who stands to the case; nothing twice."""
        if isinstance(data, intake.CaseDetected | intake.ReportAttached):
            if envelope.actor.id not in self.reporters:
                self._note_reporter(envelope.actor.id)
        elif isinstance(data, intake.CaseAssigned):
            if data.assignee_id not in self.assignees:
                self._note_assignee(data.assignee_id)
        elif isinstance(data, intake.BreakGlassOpened) and envelope.event_id not in self.glass:
            self._note_break_glass(envelope.event_id, envelope.actor.id, data.until)

    def standing(self) -> Standing:
        return Standing(frozenset(self.reporters), frozenset(self.assignees),
                        tuple(self.glass.values()))


ACCESS_EVENTS = STANDING_EVENTS

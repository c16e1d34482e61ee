"""How people stand to each case, folded from intake's events on CASES as the replica reads
them (pure): who reported to it (the envelope's actor of CaseDetected and ReportAttached),
who was assigned to it, who opened it under break-glass and until when. Supervision keeps
no relation book in a store: CASES is its record, replayed at every start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from casetrail.identity.access import Relation
from casetrail.identity.case_access import ACCESS_EVENTS, Standing, relations_of
from casetrail.identity.principal import Principal
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, intake, read_data


@dataclass
class CaseStandings:
    """Each case's `Standing`, as intake's events on CASES say it."""

    cases: dict[UUID, Standing] = field(default_factory=dict)

    def apply(self, envelope: Envelope) -> None:
        if envelope.service != intake.SERVICE or envelope.type not in ACCESS_EVENTS:
            return
        try:
            data = read_data(envelope)
        except (UnknownEvent, ValidationError):
            return  # the worklist counts what no contract reads
        standing = self.cases.get(envelope.case_id, Standing())
        match data:
            case intake.CaseDetected() | intake.ReportAttached():
                standing = replace(standing,
                                   reporters=standing.reporters | {envelope.actor.id})
            case intake.CaseAssigned(assignee_id=assignee):
                standing = replace(standing, assignees=standing.assignees | {assignee})
            case intake.BreakGlassOpened(until=until):
                standing = replace(standing, glass=(*standing.glass,
                                                    (envelope.actor.id, until)))
        # Replaced whole: a reader on another thread sees the old standing or the new one.
        self.cases[envelope.case_id] = standing


class StandingBook:
    """The relations a principal holds to a case of the deployment's school, from the
    standings folded from CASES (the read side's `CaseRelations`)."""

    def __init__(self, standings: CaseStandings, school: str | None,
                 now: Callable[[], datetime]) -> None:
        self.standings = standings
        self.school = school
        self.now = now

    def relations(self, case_id: UUID, principal: Principal) -> frozenset[Relation]:
        return relations_of(self.standings.cases.get(case_id), principal, self.school,
                            self.now())

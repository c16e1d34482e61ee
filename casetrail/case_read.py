"""A person's read of a case, kept apart from the case it read."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import WHOLE_RECORD, EventMeta


class CaseRead(Aggregate):
    """One person's read of one case (or of the part `what` names): who, when and why.

    Its own aggregate, created once and never loaded again, so that reading a case never
    makes the case longer to load; on the bus it is a CaseViewed of the case read."""

    class Logged(Aggregate.Created):
        case_id: UUID
        purpose: str
        meta: EventMeta
        what: str

    @event(Logged)
    def __init__(self, case_id: UUID, purpose: str, meta: EventMeta,
                 what: str = WHOLE_RECORD) -> None:
        self.case_id = case_id

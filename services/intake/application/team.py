"""Who works a case (need-to-know): the crisis-team head's assignments, and break-glass."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from casetrail.kernel import EventMeta
from contracts.codes import BreakGlassReason, Role
from services.intake.application.cases import CaseDesk
from services.intake.domain.case import Case


class TeamDesk(CaseDesk):
    def assign(self, case_id: UUID, assignee_id: str, assignee_role: Role,
               meta: EventMeta) -> None:
        """The crisis-team head makes a member of staff responsible for the case."""
        case = self.get_case(case_id, Case)
        case.assign(assignee_id, assignee_role, meta)
        self.record(case)

    def open_break_glass(self, case_id: UUID, reason: BreakGlassReason, lasting: timedelta,
                         meta: EventMeta) -> datetime:
        """Someone with no relation to the case opens it, for a reason, for a short time;
        the event is the auditor's, and the team sees it on the case and its list."""
        case = self.get_case(case_id, Case)
        until = case.open_break_glass(reason, lasting, meta)
        self.record(case)
        return until

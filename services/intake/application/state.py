"""Intake's part of a case as it stood at a time (the auditor's replay), from its own store."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from casetrail.kernel import EventMeta
from contracts.case_state import IntakePart
from services.intake.application.cases import CaseDesk
from services.intake.domain.case import Case


def part_of(case: Case) -> IntakePart:
    return IntakePart(detected_at=case.created_on, source=case.reports[0]["channel"],
                      reports=len(case.reports), assignees=sorted(case.assignees),
                      break_glass_openings=len(case.break_glass))


class StateDesk(CaseDesk):
    def state_at(self, case_id: UUID, as_of: datetime, *, purpose: str,
                 reader: EventMeta) -> IntakePart:
        """The case as intake's store had it at `as_of`; the read is logged."""
        return part_of(self.read_case_as_of(case_id, Case, as_of, purpose=purpose,
                                            reader=reader))

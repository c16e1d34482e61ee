"""What reporters and the district may read: a report's status, the school's figures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from uuid import UUID

from casetrail.kernel import CaseNotFound, EventMeta
from services.intake.application.cases import CaseDesk
from services.intake.domain.case import Case
from services.intake.domain.figures import CaseFigures
from services.intake.domain.report import status_of
from services.intake.domain.report_index import ReportIndex

REPORT_STATUS = "report_status"


@dataclass(frozen=True)
class ReportOwner:
    """The case a report is in, and who made it: what need-to-know asks of a status read."""

    case_id: UUID
    reporter_id: str


class ReportDesk(CaseDesk):
    @cached_property
    def report_index(self) -> ReportIndex:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        return self.keep_read_model(ReportIndex())

    @cached_property
    def case_figures(self) -> CaseFigures:
        return self.keep_read_model(CaseFigures(self.policy.school_timezone))

    def report_owner(self, report_id: UUID) -> ReportOwner:
        case_id = self.report_index.cases.get(report_id)
        if case_id is None:
            raise CaseNotFound(f"intake has no report {report_id}")
        report = self.get_case(case_id, Case).report(report_id)
        return ReportOwner(case_id, report["reporter_id"])

    def report_status(self, owner: ReportOwner, report_id: UUID, *, purpose: str,
                      reader: EventMeta) -> dict[str, Any]:
        """The status only of the report (`owner`: whose it is, as `report_owner` says); the
        read is logged on its case, as of that report."""
        case = self.read_case(owner.case_id, Case, purpose=purpose, reader=reader,
                              what=REPORT_STATUS)
        return status_of(case.report(report_id))

    def figures(self) -> dict[str, Any]:
        """Counts of the school's cases, small ones suppressed: no case is read."""
        return {"school": self.policy.school_code} | self.case_figures.figures()

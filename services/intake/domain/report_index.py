"""Which case each report is in: how a reporter, who knows only the report's id, finds its
status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from services.intake.domain.case import Case


@dataclass
class ReportIndex:
    """A projection of intake's case events: report id -> case id."""

    cases: dict[UUID, UUID] = field(default_factory=dict)

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            if isinstance(event, Case.Detected | Case.ReportAttached):
                self.cases[event.report_id] = event.originator_id

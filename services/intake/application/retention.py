"""What is due for erasure under the school's retention periods."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from casetrail.kernel import EventMeta
from services.intake.application.cases import CaseDesk
from services.intake.domain.retention import RetentionBoard


class RetentionDesk(CaseDesk):
    @cached_property
    def retention_board(self) -> RetentionBoard:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        return self.keep_read_model(RetentionBoard())

    def retention_due(self, as_of: date, *, purpose: str,
                      reader: EventMeta) -> list[dict[str, Any]]:
        """The students whose every record is past its period on `as_of`; the list shows
        which records, so its read is logged like any list of cases."""
        due = self.retention_board.due(self.policy.retention, as_of)
        self.read_list("retention", [r["record_id"] for student in due
                                     for r in student["records"]],
                       purpose=purpose, reader=reader)
        return due

"""The list of the school's cases a reader may read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property

from casetrail.kernel import EventMeta
from services.intake.application.cases import CaseDesk
from services.intake.domain.case_list import CaseLine, CaseList, CaseState

# What the read log names the list.
CASE_LIST = "case_list"


class CaseListDesk(CaseDesk):
    @cached_property
    def case_list(self) -> CaseList:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        return self.keep_read_model(CaseList())

    def listed_cases(self, state: CaseState, limit: int,
                     visible: Callable[[Sequence[CaseLine]], list[CaseLine]], *,
                     purpose: str, reader: EventMeta) -> list[CaseLine]:
        """Newest first, the first `limit` of the cases `visible` keeps, their names opened;
        the read of those is logged first."""
        shown = visible(self.case_list.newest_first(state))[:limit]
        self.read_list(CASE_LIST, [line.case_id for line in shown], purpose=purpose,
                       reader=reader)
        return [self._opened(line) for line in shown]

    def _opened(self, line: CaseLine) -> CaseLine:
        name: str | None = self.opened(line.student_key, line.student_name)
        return replace(line, student_name=name)

"""The school's cases as a list: one line per case, newest first, for those who work them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.intake.domain.case import Case

CaseState = Literal["open", "closed", "all"]


@dataclass
class CaseLine:
    """What the list shows of one case; the name stays sealed until a reader is shown it."""

    case_id: UUID
    student_key: str
    student_name: str | None
    channel: str
    detected_at: datetime
    closed: bool = False
    reopened: bool = False


@dataclass
class CaseList:
    """A projection of intake's case events: one line per case."""

    lines: dict[UUID, CaseLine] = field(default_factory=dict)

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            case_id = event.originator_id
            if isinstance(event, Case.Detected):
                self.lines[case_id] = CaseLine(case_id, event.student_key, event.student_name,
                                               event.channel, event.meta.occurred_at)
            elif isinstance(event, Case.ClosureNoted):
                self.lines[case_id].closed = True
            elif isinstance(event, Case.ReopeningNoted):
                self.lines[case_id].closed = False
                self.lines[case_id].reopened = True

    def newest_first(self, state: CaseState) -> list[CaseLine]:
        # Cases detected in the same instant: the later in the store first.
        kept = [(line.detected_at, n, line) for n, line in enumerate(self.lines.values())
                if state == "all" or line.closed == (state == "closed")]
        return [line for *_, line in sorted(kept, key=lambda item: item[:2], reverse=True)]

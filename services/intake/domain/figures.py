"""The district's view of the school: how many cases, by month, channel, level and state;
no ids, no names, and every count under five shown only as "<5" (minors' statistics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from casetrail.small_counts import SMALLEST_SHOWN, shown, suppressed
from services.intake.domain.case import Case


@dataclass
class CaseLine:
    """What the figures count of one case."""

    month: str
    channel: str
    level: str
    closed: bool = False


@dataclass
class CaseFigures:
    """A projection of intake's case events: one line per case, counted on demand."""

    timezone: ZoneInfo
    cases: dict[UUID, CaseLine] = field(default_factory=dict)
    # report id -> case id, so that the level of the opening report is kept up to date
    openers: dict[UUID, UUID] = field(default_factory=dict)

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            case_id = event.originator_id
            if isinstance(event, Case.Detected):
                month = event.meta.occurred_at.astimezone(self.timezone).strftime("%Y-%m")
                self.cases[case_id] = CaseLine(month, event.channel, event.level)
                self.openers[event.report_id] = case_id
            elif isinstance(event, Case.ReportForwarded) and event.report_id in self.openers:
                self.cases[case_id].level = event.to_level
            elif isinstance(event, Case.ClosureNoted):
                self.cases[case_id].closed = True
            elif isinstance(event, Case.ReopeningNoted):
                self.cases[case_id].closed = False

    def figures(self) -> dict[str, Any]:
        lines = list(self.cases.values())
        return {"cases": shown(len(lines)),
                "by_month": suppressed(Counter(line.month for line in lines)),
                "by_channel": suppressed(Counter(line.channel for line in lines)),
                "by_level": suppressed(Counter(line.level for line in lines)),
                "by_state": suppressed(Counter("closed" if line.closed else "open"
                                               for line in lines)),
                "smallest_shown": SMALLEST_SHOWN}


"""The district's view of the school: how many cases, by month, channel, level and state;
no ids, no names, and every count under five shown only as "<5" (minors' statistics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.intake.domain.case import Case

SMALLEST_SHOWN = 5
SUPPRESSED = "<5"
# A count that is not small, hidden because it would give a small one away with the total.
WITHHELD = "withheld"

Cell = int | str


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


def shown(count: int) -> Cell:
    return SUPPRESSED if 0 < count < SMALLEST_SHOWN else count


def suppressed(counts: Counter[str]) -> dict[str, Cell]:
    """The counts with every small cell shown as "<5", and then the smallest of the others
    withheld, since the total less the others would give the small ones away."""
    small = {key for key, count in counts.items() if count < SMALLEST_SHOWN}
    withheld = set()
    if small and len(counts) > len(small):
        withheld.add(min((key for key in counts if key not in small), key=counts.__getitem__))
    return {key: SUPPRESSED if key in small else WITHHELD if key in withheld else count
            for key, count in sorted(counts.items())}

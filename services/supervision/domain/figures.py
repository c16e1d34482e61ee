"""The supervisors' figures (督导): a read model fed CASES envelopes in stream order, per
school and per district, for the cases detected in a date range. It holds codes and times
only and answers counts, shares and percentiles, never a case id or a name; fed the same
envelopes from zero, a fresh model answers the same figures (rebuilt at every start)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from casetrail.small_counts import SMALLEST_SHOWN, suppressed
from contracts.envelope import Envelope
from contracts.events import read_data
from services.supervision.domain.case_progress import COUNTED, CaseProgress
from services.supervision.domain.measures import measures

# The district of a school the supervision settings do not place in one.
NO_DISTRICT = "unassigned"


class Grouping(StrEnum):
    SCHOOL = "school"
    DISTRICT = "district"


@dataclass(frozen=True)
class Period:
    """Detection dates from `first` to `last`, both included, in the schools' time zone."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError("from: must not be after to")

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass
class SupervisionFigures:
    """One line per case, counted on demand."""

    timezone: ZoneInfo
    cases: dict[UUID, CaseProgress] = field(default_factory=dict)
    # The relay may publish an event twice (at least once): each counts once.
    seen: set[UUID] = field(default_factory=set)
    # The latest recorded time read: the record's "now", by which follow-ups fall due.
    as_of: datetime | None = None

    def apply(self, envelope: Envelope, school: str) -> None:
        """Take in the next envelope of `school`'s CASES stream."""
        if envelope.event_id in self.seen:
            return
        self.seen.add(envelope.event_id)
        if self.as_of is None or envelope.recorded_at > self.as_of:
            self.as_of = envelope.recorded_at
        if (envelope.service, envelope.type) not in COUNTED:
            return
        line = self.cases.get(envelope.case_id)
        if line is None:
            line = self.cases[envelope.case_id] = CaseProgress(school)
        line.apply(read_data(envelope), envelope.occurred_at)

    def figures(self, period: Period, by: Grouping,
                districts: Mapping[str, str]) -> dict[str, Any]:
        """The measures of each school (or district: `districts` maps school to district)
        over the cases detected in `period`."""
        groups: dict[str, list[CaseProgress]] = {}
        for line in self.cases.values():
            if line.detected_at is None:
                continue
            if period.holds(line.detected_at.astimezone(self.timezone).date()):
                key = (line.school if by is Grouping.SCHOOL
                       else districts.get(line.school, NO_DISTRICT))
                groups.setdefault(key, []).append(line)
        due_by = (self.as_of.astimezone(self.timezone).date() if self.as_of else period.last)
        # The groups' sizes are one table: a small one suppressed, the next withheld.
        sizes = suppressed(Counter({key: len(lines) for key, lines in groups.items()}))
        return {"from": period.first.isoformat(), "to": period.last.isoformat(),
                "by": by.value, "timezone": str(self.timezone),
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "smallest_shown": SMALLEST_SHOWN,
                "groups": [{by.value: key, "cases": sizes[key]}
                           | measures(groups[key], due_by) for key in sorted(groups)]}

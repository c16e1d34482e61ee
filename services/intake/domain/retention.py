"""How long intake keeps each kind of record, and which students' records are all past it:
those are due for erasure (of the student's data key, so of everything personal at once).

The school's policy documents set no periods; the defaults (RetentionPolicy) are this
system's until a school configures its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from casetrail.personal.erasure import Erasure
from services.intake.domain.case import Case
from services.intake.domain.screening import Screening
from services.intake.domain.transfer import TransferredRecord

CASE = "case"
SCREENING_ANSWERS = "screening_answers"
TRANSFERRED_RECORD = "transferred_record"


@dataclass(frozen=True)
class RetentionPolicy:
    """Years each kind of record is kept: a case from its closure (never while open), a
    screening's answers from their import, a record received from another school from
    its receipt."""

    case_years: int = 3
    screening_answers_years: int = 1
    transferred_record_years: int = 3

    def years(self, kind: str) -> int:
        return {CASE: self.case_years, SCREENING_ANSWERS: self.screening_answers_years,
                TRANSFERRED_RECORD: self.transferred_record_years}[kind]


def years_after(moment: datetime, years: int) -> date:
    day = moment.date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


@dataclass
class Kept:
    """One record of a student's: what kind, and since when its period runs (None while
    it does not: an open case)."""

    kind: str
    since: datetime | None


class RetentionBoard:
    """Every student's records as intake's events tell them; an erasure forgets the
    student's records up to then."""

    def __init__(self) -> None:
        self.records: dict[str, dict[UUID, Kept]] = {}
        self._student_of: dict[UUID, str] = {}

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            record_id = event.originator_id
            if isinstance(event, Case.Detected):
                self._keep(event.student_key, record_id, Kept(CASE, None))
            elif isinstance(event, Case.ClosureNoted):
                self._since(record_id, event.meta.occurred_at)
            elif isinstance(event, Case.ReopeningNoted):
                self._since(record_id, None)
            elif isinstance(event, Screening.BatchImported):
                for row in event.accepted:
                    self._keep(row["student_key"], record_id,
                               Kept(SCREENING_ANSWERS, event.meta.occurred_at))
            elif isinstance(event, TransferredRecord.Received):
                self._keep(event.student_key, record_id,
                           Kept(TRANSFERRED_RECORD, event.meta.occurred_at))
            elif isinstance(event, Erasure.StudentErased):
                self.records.pop(event.student_key, None)

    def _keep(self, student_key: str, record_id: UUID, kept: Kept) -> None:
        # A later import of the same screening's answers keeps the period of the first.
        self.records.setdefault(student_key, {}).setdefault(record_id, kept)
        self._student_of[record_id] = student_key

    def _since(self, record_id: UUID, since: datetime | None) -> None:
        kept = self.records.get(self._student_of.get(record_id, ""), {}).get(record_id)
        if kept is not None:
            kept.since = since

    def due(self, policy: RetentionPolicy, as_of: date) -> list[dict[str, Any]]:
        """The students each of whose records is past its period on `as_of`, with those
        records: ids, kinds and due dates, never a name."""
        found = []
        for student_key, records in self.records.items():
            dues = [(record_id, kept.kind, years_after(kept.since, policy.years(kept.kind)))
                    for record_id, kept in records.items() if kept.since is not None]
            if not records or len(dues) < len(records) or any(d > as_of for *_, d in dues):
                continue
            found.append({"student_key": student_key, "due_on": max(d for *_, d in dues),
                          "records": [{"record_id": record_id, "kind": kind, "due_on": due}
                                      for record_id, kind, due in sorted(
                                          dues, key=lambda d: (d[2], str(d[0])))]})
        return sorted(found, key=lambda s: (s["due_on"], s["student_key"]))

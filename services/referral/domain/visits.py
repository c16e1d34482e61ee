"""What referral knows of the student, and home visits: a key-concern student gets at least
one home visit a semester (家访, 000 item 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged


def semester(day: date) -> str:
    """The school semester of a day: "YYYY-1" from September to January, "YYYY-2" from
    February to August, YYYY being the year the school year began."""
    if day.month >= 9:
        return f"{day.year}-1"
    if day.month == 1:
        return f"{day.year - 1}-1"
    return f"{day.year - 1}-2"


@dataclass
class HomeVisit:
    visit_id: UUID
    semester: str
    made_on: date
    notes: str | None


class CaseVisits(ReadLogged):
    """The student as referral knows it (codes from intake and assessment), and visits."""

    student_key: str | None
    signs: list[str]
    key_concerns: list[str]
    home_visits: list[HomeVisit]
    visits_due: list[str]  # semesters whose visit was found missing
    closed_because: str | None

    class StudentNoted(Aggregate.Event):
        student_key: str | None
        signs: list[str]
        key_concerns: list[str] | None
        meta: EventMeta

    def note_student(self, *, student_key: str | None, signs: list[str],
                     key_concerns: list[str] | None, meta: EventMeta) -> None:
        """Codes of a report or decision: the key (a pseudonym), signs added, key concerns
        replaced when given."""
        new_signs = [s for s in signs if s not in self.signs]
        new_key = student_key if student_key and student_key != self.student_key else None
        changed = key_concerns is not None and sorted(key_concerns) != sorted(self.key_concerns)
        if new_signs or new_key or changed:
            self._student_noted(new_key, new_signs, key_concerns if changed else None, meta)

    @event(StudentNoted)
    def _student_noted(self, student_key: str | None, signs: list[str],
                       key_concerns: list[str] | None, meta: EventMeta) -> None:
        self.student_key = student_key or self.student_key
        self.signs = self.signs + signs
        if key_concerns is not None:
            self.key_concerns = list(key_concerns)

    def record_home_visit(self, visit_id: UUID, made_on: date, notes: str | None,
                          meta: EventMeta) -> str:
        if self.closed_because is not None:
            raise CaseRuleViolated(f"the case is closed ({self.closed_because})")
        term = semester(made_on)
        self._home_visit_recorded(visit_id, term, made_on, notes, meta)
        return term

    class HomeVisitRecorded(Aggregate.Event):
        visit_id: UUID
        semester: str
        made_on: date
        notes: str | None
        meta: EventMeta

    @event(HomeVisitRecorded)
    def _home_visit_recorded(self, visit_id: UUID, semester: str, made_on: date,
                             notes: str | None, meta: EventMeta) -> None:
        self.home_visits.append(HomeVisit(visit_id, semester, made_on, notes))

    def visit_due(self, today: date) -> str | None:
        """The semester whose home visit is missing, if it is not flagged yet."""
        term = semester(today)
        if (self.closed_because is not None or not self.key_concerns
                or term in self.visits_due
                or any(v.semester == term for v in self.home_visits)):
            return None
        return term

    def raise_visit_due(self, today: date, meta: EventMeta) -> bool:
        term = self.visit_due(today)
        if term is None:
            return False
        self._home_visit_due(term, meta)
        return True

    class HomeVisitDue(Aggregate.Event):
        semester: str
        meta: EventMeta

    @event(HomeVisitDue)
    def _home_visit_due(self, semester: str, meta: EventMeta) -> None:
        self.visits_due.append(semester)

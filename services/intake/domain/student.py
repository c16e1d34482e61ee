"""The student as intake tracks them: at most one open case at a time."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta


class Student(Aggregate):
    class Registered(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Registered)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.open_case_id: UUID | None = None

    @staticmethod
    def id_for(student_key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"casetrail:student:{student_key}")

    @classmethod
    def register(cls, student_key: str, meta: EventMeta) -> Student:
        return cls._create(cls.Registered, id=cls.id_for(student_key), student_key=student_key,
                           meta=meta)

    class CaseOpened(Aggregate.Event):
        case_id: UUID
        meta: EventMeta

    def open_case(self, case_id: UUID, meta: EventMeta) -> None:
        if self.open_case_id is not None:
            raise CaseRuleViolated(f"the student's case {self.open_case_id} is still open")
        self._case_opened(case_id, meta)

    @event(CaseOpened)
    def _case_opened(self, case_id: UUID, meta: EventMeta) -> None:
        self.open_case_id = case_id

    class CaseReleased(Aggregate.Event):
        case_id: UUID
        meta: EventMeta

    @event(CaseReleased)
    def _release(self, case_id: UUID, meta: EventMeta) -> None:
        self.open_case_id = None

    def release(self, case_id: UUID, meta: EventMeta) -> None:
        """The case closed: the next concern about this student opens a new one."""
        if self.open_case_id == case_id:
            self._release(case_id, meta)

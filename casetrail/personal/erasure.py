"""The record of a student's erasure in one service: who erased, why, and when."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta

ERASURE_NAMESPACE = UUID("5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d")


class Erasure(Aggregate):
    """One per student and service: erasing again changes nothing."""

    @staticmethod
    def id_for(student_key: str) -> UUID:
        return uuid5(ERASURE_NAMESPACE, student_key)

    class StudentErased(Aggregate.Created):
        student_key: str
        reason: str
        meta: EventMeta

    @event(StudentErased)
    def __init__(self, student_key: str, reason: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.reason = reason
        self.erased_by = {"role": meta.actor_role, "id": meta.actor_id}
        self.erased_at = meta.occurred_at

    @classmethod
    def record(cls, student_key: str, reason: str, meta: EventMeta) -> Erasure:
        return cls._create(cls.StudentErased, id=cls.id_for(student_key),
                           student_key=student_key, reason=reason, meta=meta)

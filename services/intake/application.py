"""Intake's commands and queries."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from casetrail.bus.inbox import following
from casetrail.kernel import EventMeta
from casetrail.pseudonym import Pseudonyms
from casetrail.store import ServiceApplication
from contracts.envelope import Envelope
from services.intake.domain.case import Case, Concern
from services.intake.domain.student import Student


@dataclass(frozen=True)
class ReportReceived:
    case_id: UUID
    report_id: UUID
    opened: bool


class IntakeApplication(ServiceApplication):
    name = "intake"

    def __init__(self, env: dict[str, str], pseudonym_key: bytes) -> None:
        super().__init__(env)
        self._pseudonyms = Pseudonyms(pseudonym_key)

    def student_key(self, student_ref: str) -> str:
        return self._pseudonyms.student_key(student_ref)

    def report_concern(self, *, student_ref: str, student_name: str | None,
                       concern: Concern, meta: EventMeta) -> ReportReceived:
        """Open a case for the student, or attach the concern to their open case."""
        key = self.student_key(student_ref)
        student = self.find_case(Student.id_for(key), Student) or Student.register(key, meta)
        if student.open_case_id is not None:
            case = self.get_case(student.open_case_id, Case)
            case.attach(concern, meta)
            self.record(case)
            return ReportReceived(case.id, concern.report_id, opened=False)
        case = Case.detect(uuid4(), student_key=key, student_ref=student_ref,
                           student_name=student_name, concern=concern, meta=meta)
        student.open_case(case.id, meta)
        self.record(case, student)
        return ReportReceived(case.id, concern.report_id, opened=True)

    def on_case_closed(self, envelope: Envelope, _: object, tracking: Tracking) -> None:
        case = self.get_case(envelope.case_id, Case)
        meta = following(envelope, self.name)
        case.note_closed(meta)
        student = self.get_case(Student.id_for(case.student_key), Student)
        student.release(case.id, meta)
        self.record(case, student, tracking=tracking)

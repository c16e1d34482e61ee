"""The student as intake tracks them: at most one open case at a time, the history of their
cases (the growth file, 一生一策), and their key-concern flags (重点关注)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import KeyConcern


class Student(Aggregate):
    class Registered(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Registered)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.open_case_id: UUID | None = None
        self.case_ids: list[UUID] = []
        self.key_concerns: list[KeyConcern] = []

    @staticmethod
    def id_for(student_key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"casetrail:student:{student_key}")

    @classmethod
    def register(cls, student_key: str, meta: EventMeta) -> Student:
        return cls._create(cls.Registered, id=cls.id_for(student_key), student_key=student_key,
                           meta=meta)

    @property
    def last_case_id(self) -> UUID | None:
        return self.case_ids[-1] if self.case_ids else None

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
        self.case_ids.append(case_id)

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

    class CaseResumed(Aggregate.Event):
        case_id: UUID
        meta: EventMeta

    @event(CaseResumed)
    def _resume(self, case_id: UUID, meta: EventMeta) -> None:
        self.open_case_id = case_id

    def resume(self, case_id: UUID, meta: EventMeta) -> None:
        """The closed case was reopened: it is the student's open case again."""
        if self.open_case_id not in (None, case_id):
            raise CaseRuleViolated(f"the student's case {self.open_case_id} is open")
        if self.open_case_id is None:
            self._resume(case_id, meta)

    class RecordReceived(Aggregate.Event):
        """The history sent by the student's previous school opened a record here."""

        record_id: UUID
        meta: EventMeta

    @event(RecordReceived)
    def _record_received(self, record_id: UUID, meta: EventMeta) -> None:
        self.case_ids.append(record_id)

    def receive_record(self, record_id: UUID, meta: EventMeta) -> None:
        self._record_received(record_id, meta)

    class KeyConcernsRecorded(Aggregate.Event):
        key_concerns: list[str]
        meta: EventMeta

    @event(KeyConcernsRecorded)
    def _key_concerns_recorded(self, key_concerns: list[str], meta: EventMeta) -> None:
        self.key_concerns = [KeyConcern(k) for k in key_concerns]

    class FileRead(Aggregate.Event):
        """A person read the growth file (who: meta), flags included, and why; each case
        it lists notes the read too."""

        purpose: str
        meta: EventMeta

    @event(FileRead)
    def record_file_read(self, purpose: str, meta: EventMeta) -> None:
        """Nothing changes but the trail."""

    def record_key_concerns(self, key_concerns: list[KeyConcern], meta: EventMeta) -> bool:
        """Replace the flags (in a stable order); say whether anything changed."""
        flags = sorted(set(key_concerns), key=list(KeyConcern).index)
        if flags == self.key_concerns:
            return False
        self._key_concerns_recorded([k.value for k in flags], meta)
        return True

"""Concerns in, one case per student; the report chain; key concerns; incidents; closure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from casetrail.case_read import CaseRead
from casetrail.identity.case_access import Standing
from casetrail.kernel import CaseNotFound, EventMeta, following
from casetrail.personal.records import PersonalRecords
from casetrail.personal.sealing import PersonalData
from casetrail.pseudonym import Pseudonyms
from contracts.codes import Channel, IncidentKind, KeyConcern, ReportLevel, SchoolStage, Sign
from contracts.envelope import Envelope
from contracts.events.referral import CaseReopened
from services.intake.domain.case import Case, Concern
from services.intake.domain.report_chain import ChainKind, starting_level
from services.intake.domain.retention import RetentionPolicy
from services.intake.domain.student import Student
from services.intake.domain.transfer import TransferredRecord

DEFAULT_CHECKLIST = ("secure_scene", "first_aid", "contact_guardians",
                     "call_emergency_services", "notify_education_commission",
                     "notify_police", "support_witnesses", "preserve_records")

CHINA = ZoneInfo("Asia/Shanghai")

# What of a case the growth file shows: its summary line.
GROWTH_FILE = "growth_file"

# The signs an incident of each kind shows; the crisis path starts from them at once.
INCIDENT_SIGNS: dict[IncidentKind, list[Sign]] = {
    IncidentKind.SUICIDE_ATTEMPT: [Sign.SUICIDE_ATTEMPT],
    IncidentKind.SELF_HARM: [Sign.SELF_HARM],
    IncidentKind.VIOLENCE: [Sign.HARM_TO_OTHERS],
}


@dataclass(frozen=True)
class IntakePolicy:
    """The school's own settings: its code, its report chain, its emergency plan, the time
    zone its months are counted in."""

    school_code: str = "school"
    school_stage: SchoolStage = SchoolStage.PRIMARY
    chain: ChainKind = ChainKind.SCHOOL
    checklist: tuple[str, ...] = DEFAULT_CHECKLIST
    screening_max_bytes: int = 5_000_000
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    school_timezone: ZoneInfo = CHINA


@dataclass(frozen=True)
class ReportReceived:
    case_id: UUID
    report_id: UUID
    opened: bool
    previous_case_id: UUID | None = None


@dataclass(frozen=True)
class IncidentReceived:
    case_id: UUID
    report_id: UUID
    incident_id: UUID
    opened: bool
    checklist: list[str] = field(default_factory=list)


class CaseDesk(PersonalRecords):
    """The student's school id and name and every description are sealed under the
    student's data key before they go into an event."""

    def __init__(self, env: dict[str, str], pseudonym_key: bytes,
                 policy: IntakePolicy | None = None, *, personal: PersonalData) -> None:
        super().__init__(env, personal)
        self._pseudonyms = Pseudonyms(pseudonym_key)
        self.policy = policy or IntakePolicy()

    def student_key(self, student_ref: str) -> str:
        return self._pseudonyms.student_key(student_ref)

    def _student(self, key: str, meta: EventMeta) -> Student:
        return self.find_case(Student.id_for(key), Student) or Student.register(key, meta)

    def take_concern(self, *, student_ref: str, student_name: str | None, concern: Concern,
                     meta: EventMeta) -> tuple[ReportReceived, list[Aggregate]]:
        """The case the concern opens or joins, and what changed, not yet recorded."""
        key = self.student_key(student_ref)
        student = self._student(key, meta)
        concern = replace(
            concern, key_concerns=list(student.key_concerns),
            level=starting_level(self.policy.chain, concern.channel, meta.actor_role),
            description=self.personal.seal(key, concern.description))
        if student.open_case_id is not None:
            case = self.get_case(student.open_case_id, Case)
            case.attach(concern, meta)
            return ReportReceived(case.id, concern.report_id, opened=False), [case]
        previous = student.last_case_id
        case = Case.detect(uuid4(), student_key=key,
                           student_ref=self.personal.seal(key, student_ref),
                           student_name=self.seal(key, student_name), concern=concern, meta=meta,
                           previous_case_id=previous)
        student.open_case(case.id, meta)
        return (ReportReceived(case.id, concern.report_id, opened=True,
                               previous_case_id=previous), [case, student])

    def report_concern(self, *, student_ref: str, student_name: str | None,
                       concern: Concern, meta: EventMeta) -> ReportReceived:
        """Open a case for the student, or attach the concern to their open case."""
        received, changed = self.take_concern(student_ref=student_ref,
                                              student_name=student_name, concern=concern,
                                              meta=meta)
        self.record(*changed)
        return received

    # The report chain.

    def forward_report(self, case_id: UUID, report_id: UUID, to_level: ReportLevel,
                       meta: EventMeta) -> Case:
        case = self.get_case(case_id, Case)
        case.forward(report_id, to_level, self.policy.chain, meta)
        self.record(case)
        return case

    def acknowledge_report(self, case_id: UUID, report_id: UUID, level: ReportLevel,
                           meta: EventMeta) -> Case:
        case = self.get_case(case_id, Case)
        case.acknowledge(report_id, level, meta)
        self.record(case)
        return case

    # Key concerns (重点关注) and the growth file.

    def record_key_concerns(self, student_ref: str, key_concerns: list[KeyConcern],
                            meta: EventMeta) -> list[str]:
        """The student's flags as they now are; an open case shows the change (published for
        assessment). Nothing is recorded when nothing changes: no flags for a student intake
        does not know leaves no trace of that student."""
        key = self.student_key(student_ref)
        student = self.find_case(Student.id_for(key), Student)
        if student is None:
            if not key_concerns:
                return []
            student = Student.register(key, meta)
        if not student.record_key_concerns(key_concerns, meta):
            return list(student.key_concerns)
        case = None
        if student.open_case_id is not None:
            case = self.get_case(student.open_case_id, Case)
            case.note_key_concerns(student.key_concerns, meta)
        self.record(student, case)
        return list(student.key_concerns)

    def student_file(self, student_ref: str, *, purpose: str,
                     reader: EventMeta) -> dict[str, Any]:
        """The growth file (一生一策): flags and every case; the read is logged on the
        student and on each case."""
        student = self.find_case(Student.id_for(self.student_key(student_ref)), Student)
        if student is None:
            raise CaseNotFound("intake has no record of that student")
        records: list[Case | TransferredRecord] = [self._record_of(i) for i in student.case_ids]
        student.record_file_read(purpose, reader)
        self.record(student, *(CaseRead(record.id, purpose, reader, GROWTH_FILE)
                               for record in records))
        return {"school_student_id": student_ref,
                "key_concerns": student.key_concerns,
                "open_case_id": student.open_case_id,
                "cases": [summary(record) for record in records]}

    def case_standing(self, case_id: UUID) -> Standing | None:
        """Intake records who stands to a case on the case itself."""
        case = self.find_case(case_id, Case)
        return case.standing() if case else None

    def _record_of(self, record_id: UUID) -> Case | TransferredRecord:
        found = self.find_case(record_id, Case)
        return found if found is not None else self.get_case(record_id, TransferredRecord)

    def read_record(self, case_id: UUID, *, purpose: str,
                    reader: EventMeta) -> Case | TransferredRecord:
        """A case, or a record received from the student's previous school; read logged."""
        record = self._record_of(case_id)
        self.record(CaseRead(case_id, purpose, reader))
        return record

    # Incidents (突发事件).

    def report_incident(self, *, student_ref: str, student_name: str | None,
                        kind: IncidentKind, description: str,
                        meta: EventMeta) -> IncidentReceived:
        """The incident opens or joins the case as an imminent concern, and starts the
        emergency plan's checklist on it."""
        concern = Concern(uuid4(), Channel.INCIDENT, INCIDENT_SIGNS.get(kind, []),
                          imminent=True, description=description)
        received, changed = self.take_concern(student_ref=student_ref,
                                              student_name=student_name, concern=concern,
                                              meta=meta)
        case = changed[0]
        assert isinstance(case, Case)
        incident_id = uuid4()
        checklist = list(self.policy.checklist)
        case.report_incident(incident_id, kind, checklist, meta)
        self.record(*changed)
        return IncidentReceived(received.case_id, received.report_id, incident_id,
                                received.opened, checklist)

    def complete_checklist_item(self, case_id: UUID, incident_id: UUID, item: str,
                                meta: EventMeta) -> Case:
        case = self.get_case(case_id, Case)
        case.complete_checklist_item(incident_id, item, meta)
        self.record(case)
        return case

    # Referral's closure and reopening.

    def on_case_closed(self, envelope: Envelope, _: object, tracking: Tracking) -> None:
        case = self.get_case(envelope.case_id, Case)
        meta = following(envelope, self.name)
        case.note_closed(meta)
        student = self.get_case(Student.id_for(case.student_key), Student)
        student.release(case.id, meta)
        self.record(case, student, tracking=tracking)

    def on_case_reopened(self, envelope: Envelope, data: CaseReopened,
                         tracking: Tracking) -> None:
        """The case is open again, and the student's open case, unless the student has
        another open case by now: then it stays closed here, linked, and the event says why."""
        case = self.get_case(envelope.case_id, Case)
        meta = following(envelope, self.name)
        student = self.get_case(Student.id_for(case.student_key), Student)
        case.note_reopened(data.reason.value, data.closed_event_id, meta,
                           other_open_case=student.open_case_id)
        if not case.closed:
            student.resume(case.id, meta)
        self.record(case, student, tracking=tracking)


def summary(record: Case | TransferredRecord) -> dict[str, Any]:
    """One line of the growth file."""
    if isinstance(record, TransferredRecord):
        return {"case_id": record.id, "kind": "transferred_record",
                "from_school": record.from_school, "from_case_id": record.from_case_id,
                "opened_at": record.received_at}
    return {"case_id": record.id, "kind": "case", "opened_at": record.reports[0]["observed_at"],
            "closed": record.closed, "previous_case_id": record.previous_case_id,
            "channels": sorted({r["channel"] for r in record.reports}),
            "reports": len(record.reports), "key_concerns": record.key_concerns,
            "incidents": len(record.incidents)}

"""A student moving school stage (003 item 9): the history the receiving school is entitled
to, sent with the guardian's and the student's consent, and the record it opens at the
receiving school."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import SchoolStage
from services.intake.domain.case import Case

# What a receiving school is entitled to: enough to carry on the care, nothing more. Never
# counselling notes, screening answers, nor anyone's free-text description.
ENTITLED = ("case_summary", "key_concerns", "report_history", "incidents")


def entitled_packet(case: Case) -> dict[str, Any]:
    """The case history cut down to the entitled categories."""
    return {
        "case_summary": {
            "case_id": case.id, "student_name": case.student_name,
            "opened_at": case.reports[0]["observed_at"], "closed": case.closed,
            "reopenings": [{"reason": r["reason"], "at": r["at"]} for r in case.reopenings]},
        "key_concerns": list(case.key_concerns),
        "report_history": [
            {"observed_at": r["observed_at"], "channel": r["channel"],
             "reporter_role": r["reporter_role"], "signs": list(r["signs"]),
             "imminent": r["imminent"], "levels": [s["level"] for s in r["path"]
                                                   if s["step"] != "acknowledged"]}
            for r in case.reports],
        "incidents": [{"kind": i["kind"], "occurred_at": i["occurred_at"]}
                      for i in case.incidents.values()],
    }


# A record follows the student up the stages, never back down nor sideways (003 item 9).
STAGES = tuple(SchoolStage)


def is_later_stage(to_stage: SchoolStage, than: SchoolStage) -> bool:
    return STAGES.index(to_stage) > STAGES.index(than)


class ConsentToTransfer(Aggregate):
    """The consent to send the history on, recorded on its own before the disclosure: both
    the guardian and the student agreed (a student old enough to move stage has a say)."""

    class Given(Aggregate.Created):
        case_id: UUID
        to_school: str
        guardian_rank: int
        guardian_given_at: datetime
        student_consented: bool
        meta: EventMeta

    @event(Given)
    def __init__(self, case_id: UUID, to_school: str, guardian_rank: int,
                 guardian_given_at: datetime, student_consented: bool,
                 meta: EventMeta) -> None:
        self.case_id = case_id
        self.to_school = to_school
        self.guardian_rank = guardian_rank
        self.guardian_given_at = guardian_given_at
        self.student_consented = student_consented

    @classmethod
    def give(cls, consent_id: UUID, *, case_id: UUID, to_school: str, guardian_rank: int,
             guardian_given_at: datetime, student_consented: bool,
             meta: EventMeta) -> ConsentToTransfer:
        if not student_consented:
            raise CaseRuleViolated("the case history goes to another school only with the "
                                   "student's consent as well as the guardian's")
        return cls._create(cls.Given, id=consent_id, case_id=case_id, to_school=to_school,
                           guardian_rank=guardian_rank, guardian_given_at=guardian_given_at,
                           student_consented=student_consented, meta=meta)


class Transfer(Aggregate):
    """One disclosure to a receiving school, by its id; received at most once."""

    class Disclosed(Aggregate.Created):
        case_id: UUID
        from_school: str
        to_school: str
        to_stage: str
        guardian_rank: int
        consent_given_at: datetime
        consent_id: UUID
        packet: dict[str, Any]
        meta: EventMeta

    @event(Disclosed)
    def __init__(self, case_id: UUID, from_school: str, to_school: str, to_stage: str,
                 guardian_rank: int, consent_given_at: datetime, consent_id: UUID,
                 packet: dict[str, Any], meta: EventMeta) -> None:
        self.case_id = case_id
        self.from_school = from_school
        self.to_school = to_school
        self.to_stage = to_stage
        self.consent_id = consent_id
        self.consent = {"consent_id": consent_id, "guardian_rank": guardian_rank,
                        "given_at": consent_given_at}
        self.packet = packet
        self.disclosed_at = meta.occurred_at
        self.record_id: UUID | None = None

    @classmethod
    def disclose(cls, transfer_id: UUID, *, case: Case, from_school: str, to_school: str,
                 to_stage: str, guardian_rank: int, consent_given_at: datetime,
                 consent_id: UUID, meta: EventMeta) -> Transfer:
        return cls._create(cls.Disclosed, id=transfer_id, case_id=case.id,
                           from_school=from_school, to_school=to_school, to_stage=to_stage,
                           guardian_rank=guardian_rank, consent_given_at=consent_given_at,
                           consent_id=consent_id, packet=entitled_packet(case), meta=meta)

    class Received(Aggregate.Event):
        record_id: UUID
        meta: EventMeta

    @event(Received)
    def _received(self, record_id: UUID, meta: EventMeta) -> None:
        self.record_id = record_id

    def receive(self, record_id: UUID, school_code: str, meta: EventMeta) -> None:
        """Taken in by the school it was sent to, which names itself, and only once."""
        if school_code != self.to_school:
            raise CaseRuleViolated(f"the transfer was sent to another school, not to "
                                   f"{school_code}")
        if self.record_id is not None:
            raise CaseRuleViolated(f"the transfer was received already (record {self.record_id})")
        self._received(record_id, meta)


class TransferredRecord(ReadLogged):
    """The student's record at the receiving school, opened by the history it received and
    linked to the case it came from. Later concerns open new cases that link back to it."""

    class Received(Aggregate.Created):
        transfer_id: UUID
        from_school: str
        from_case_id: UUID
        student_key: str
        student_ref: str
        packet: dict[str, Any]
        meta: EventMeta

    @event(Received)
    def __init__(self, transfer_id: UUID, from_school: str, from_case_id: UUID,
                 student_key: str, student_ref: str, packet: dict[str, Any],
                 meta: EventMeta) -> None:
        self.transfer_id = transfer_id
        self.from_school = from_school
        self.from_case_id = from_case_id
        self.student_key = student_key
        self.student_ref = student_ref
        self.packet = packet
        self.received_at = meta.occurred_at

    @classmethod
    def open(cls, record_id: UUID, transfer: Transfer, *, student_key: str, student_ref: str,
             meta: EventMeta, packet: dict[str, Any] | None = None) -> TransferredRecord:
        """`packet`: the transfer's, as this record keeps it (sealed for the student here)."""
        return cls._create(cls.Received, id=record_id, transfer_id=transfer.id,
                           from_school=transfer.from_school, from_case_id=transfer.case_id,
                           student_key=student_key, student_ref=student_ref,
                           packet=transfer.packet if packet is None else packet, meta=meta)

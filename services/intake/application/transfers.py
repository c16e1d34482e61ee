"""A student moving school stage: the entitled history, sent with consent, received once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from casetrail.kernel import CaseRuleViolated, EventMeta
from casetrail.personal.sealing import resealed
from contracts.codes import GuardianRank, SchoolStage
from services.intake.application.cases import CaseDesk
from services.intake.domain.case import Case
from services.intake.domain.transfer import (
    ENTITLED,
    ConsentToTransfer,
    Transfer,
    TransferredRecord,
)

# What of a case a transfer's packet shows: the history the receiving school is entitled to.
TRANSFER_PACKET = "transfer_packet"


@dataclass(frozen=True)
class TransferConsent:
    guardian_rank: GuardianRank
    guardian_given_at: datetime
    student_consented: bool


class TransferDesk(CaseDesk):
    def disclose_transfer(self, case_id: UUID, *, to_school: str, to_stage: SchoolStage,
                          consent: TransferConsent | None, meta: EventMeta) -> Transfer:
        """The entitled history goes to another school (of a later stage: the API checks
        `to_stage` against this school's), with the guardian's and the student's consent,
        recorded first on its own."""
        if consent is None:
            raise CaseRuleViolated("the case history goes to another school only with the "
                                   "guardian's and the student's consent")
        if to_school == self.policy.school_code:
            raise CaseRuleViolated("the receiving school is this school")
        case = self.get_case(case_id, Case)
        given = ConsentToTransfer.give(
            uuid4(), case_id=case.id, to_school=to_school,
            guardian_rank=int(consent.guardian_rank),
            guardian_given_at=consent.guardian_given_at,
            student_consented=consent.student_consented, meta=meta)
        transfer = Transfer.disclose(
            uuid4(), case=case, from_school=self.policy.school_code, to_school=to_school,
            to_stage=to_stage.value, guardian_rank=given.guardian_rank,
            consent_given_at=given.guardian_given_at, consent_id=given.id, meta=meta)
        case.disclose_transfer(transfer.id, to_school=to_school, to_stage=to_stage.value,
                               categories=list(ENTITLED),
                               consent_id=transfer.consent_id, meta=meta)
        self.record(given, case, transfer)
        return transfer

    def receive_transfer(self, transfer_id: UUID, *, student_ref: str, school_code: str,
                         meta: EventMeta) -> TransferredRecord:
        """The receiving school, naming itself, takes the history in under its own student
        id."""
        transfer = self.get_case(transfer_id, Transfer)
        record_id = uuid4()
        transfer.receive(record_id, school_code, meta)
        key = self.student_key(student_ref)
        sent_for = self.get_case(transfer.case_id, Case).student_key
        record = TransferredRecord.open(
            record_id, transfer, student_key=key,
            student_ref=self.personal.seal(key, student_ref), meta=meta,
            packet=resealed(self.personal, sent_for, key, transfer.packet))
        student = self._student(key, meta)
        student.receive_record(record.id, meta)
        self.record(transfer, record, student)
        return record

    def transfer_packet(self, transfer_id: UUID, *, purpose: str,
                        reader: EventMeta) -> dict[str, Any]:
        """What was sent; the read is logged on the case it came from."""
        transfer = self.get_case(transfer_id, Transfer)
        case = self.read_case(transfer.case_id, Case, purpose=purpose, reader=reader,
                              what=TRANSFER_PACKET)
        packet: dict[str, Any] = self.opened(case.student_key, {
            "transfer_id": transfer.id, "from_school": transfer.from_school,
            "from_case_id": transfer.case_id, "to_school": transfer.to_school,
            "to_stage": transfer.to_stage, "consent": transfer.consent,
            "disclosed_at": transfer.disclosed_at, "received_record_id": transfer.record_id,
            "categories": list(ENTITLED), "history": transfer.packet})
        return packet

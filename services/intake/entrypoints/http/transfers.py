"""Transfers between school stages (003 item 9): sending with consent, receiving once."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from casetrail.http import DEFAULT_PURPOSE, Command, CommandRoute, PastMoment, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import GuardianRank, SchoolStage
from services.intake.application import IntakeApplication, TransferConsent
from services.intake.domain.transfer import is_later_stage
from services.intake.entrypoints.http.access import ACCESS
from services.intake.entrypoints.http.common import (
    SchoolStudentId,
    invalid,
)


class ConsentIn(BaseModel):
    """Both must agree: the guardian (when) and the student. `given_at` is the guardian's
    time under its earlier name."""

    model_config = ConfigDict(extra="forbid")

    guardian_rank: GuardianRank
    guardian_given_at: PastMoment = Field(
        validation_alias=AliasChoices("guardian_given_at", "given_at"))
    student_consented: bool


class TransferIn(Command):
    to_school: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    to_stage: SchoolStage
    consent: ConsentIn | None = None


class ReceiptIn(Command):
    """The receiving school names itself (the `to_school` it was sent to) and the student's
    id there; the transfer is named by its id in the path."""

    school_student_id: str = SchoolStudentId
    school_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/cases/{case_id}/transfers", status_code=201)
    async def disclose(case_id: UUID, body: TransferIn,
                       actor: Annotated[Principal, ACCESS.depends("transfer_record")]
                       ) -> dict[str, Any]:
        """The entitled history goes to the receiving school of a later stage (422 on
        `to_stage` otherwise); 409 without the guardian's and the student's consent."""
        if not is_later_stage(body.to_stage, app.policy.school_stage):
            raise invalid(("body", "to_stage"),
                          f"this is a {app.policy.school_stage.value} school: the record goes "
                          "to a later stage only")
        consent = (TransferConsent(body.consent.guardian_rank, body.consent.guardian_given_at,
                                   body.consent.student_consented)
                   if body.consent else None)
        transfer = await runtime.thread.run(app.disclose_transfer, case_id,
                                            to_school=body.to_school, to_stage=body.to_stage,
                                            consent=consent, meta=body.meta(actor))
        return {"transfer_id": transfer.id, "consent_id": transfer.consent_id,
                "to_school": transfer.to_school, "to_stage": transfer.to_stage}

    @api.post("/transfers/{transfer_id}/receipt", status_code=201)
    async def receive(transfer_id: UUID, body: ReceiptIn,
                      actor: Annotated[Principal, ACCESS.depends("receive_transfer")]
                      ) -> dict[str, Any]:
        """The receiving school's staff take it in under the student's new school id; 409 if
        `school_code` is not the school it was sent to."""
        record = await runtime.thread.run(app.receive_transfer, transfer_id,
                                          student_ref=body.school_student_id,
                                          school_code=body.school_code, meta=body.meta(actor))
        return {"case_id": record.id, "transfer_id": transfer_id,
                "from_case_id": record.from_case_id, "from_school": record.from_school}

    @api.get("/transfers/{transfer_id}")
    async def packet(transfer_id: UUID,
                     reader: Annotated[Principal, ACCESS.depends("read_transfer")],
                     purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        return await runtime.thread.run(app.transfer_packet, transfer_id,
                                        purpose=purpose, reader=reader.meta())

    return api

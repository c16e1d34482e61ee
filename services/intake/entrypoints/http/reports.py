"""Report a concern; the report's way up the chain; read a case (logged)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from casetrail.http import DEFAULT_PURPOSE, Command, CommandRoute, PastMoment, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import Channel, ReportLevel, Sign
from services.intake.application import IntakeApplication
from services.intake.domain.case import Case, Concern
from services.intake.domain.report_chain import reporter_problem
from services.intake.domain.transfer import TransferredRecord
from services.intake.entrypoints.http.access import ACCESS
from services.intake.entrypoints.http.common import StudentIn, invalid, receipt_for


class ConcernIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student: StudentIn
    channel: Channel
    signs: list[Sign] = Field(default_factory=list, max_length=len(Sign))
    imminent: bool = False
    description: str = Field("", max_length=4000)
    observed_at: PastMoment | None = None


class ForwardIn(Command):
    to_level: ReportLevel


class AcknowledgeIn(Command):
    level: ReportLevel


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/reports", status_code=201)
    async def report_concern(body: ConcernIn,
                             reporter: Annotated[Principal, ACCESS.depends("report")]
                             ) -> dict[str, Any]:
        """A case reader gets the case it opened or joined; anyone else {report_id,
        received: true}. Its reporter follows the report by GET /reports/{report_id}."""
        problem = reporter_problem(body.channel, reporter.role)
        if problem is not None:
            fault, reason = problem
            if fault == "channel":
                raise invalid(("body", "channel"), reason)
            raise HTTPException(403, reason)
        concern = Concern(report_id=uuid4(), channel=body.channel, signs=body.signs,
                          imminent=body.imminent, description=body.description)
        meta = reporter.meta(occurred_at=body.observed_at)
        received = await runtime.thread.run(
            app.report_concern, student_ref=body.student.school_student_id,
            student_name=body.student.name, concern=concern, meta=meta)
        return receipt_for(reporter, {
            "case_id": received.case_id, "report_id": received.report_id,
            "opened": received.opened, "previous_case_id": received.previous_case_id})

    @api.post("/cases/{case_id}/reports/{report_id}/forwards", status_code=201)
    async def forward(case_id: UUID, report_id: UUID, body: ForwardIn,
                      actor: Annotated[Principal, ACCESS.depends("forward_report")]
                      ) -> dict[str, Any]:
        """One level up the chain (class → grade → school); 409 for any other level."""
        case = await runtime.thread.run(app.forward_report, case_id, report_id, body.to_level,
                                        body.meta(actor))
        return _report_out(case.report(report_id))

    @api.post("/cases/{case_id}/reports/{report_id}/acknowledgements", status_code=201)
    async def acknowledge(case_id: UUID, report_id: UUID, body: AcknowledgeIn,
                          actor: Annotated[Principal, ACCESS.depends("acknowledge_report")]
                          ) -> dict[str, Any]:
        """The level the report has reached took it in; once per level."""
        case = await runtime.thread.run(app.acknowledge_report, case_id, report_id,
                                        body.level, body.meta(actor))
        return _report_out(case.report(report_id))

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Annotated[Principal, ACCESS.depends("read_case")],
                        purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        """The full record, names and descriptions included; the read is logged first."""
        record = await runtime.thread.run(app.read_record, case_id, purpose=purpose,
                                          reader=reader.meta())
        if isinstance(record, TransferredRecord):
            shown = {"case_id": record.id, "kind": "transferred_record",
                     "student_ref": record.student_ref, "transfer_id": record.transfer_id,
                     "from_school": record.from_school, "from_case_id": record.from_case_id,
                     "received_at": record.received_at, "history": record.packet}
        else:
            shown = case_record(record)
        opened: dict[str, Any] = await runtime.thread.run(app.opened, record.student_key, shown)
        return opened

    return api


def _report_out(report: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": report["report_id"], "level": report["level"],
            "path": report["path"]}


def case_record(case: Case) -> dict[str, Any]:
    return {"case_id": case.id, "kind": "case", "student_ref": case.student_ref,
            "student_name": case.student_name, "closed": case.closed,
            "key_concerns": case.key_concerns, "previous_case_id": case.previous_case_id,
            "reports": case.reports, "incidents": list(case.incidents.values()),
            "transfers": case.transfers, "reopenings": case.reopenings,
            "assignees": list(case.assignees.values()), "break_glass": case.break_glass}

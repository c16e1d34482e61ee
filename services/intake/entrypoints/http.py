"""Intake's HTTP API: report a concern, read a case (logged)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from casetrail.http import PastMoment, Reader, service_api
from casetrail.kernel import EventMeta
from casetrail.service import ServiceRuntime
from contracts.codes import Channel, Sign
from contracts.envelope import Actor
from services.intake.application import IntakeApplication
from services.intake.domain.case import Case, Concern


class StudentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_student_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str | None = Field(None, max_length=64)


class ConcernIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student: StudentIn
    reporter: Actor
    channel: Channel
    signs: list[Sign] = Field(default_factory=list, max_length=len(Sign))
    imminent: bool = False
    description: str = Field("", max_length=4000)
    observed_at: PastMoment | None = None


class ReportReceivedOut(BaseModel):
    case_id: UUID
    report_id: UUID
    opened: bool


def build_api(runtime: ServiceRuntime, app: IntakeApplication) -> FastAPI:
    api = service_api(runtime)

    @api.post("/reports", status_code=201)
    async def report_concern(body: ConcernIn) -> ReportReceivedOut:
        concern = Concern(report_id=uuid4(), channel=body.channel, signs=body.signs,
                          imminent=body.imminent, description=body.description)
        meta = EventMeta.by(body.reporter.role, body.reporter.id, occurred_at=body.observed_at)
        received = await runtime.thread.run(
            app.report_concern, student_ref=body.student.school_student_id,
            student_name=body.student.name, concern=concern, meta=meta)
        return ReportReceivedOut(case_id=received.case_id, report_id=received.report_id,
                                 opened=received.opened)

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        """The full record, names and descriptions included; the read is logged first."""
        case = await runtime.thread.run(app.read_case, case_id, Case, purpose=reader.purpose,
                                        reader=reader.meta)
        return {"case_id": case.id, "student_ref": case.student_ref,
                "student_name": case.student_name, "closed": case.closed,
                "reports": case.reports}

    return api


__all__ = ["build_api"]

"""Incidents (突发事件, 000 item 10): the case at crisis, the emergency plan's checklist."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from casetrail.http import Command, CommandRoute, PastMoment
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import IncidentKind
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http.access import ACCESS
from services.intake.entrypoints.http.common import StudentIn, receipt_for


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student: StudentIn
    kind: IncidentKind
    description: str = Field("", max_length=4000)
    occurred_at: PastMoment | None = None


class ChecklistItemIn(Command):
    item: str = Field(pattern=r"^[a-z_]+$", max_length=40)


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/incidents", status_code=201)
    async def report_incident(body: IncidentIn,
                              reporter: Annotated[Principal, ACCESS.depends("report_incident")]
                              ) -> dict[str, Any]:
        """Opens or joins the student's case as an imminent concern (the crisis path starts
        at once); guardians and the education commission are notified from it. A case reader
        gets the case and the checklist; anyone else {report_id, received: true}."""
        meta = reporter.meta(occurred_at=body.occurred_at)
        received = await runtime.thread.run(
            app.report_incident, student_ref=body.student.school_student_id,
            student_name=body.student.name, kind=body.kind, description=body.description,
            meta=meta)
        return receipt_for(reporter, {
            "case_id": received.case_id, "report_id": received.report_id,
            "incident_id": received.incident_id, "opened": received.opened,
            "checklist": received.checklist})

    @api.post("/cases/{case_id}/incidents/{incident_id}/checklist", status_code=201)
    async def checklist_item_done(case_id: UUID, incident_id: UUID,
                                  body: ChecklistItemIn, actor: Annotated[
                                      Principal, ACCESS.depends("complete_checklist_item")]
                                  ) -> dict[str, Any]:
        case = await runtime.thread.run(app.complete_checklist_item, case_id, incident_id,
                                        body.item, body.meta(actor))
        return {"case_id": case.id, "incident": case.incidents[incident_id]}

    return api

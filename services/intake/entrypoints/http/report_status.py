"""A report's status, for the one who made it: received, forwarded, acknowledged."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter

from casetrail.http import DEFAULT_PURPOSE, CommandRoute, Purpose
from casetrail.identity.access import Relation
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from services.intake.application.reports import ReportOwner
from services.intake.entrypoints.http.access import ACCESS

READ_OWN_REPORT = ACCESS["read_own_report"]


def own_report(owner: ReportOwner, reader: Principal,
               held: frozenset[Relation]) -> frozenset[Relation]:
    """How the reader stands to this report: "reporter" is its own reporter only, not
    whoever reported something else to the same case."""
    own = {Relation.REPORTER} if reader.subject == owner.reporter_id else set()
    return (held - {Relation.REPORTER}) | own


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.get("/reports/{report_id}")
    async def report_status(report_id: UUID,
                            reader: Annotated[Principal, ACCESS.depends("read_own_report")],
                            purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        """Where the report stands (received, forwarded to a level, acknowledged), as codes
        and times: never the student, other reports nor the case. A case reader also gets
        the case's id. The read is logged on the case."""
        owner = await runtime.thread.run(app.report_owner, report_id)
        await READ_OWN_REPORT.check_case(
            runtime, owner.case_id, reader, seen_as=lambda held: own_report(owner, reader, held),
            why=": only a report they made, or one to a case of their school")
        status = await runtime.thread.run(app.report_status, owner, report_id,
                                          purpose=purpose, reader=reader.meta())
        if reader.role in ACCESS["read_case"].roles:
            status["case_id"] = owner.case_id
        return status

    return api

"""Intake's HTTP API, one router per job; every read of a record is logged."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from casetrail.case_state_http import state_router
from casetrail.http import service_api
from casetrail.ledger.http import ledger_router
from casetrail.personal.http import erasure_router
from casetrail.service import ServiceRuntime
from contracts.case_state import IntakePart
from services.intake.application import IntakeApplication
from services.intake.domain.report_chain import RoleNotPermitted
from services.intake.entrypoints.http import (
    case_list,
    figures,
    incidents,
    report_status,
    reports,
    retention,
    screenings,
    students,
    transfers,
)
from services.intake.entrypoints.http import team as team
from services.intake.entrypoints.http.access import ACCESS


def build_api(runtime: ServiceRuntime, app: IntakeApplication) -> FastAPI:
    api = service_api(runtime, ACCESS)
    for module in (reports, report_status, students, incidents, screenings, transfers,
                   team, figures, retention, case_list):
        api.include_router(module.router(runtime, app))
    api.include_router(erasure_router(runtime, app, ACCESS))
    api.include_router(ledger_router(runtime, ACCESS))
    api.include_router(state_router(runtime, ACCESS, app.state_at, IntakePart))

    @api.exception_handler(RoleNotPermitted)
    async def _forbidden(_: Request, error: RoleNotPermitted) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": str(error)})

    return api


__all__ = ["build_api"]

"""Supervision's HTTP API: the auditor's replay of a case as it stood at a time, the
supervisors' figures, and the team's worklist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import FastAPI, HTTPException, Security
from fastapi.security import HTTPAuthorizationCredentials

from casetrail.http import DEFAULT_PURPOSE, AsOf, Purpose, service_api
from casetrail.identity.access import BEARER, AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.case_state import CaseTrailView
from services.supervision.application import StillReplaying, Supervision, SupervisorFigures
from services.supervision.entrypoints import reports as report_routes
from services.supervision.entrypoints.figures import figures_route
from services.supervision.entrypoints.worklist import Pace, worklist_routes
from services.supervision.incident_reports import IncidentReports
from services.supervision.worklists import Worklists

ACCESS = AccessMatrix.load(Path(__file__).parents[1] / "access.toml")


def build_api(runtime: ServiceRuntime, supervision: Supervision,
              figures: SupervisorFigures, reports: IncidentReports, worklists: Worklists,
              pace: Pace) -> FastAPI:
    api = service_api(runtime, ACCESS)
    figures_route(api, ACCESS, figures)
    report_routes.routes(api, ACCESS, reports)
    assert runtime.relations is not None, "the runtime always has a relation book"
    worklist_routes(api, ACCESS, worklists, runtime.relations, pace)

    @api.get("/cases/{case_id}/trail", responses={503: {
        "description": "supervision is still reading CASES from its start; retry"}})
    async def case_trail(case_id: UUID,
                         reader: Annotated[Principal, ACCESS.depends("read_trail")],
                         credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                Security(BEARER)],
                         as_of: AsOf = None,
                         purpose: Purpose = DEFAULT_PURPOSE) -> CaseTrailView:
        """The case as CASES had it at `as_of`, its events up to then, and beside it each
        service's own part from its store (asked with your token, so each logs your read),
        with the fields where they differ."""
        assert credentials is not None, "the gate lets no one in without a token"
        try:
            return await supervision.case_trail(
                case_id, as_of or datetime.now(UTC), purpose=purpose, reader=reader.meta(),
                credentials=credentials.credentials)
        except StillReplaying as replaying:
            raise HTTPException(503, str(replaying), headers={"Retry-After": "1"}) from None

    return api

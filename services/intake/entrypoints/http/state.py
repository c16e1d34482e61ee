"""Intake's part of a case as it stood at a time, for the auditor's replay (logged)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter

from casetrail.http import DEFAULT_PURPOSE, AsOf, CommandRoute, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.case_state import IntakePart
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http.access import ACCESS


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.get("/cases/{case_id}/state")
    async def case_state(case_id: UUID,
                         reader: Annotated[Principal, ACCESS.depends("read_state")],
                         as_of: AsOf = None,
                         purpose: Purpose = DEFAULT_PURPOSE) -> IntakePart:
        """Intake's part of the case as its own store had it at `as_of` (the events it
        had stored by then), for the auditor to lay beside CASES; the read is logged."""
        return await runtime.thread.run(app.state_at, case_id, as_of or datetime.now(UTC),
                                        purpose=purpose, reader=reader.meta())

    return api

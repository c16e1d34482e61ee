"""Who works a case: the crisis-team head assigns staff; anyone else opens it only under
break-glass, with a reason, for a short time (the auditor sees it, the team sees it on
the case)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from casetrail.http import Command, CommandRoute
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import BreakGlassReason, Role
from services.intake.application import IntakeApplication
from services.intake.domain.need_to_know import LONGEST_BREAK_GLASS
from services.intake.entrypoints.http.access import ACCESS


class AssignmentIn(Command):
    assignee_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    assignee_role: Role = Role.PSYCH_TEACHER


class BreakGlassIn(BaseModel):
    """Opened now, by the server's clock: a break-glass is never back- or forward-dated, so it
    lasts no longer than it says and the trail shows when it was opened."""

    model_config = ConfigDict(extra="forbid")

    reason: BreakGlassReason
    minutes: int = Field(30, ge=1, le=LONGEST_BREAK_GLASS.seconds // 60)


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/cases/{case_id}/assignments", status_code=201)
    async def assign(case_id: UUID, body: AssignmentIn,
                     actor: Annotated[Principal, ACCESS.depends("assign")]) -> dict[str, Any]:
        """The assignee may then see and work the case; 409 if assigned already."""
        await runtime.thread.run(app.assign, case_id, body.assignee_id, body.assignee_role,
                                 body.meta(actor))
        return {"case_id": case_id, "assignee_id": body.assignee_id}

    @api.post("/cases/{case_id}/break-glass", status_code=201)
    async def break_glass(case_id: UUID, body: BreakGlassIn,
                          actor: Annotated[Principal, ACCESS.depends("open_break_glass")]
                          ) -> dict[str, Any]:
        """Opens the case to the caller until `until`; the opening is an event of the case."""
        until = await runtime.thread.run(app.open_break_glass, case_id, body.reason,
                                         timedelta(minutes=body.minutes), actor.meta())
        return {"case_id": case_id, "until": until}

    return api

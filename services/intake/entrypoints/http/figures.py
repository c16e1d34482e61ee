"""The school's figures for the district: counts only, small ones suppressed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from casetrail.http import CommandRoute
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http.access import ACCESS


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.get("/figures")
    async def figures(_: Annotated[Principal, ACCESS.depends("read_figures")]
                      ) -> dict[str, Any]:
        """How many cases the school has, by the month they opened, the channel of their
        first report, the level it reached and whether they are open: no ids, no names,
        every count from 1 to 4 shown as "<5", and then the smallest other count of its table
        "withheld", so that the total does not give the small ones away."""
        return await runtime.thread.run(app.figures)

    return api

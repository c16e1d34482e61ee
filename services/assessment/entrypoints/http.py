"""Assessment's HTTP API: the crisis team's decision, and the assessment as it stands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import Field

from casetrail.http import Command, Reader, service_api
from casetrail.service import ServiceRuntime
from contracts.codes import Tier
from contracts.envelope import Actor
from services.assessment.application import AssessmentApplication
from services.assessment.domain.assessment import Assessment


class DecisionIn(Command):
    """`actor` is who decided; `participants` who took part (within or beyond the school)."""

    tier: Tier
    rationale: str = Field(min_length=1, max_length=4000)
    participants: list[Actor] = Field(min_length=1, max_length=20)


def _view(assessment: Assessment) -> dict[str, Any]:
    return {"case_id": assessment.id, "proposed_tier": assessment.proposed_tier,
            "tier": assessment.tier, "crisis_path_started": assessment.crisis_path_started,
            "signs": sorted(assessment.signs), "decisions": assessment.decisions}


def build_api(runtime: ServiceRuntime, app: AssessmentApplication) -> FastAPI:
    api = service_api(runtime)

    @api.post("/cases/{case_id}/decision", status_code=201)
    async def decide(case_id: UUID, body: DecisionIn) -> dict[str, Any]:
        assessment = await runtime.thread.run(
            app.decide, case_id, body.tier, rationale=body.rationale,
            participants=[p.model_dump() for p in body.participants], meta=body.meta())
        return {"case_id": assessment.id, "tier": assessment.tier}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        assessment = await runtime.thread.run(app.read_case, case_id, Assessment,
                                              purpose=reader.purpose, reader=reader.meta)
        return _view(assessment)

    return api

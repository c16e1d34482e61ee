"""Assessment's HTTP API: the crisis team's decision, and the assessment as it stands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from casetrail.http import Reader, health_route, install_error_handlers
from casetrail.kernel import EventMeta
from casetrail.service import ServiceRuntime
from contracts.codes import Tier
from contracts.envelope import Actor
from services.assessment.application import AssessmentApplication
from services.assessment.domain.assessment import Assessment


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: Tier
    rationale: str = Field(min_length=1, max_length=4000)
    decided_by: Actor
    participants: list[Actor] = Field(min_length=1, max_length=20)
    decided_at: AwareDatetime | None = None


def _view(assessment: Assessment) -> dict[str, Any]:
    return {"case_id": assessment.id, "proposed_tier": assessment.proposed_tier,
            "tier": assessment.tier, "crisis_path_started": assessment.crisis_path_started,
            "signs": sorted(assessment.signs), "decisions": assessment.decisions}


def build_api(runtime: ServiceRuntime, app: AssessmentApplication) -> FastAPI:
    api = FastAPI(title="casetrail assessment", version="1", lifespan=runtime.lifespan())
    install_error_handlers(api)
    health_route(api)

    @api.post("/cases/{case_id}/decision", status_code=201)
    async def decide(case_id: UUID, body: DecisionIn) -> dict[str, Any]:
        meta = EventMeta.by(body.decided_by.role, body.decided_by.id,
                            occurred_at=body.decided_at)
        assessment = await runtime.thread.run(
            app.decide, case_id, body.tier, rationale=body.rationale,
            participants=[p.model_dump() for p in body.participants], meta=meta)
        return {"case_id": assessment.id, "tier": assessment.tier}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        assessment = await runtime.thread.run(app.read_case, case_id, Assessment,
                                              purpose=reader.purpose, reader=reader.meta)
        return _view(assessment)

    return api

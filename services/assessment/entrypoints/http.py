"""Assessment's HTTP API: instruments given, the crisis team's decision, and the assessment
as it stands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from casetrail.case_state_http import state_router
from casetrail.http import DEFAULT_PURPOSE, Command, Purpose, service_api
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.ledger.http import ledger_router
from casetrail.personal.http import erasure_router
from casetrail.service import ServiceRuntime
from contracts.case_state import AssessmentPart
from contracts.codes import Instrument, Role, Tier
from contracts.instruments import INSTRUMENTS, InvalidAnswers, Language
from services.assessment.application import AssessmentApplication
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision

ACCESS = AccessMatrix.load(Path(__file__).parents[1] / "access.toml")


class ParticipantIn(BaseModel):
    """Who took part: the school's own staff, or a professional from outside (a hospital,
    the district centre), named by role, opaque id and, if external, their organisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    affiliation: Literal["internal", "external"] = "internal"
    organisation: str | None = Field(default=None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _external_has_organisation(self) -> ParticipantIn:
        if self.affiliation == "external" and self.organisation is None:
            raise ValueError("an external participant needs their organisation")
        return self


class DecisionIn(Command):
    """The token's principal decided; `participants` took part (within or beyond the school).
    Deciding another tier than the proposed one needs `overrides_proposal: true`."""

    tier: Tier
    rationale: str = Field(min_length=1, max_length=4000)
    participants: list[ParticipantIn] = Field(min_length=1, max_length=20)
    overrides_proposal: bool = False

    @field_validator("rationale")
    @classmethod
    def _rationale_says_something(cls, rationale: str) -> str:
        if not rationale.strip():
            raise ValueError("a decision needs its rationale, not blanks")
        return rationale


# A raw answer as a form or sheet gives it: a spelling ("yes", "是") or a score.
ItemKey = Annotated[str, Field(min_length=1, max_length=40)]
RawAnswer = Annotated[str, Field(max_length=40)] | Annotated[int, Field(ge=0, le=100)] | None


class InstrumentIn(Command):
    """An instrument given during the assessment: the raw answers by item key."""

    instrument: Instrument
    answers: dict[ItemKey, RawAnswer] = Field(max_length=40)
    language: Language | None = None

    @model_validator(mode="after")
    def _language_of_the_instrument(self) -> InstrumentIn:
        if self.language and self.language not in INSTRUMENTS[self.instrument].languages:
            raise ValueError(f"{self.instrument.value} has no {self.language.value} version")
        return self


def _view(assessment: Assessment) -> dict[str, Any]:
    return {"case_id": assessment.id,
            "proposal": {"tier": assessment.proposed_tier, "reasons": assessment.reasons},
            "proposed_tier": assessment.proposed_tier,
            "tier": assessment.tier, "crisis_path_started": assessment.crisis_path_started,
            "signs": sorted(assessment.signs), "key_concerns": assessment.key_concerns,
            "screens": sorted(assessment.screens.values(), key=lambda s: s["instrument"]),
            "instruments": assessment.instruments, "decisions": assessment.decisions,
            "closed": assessment.closed}


def _form(instrument: Instrument, language: Language) -> dict[str, Any]:
    """An instrument's items in one language, for the form the assessor fills in."""
    definition = INSTRUMENTS[instrument]
    if language not in definition.languages:
        raise HTTPException(422, f"{instrument.value} has no {language.value} version")
    return {"instrument": instrument, "language": language, "name": definition.name[language],
            "items": [{"key": item.key, "answer": item.answer, "text": item.text[language],
                       "required": item.required and item.required_when_yes is None,
                       "asked_after_yes_to": item.required_when_yes}
                      for item in definition.items]}


def build_api(runtime: ServiceRuntime, app: AssessmentApplication) -> FastAPI:
    api = service_api(runtime, ACCESS)

    @api.get("/instruments/{instrument}")
    async def instrument_form(
            instrument: Instrument, _: Annotated[Principal, ACCESS.depends(
                "read_instrument_form")], language: Language = Language.ZH) -> dict[str, Any]:
        return _form(instrument, language)

    @api.post("/cases/{case_id}/instruments", status_code=201)
    async def score_instrument(
            case_id: UUID, body: InstrumentIn,
            actor: Annotated[Principal, ACCESS.depends("give_instrument")]) -> dict[str, Any]:
        try:
            result = await runtime.thread.run(
                app.score_instrument, case_id, body.instrument, body.answers,
                language=body.language.value if body.language else None, meta=body.meta(actor))
        except InvalidAnswers as refused:
            where = ["body", "answers", *([refused.item] if refused.item else [])]
            raise HTTPException(422, [{"loc": where,
                                       "msg": str(refused), "type": "invalid_answer"}]) \
                from None
        return {"case_id": case_id, "result": result.model_dump(mode="json")}

    @api.post("/cases/{case_id}/decision", status_code=201)
    async def decide(case_id: UUID, body: DecisionIn,
                     actor: Annotated[Principal, ACCESS.depends("decide_tier")]
                     ) -> dict[str, Any]:
        decision = Decision(
            tier=body.tier, rationale=body.rationale,
            participants=[p.model_dump(mode="json", exclude_none=True) for p in body.participants],
            overrides_proposal=body.overrides_proposal)
        assessment = await runtime.thread.run(app.decide, case_id, decision, meta=body.meta(actor))
        # Without the rationale: a keyed command's answer is kept in the store as it is
        # sent, where personal text is kept only sealed (the case record shows it).
        return {"case_id": assessment.id, "tier": assessment.tier,
                "decision": {key: value for key, value in assessment.decisions[-1].items()
                             if key != "rationale"}}


    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID,
                        reader: Annotated[Principal, ACCESS.depends("read_case")],
                        purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        assessment = await runtime.thread.run(app.read_case, case_id, Assessment,
                                              purpose=purpose, reader=reader.meta())
        view: dict[str, Any] = await runtime.thread.run(app.opened, assessment.student_key,
                                                        _view(assessment))
        return view

    api.include_router(erasure_router(runtime, app, ACCESS))
    api.include_router(ledger_router(runtime, ACCESS))
    api.include_router(state_router(runtime, ACCESS, app.state_at, AssessmentPart))
    return api

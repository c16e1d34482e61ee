"""Referral's HTTP API: refer, answers, follow-ups, return to school, home visits, closure,
reopening, the team's lists; the receivers' FHIR endpoint is in fhir.py."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from casetrail.case_state_http import state_router
from casetrail.http import (
    DEFAULT_PURPOSE,
    Command,
    PastSchoolDate,
    PlannedDate,
    Purpose,
    service_api,
    within,
)
from casetrail.identity.principal import Principal
from casetrail.ledger.http import ledger_router
from casetrail.personal.http import erasure_router
from casetrail.service import ServiceRuntime
from contracts.case_state import ReferralPart
from contracts.codes import (
    ClosureReason,
    DeclineReason,
    DisclosureBasis,
    FollowUpOutcome,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    StudySupport,
)
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare
from services.referral.entrypoints import consents, fhir, lists
from services.referral.entrypoints.access import ACCESS
from services.referral.entrypoints.outcomes import FhirResponse
from services.referral.inputs import InvalidInput
from services.referral.routing import ReferralRequest

SAFE_ID = r"^[A-Za-z0-9_.:-]+$"
MOST_NAMED = 20  # people one return plan makes responsible
# A student's birth date: not in the future, and a student younger than eighty.
BirthDate = Annotated[date, AfterValidator(within(back=timedelta(days=80 * 366),
                                                  ahead=timedelta(0)))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatientIn(Strict):
    name: str | None = Field(None, max_length=100)
    birth_date: BirthDate | None = None
    gender: Annotated[str, Field(pattern=r"^(male|female|other|unknown)$")] | None = None
    school_student_id: str | None = Field(None, max_length=64)


class GuardianIn(Strict):
    name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 -]{5,20}$")
    relation: str | None = Field(None, max_length=40)


class PacketIn(Strict):
    """What the person making the referral fills in; each part is a category disclosed."""

    patient: PatientIn | None = None
    guardian: GuardianIn | None = None
    summary: str | None = Field(None, max_length=4000)


class ReferralIn(Command):
    """A receiver from the directory; or one outside it, named with its type (no webhook,
    its type's disclosure and the ad hoc answer time). On the basis of consent it names the
    guardians' consent on record in the case (`consent_id`, from POST .../consents), also
    when only codes go (tier, signs, pseudonym)."""

    receiver_id: str = Field(min_length=1, max_length=64, pattern=SAFE_ID)
    receiver_type: ReceiverType | None = None  # checked against the directory if given
    basis: DisclosureBasis = DisclosureBasis.CONSENT
    consent_id: UUID | None = None
    rationale: str | None = Field(None, max_length=2000)
    packet: PacketIn = PacketIn()

    def request(self) -> ReferralRequest:
        packet = self.packet.model_dump(mode="json", exclude_none=True)
        return ReferralRequest(
            self.receiver_id, self.receiver_type, self.basis,
            self.consent_id, self.rationale,
            {part: value for part, value in packet.items() if value})


class AnswerIn(Command):
    response: ReferralResponse
    decline_reason: DeclineReason | None = None


class FollowUpIn(Command):
    outcome: FollowUpOutcome


class StaffIn(Strict):
    role: Role
    id: str = Field(min_length=1, max_length=64, pattern=SAFE_ID)


class ReturnPlanIn(Command):
    study_support: list[StudySupport] = Field(min_length=1, max_length=len(StudySupport))
    review_on: PlannedDate
    responsible: list[StaffIn] = Field(min_length=1, max_length=MOST_NAMED)
    notes: str | None = Field(None, max_length=4000)


class HomeVisitIn(Command):
    made_on: PastSchoolDate
    notes: str | None = Field(None, max_length=4000)


class ClosureIn(Command):
    reason: ClosureReason


class ReopenIn(Command):
    reason: ReopenReason


def build_api(runtime: ServiceRuntime, app: ReferralApplication) -> FastAPI:
    api = service_api(runtime, ACCESS)
    run = runtime.thread.run

    @api.exception_handler(InvalidInput)
    async def _invalid(_: Request, error: InvalidInput) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [{
            "loc": ["body", *error.field.split(".")], "msg": error.message,
            "type": "value_error"}]})

    @api.get("/receivers")
    async def receivers(_: Annotated[Principal, ACCESS.depends("read_receivers")]
                        ) -> list[dict[str, Any]]:
        return [{"id": r.id, "type": r.type, "name": r.name,
                 "endpoint": str(r.endpoint) if r.endpoint else None, "order": r.order,
                 "answer_within_minutes": r.answer_within_minutes,
                 "may_receive": list(r.receiver().may_receive)}
                for r in app.directory.receivers]

    @api.post("/cases/{case_id}/referrals", status_code=201)
    async def refer(case_id: UUID, body: ReferralIn,
            actor: Annotated[Principal, ACCESS.depends("refer")]
    ) -> dict[str, Any]:
        override = ACCESS["disclose_under_safety_override"]
        if body.basis == DisclosureBasis.SAFETY_OVERRIDE and actor.role not in override.roles:
            raise override.refuse(actor)
        referral_id = await run(app.refer, case_id, body.request(), body.meta(actor))
        return {"case_id": case_id, "referral_id": referral_id}

    @api.post("/cases/{case_id}/referrals/{referral_id}/answers", status_code=201)
    async def answer(case_id: UUID, referral_id: UUID, body: AnswerIn,
            actor: Annotated[Principal, ACCESS.depends("record_answer")]
    ) -> dict[str, Any]:
        rerouted = await run(app.record_answer, case_id, referral_id, body.response,
                             body.meta(actor), body.decline_reason)
        return {"case_id": case_id, "referral_id": referral_id, "status": body.response,
                "rerouted_to": rerouted}

    @api.post("/cases/{case_id}/follow-ups", status_code=201)
    async def follow_up(case_id: UUID, body: FollowUpIn,
            actor: Annotated[Principal, ACCESS.depends("record_follow_up")]
    ) -> dict[str, Any]:
        number = await run(app.record_follow_up, case_id, body.outcome, body.meta(actor))
        return {"case_id": case_id, "number": number}

    @api.post("/cases/{case_id}/return-plan", status_code=201)
    async def return_plan(case_id: UUID, body: ReturnPlanIn,
            actor: Annotated[Principal, ACCESS.depends("plan_return")]
    ) -> dict[str, Any]:
        plan_id = await run(app.plan_return, case_id, [s.value for s in body.study_support],
                            body.review_on, [s.model_dump(mode="json") for s in body.responsible],
                            body.notes, body.meta(actor))
        return {"case_id": case_id, "plan_id": plan_id}

    @api.post("/cases/{case_id}/home-visits", status_code=201)
    async def home_visit(case_id: UUID, body: HomeVisitIn,
            actor: Annotated[Principal, ACCESS.depends("record_home_visit")]
    ) -> dict[str, Any]:
        visit_id, semester = await run(app.record_home_visit, case_id, body.made_on,
                                       body.notes, body.meta(actor))
        return {"case_id": case_id, "visit_id": visit_id, "semester": semester}

    @api.post("/cases/{case_id}/closure", status_code=201)
    async def close(case_id: UUID, body: ClosureIn,
            actor: Annotated[Principal, ACCESS.depends("close_case")]
    ) -> dict[str, Any]:
        await run(app.close_case, case_id, body.reason, body.meta(actor))
        return {"case_id": case_id, "closed": True}

    @api.post("/cases/{case_id}/reopen", status_code=201)
    async def reopen(case_id: UUID, body: ReopenIn,
            actor: Annotated[Principal, ACCESS.depends("reopen_case")]
    ) -> dict[str, Any]:
        await run(app.reopen_case, case_id, body.reason, body.meta(actor))
        return {"case_id": case_id, "closed": False}

    @api.get("/cases/{case_id}/referrals/{referral_id}/packet", response_class=Response,
             responses=fhir.FHIR_ANSWER)
    async def packet(case_id: UUID, referral_id: UUID,
                     reader: Annotated[Principal, ACCESS.depends("read_packet")],
                     purpose: Purpose = DEFAULT_PURPOSE) -> FhirResponse:
        bundle = await run(app.read_packet, case_id, referral_id, purpose=purpose,
                           reader=reader.meta())
        return FhirResponse(bundle)


    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Annotated[Principal, ACCESS.depends("read_case")],
                        purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        aftercare = await run(app.read_case, case_id, Aftercare, purpose=purpose,
                              reader=reader.meta())
        record = case_record(aftercare,
                             with_packets=reader.role in ACCESS["read_packet"].roles)
        if aftercare.student_key is None:
            return record
        opened: dict[str, Any] = await run(app.opened, aftercare.student_key, record)
        return opened

    consents.routes(api, runtime, app)
    lists.routes(api, runtime, app)
    fhir.routes(api, runtime, app)
    api.include_router(erasure_router(runtime, app, ACCESS))
    api.include_router(ledger_router(runtime, ACCESS))
    api.include_router(state_router(runtime, ACCESS, app.state_at, ReferralPart))
    return api


def case_record(aftercare: Aftercare, *, with_packets: bool) -> dict[str, Any]:
    """The case as referral holds it; the packets' contents (the student's and family's
    details, the team's summary) and the receivers' feedback (a discharge summary, their
    recommendations) only for those who may read packets."""
    referrals = [asdict(r) | {"without_consent": r.without_consent}
                 | ({} if with_packets else {"packet": None, "feedback": None})
                 for r in aftercare.referrals]
    return {"case_id": aftercare.id, "tier": aftercare.tier,
            "tier_decided": aftercare.tier_decided, "closed": aftercare.closed,
            "closed_because": aftercare.closed_because,
            "closures": [asdict(c) for c in aftercare.closures],
            "key_concerns": aftercare.key_concerns, "signs": aftercare.signs,
            "referrals": referrals,
            "consents": [asdict(c) for c in aftercare.consents.values()],
            "flagged": [r.referral_id for r in aftercare.flags()],
            "follow_ups": [asdict(f) for f in aftercare.follow_ups],
            "return_plans": [asdict(p) for p in aftercare.return_plans],
            "home_visits": [asdict(v) for v in aftercare.home_visits],
            "home_visits_due": aftercare.visits_due}


"""Referral's HTTP API: refer, record the receiver's answer, follow up, close."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import Field

from casetrail.http import Command, Reader, service_api
from casetrail.service import ServiceRuntime
from contracts.codes import ClosureReason, FollowUpOutcome, ReceiverType, ReferralResponse
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare


class ReferralIn(Command):
    receiver_type: ReceiverType
    receiver_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class AnswerIn(Command):
    response: ReferralResponse


class FollowUpIn(Command):
    outcome: FollowUpOutcome


class ClosureIn(Command):
    reason: ClosureReason


def build_api(runtime: ServiceRuntime, app: ReferralApplication) -> FastAPI:
    api = service_api(runtime)
    run = runtime.thread.run

    @api.post("/cases/{case_id}/referrals", status_code=201)
    async def refer(case_id: UUID, body: ReferralIn) -> dict[str, Any]:
        referral_id = await run(app.refer, case_id, body.receiver_type, body.receiver_id,
                                body.meta())
        return {"case_id": case_id, "referral_id": referral_id}

    @api.post("/cases/{case_id}/referrals/{referral_id}/answers", status_code=201)
    async def answer(case_id: UUID, referral_id: UUID, body: AnswerIn) -> dict[str, Any]:
        await run(app.record_answer, case_id, referral_id, body.response, body.meta())
        return {"case_id": case_id, "referral_id": referral_id, "status": body.response}

    @api.post("/cases/{case_id}/follow-ups", status_code=201)
    async def follow_up(case_id: UUID, body: FollowUpIn) -> dict[str, Any]:
        number = await run(app.record_follow_up, case_id, body.outcome, body.meta())
        return {"case_id": case_id, "number": number}

    @api.post("/cases/{case_id}/closure", status_code=201)
    async def close(case_id: UUID, body: ClosureIn) -> dict[str, Any]:
        await run(app.close_case, case_id, body.reason, body.meta())
        return {"case_id": case_id, "closed": True}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        aftercare = await run(app.read_case, case_id, Aftercare, purpose=reader.purpose,
                              reader=reader.meta)
        return {"case_id": aftercare.id, "tier": aftercare.tier,
                "tier_decided": aftercare.tier_decided, "closed": aftercare.closed,
                "referrals": [asdict(r) for r in aftercare.referrals],
                "follow_ups": [asdict(f) for f in aftercare.follow_ups]}

    return api

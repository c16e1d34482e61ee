"""The guardians' consents of a case: recorded, withdrawn; the case record shows them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import AfterValidator, Field

from casetrail.http import Command, PastMoment
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import ConsentPurpose, GuardianRank, GuardianRelationship, ReceiverType
from services.referral.application import ReferralApplication
from services.referral.domain.consents import ConsentGiven
from services.referral.domain.receivers import DISCLOSURE
from services.referral.entrypoints.access import ACCESS
from services.referral.inputs import InvalidInput

SAFE_ID = r"^[A-Za-z0-9_.:-]+$"
ReceiverId = Annotated[str, Field(min_length=1, max_length=64, pattern=SAFE_ID)]
CATEGORIES = {c for categories in DISCLOSURE.values() for c in categories}
MOST_NAMED = 20  # the most receivers one consent names


def _category(code: str) -> str:
    if code not in CATEGORIES:
        raise ValueError(f"unknown category; one of {sorted(CATEGORIES)}")
    return code


class ConsentIn(Command):
    """Given by a guardian (rank and relationship: codes, no name) for a purpose, to the
    receivers named by id, or else to any receiver of one type; who records it is the
    token's. `at`, if given, is when it was recorded; `given_at` when the guardian gave it."""

    purpose: ConsentPurpose = ConsentPurpose.REFERRAL
    given_by_guardian_rank: GuardianRank
    relationship: GuardianRelationship | None = None
    given_at: PastMoment
    scope: list[Annotated[str, AfterValidator(_category)]] = Field(
        min_length=1, max_length=len(CATEGORIES))
    receivers: list[ReceiverId] | None = Field(None, min_length=1, max_length=MOST_NAMED)
    receiver_type: ReceiverType | None = None

    def given(self) -> ConsentGiven:
        if (self.receivers is None) == (self.receiver_type is None):
            raise InvalidInput("receivers", "name the receivers, or else give a "
                               "receiver_type: one of the two")
        return ConsentGiven(
            self.purpose.value, list(dict.fromkeys(self.scope)),
            self.given_by_guardian_rank.value, self.given_at,
            self.relationship.value if self.relationship else None,
            list(self.receivers) if self.receivers else None,
            self.receiver_type.value if self.receiver_type else None)


class WithdrawalIn(Command):
    """Who withdrew it is the token's (for the guardian who asked); `at`, if earlier."""


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    run = runtime.thread.run

    @api.post("/cases/{case_id}/consents", status_code=201)
    async def record_consent(case_id: UUID, body: ConsentIn,
            actor: Annotated[Principal, ACCESS.depends("record_consent")]
    ) -> dict[str, Any]:
        consent_id = await run(app.record_consent, case_id, body.given(), body.meta(actor))
        return {"case_id": case_id, "consent_id": consent_id}

    @api.post("/cases/{case_id}/consents/{consent_id}/withdrawal", status_code=201)
    async def withdraw_consent(case_id: UUID, consent_id: UUID, body: WithdrawalIn,
            actor: Annotated[Principal, ACCESS.depends("withdraw_consent")]
    ) -> dict[str, Any]:
        await run(app.withdraw_consent, case_id, consent_id, body.meta(actor))
        return {"case_id": case_id, "consent_id": consent_id, "withdrawn": True}

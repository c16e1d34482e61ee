"""The receivers' own endpoint: a hospital answers by updating the Task of the referral.

`PUT /fhir/Task/{referral_id}` with `Authorization: Bearer <the receiver's token>` and a FHIR
R4 Task. 401 for a token no receiver holds, 403 for a referral made to another receiver,
422 for a body that is not a Task referral understands, 409 for a step out of order.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import Response

from casetrail.identity.principal import Principal
from casetrail.identity.tokens import OtherCredentials
from casetrail.service import ServiceRuntime
from contracts.codes import Role
from services.referral.application import NotYourReferral, ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.entrypoints import outcomes
from services.referral.entrypoints.access import ACCESS
from services.referral.entrypoints.outcomes import FHIR_JSON, OUTCOME_ANSWERS, FhirResponse
from services.referral.packets import TaskRefused

# The OpenAPI of a route answering a FHIR resource, with `response_class=Response`: as its
# response class, FhirResponse would give the route's refusals (JSON) its media type too.
FHIR_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "description": "a FHIR R4 resource", "content": {FHIR_JSON: {"schema": {"type": "object"}}}}}
# A /fhir route's: its refusals are OperationOutcomes too.
FACADE_ANSWERS = {**OUTCOME_ANSWERS, **FHIR_ANSWER}


def receiver_tokens(settings: ReferralSettings) -> OtherCredentials:
    """A receiver's own bearer token (REFERRAL_RECEIVER_TOKENS) names its liaison system."""
    tokens = settings.receiver_tokens

    def liaison(token: str) -> Principal | None:
        for receiver_id, secret in tokens.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), token.encode()):
                return Principal(receiver_id, Role.RECEIVER_LIAISON, receiver=receiver_id)
        return None

    return liaison


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    outcomes.install(api)

    @api.put("/fhir/Task/{referral_id}", response_class=Response, responses=FACADE_ANSWERS)
    async def update_task(referral_id: UUID, task: Annotated[dict[str, Any], Body()],
                          liaison: Annotated[Principal, ACCESS.depends("answer_task")]
                          ) -> FhirResponse:
        assert liaison.receiver is not None, "a liaison's token names its receiver"
        receiver_id = liaison.receiver
        if task.get("id") not in (None, str(referral_id)):
            raise HTTPException(422, [{"loc": ["body", "id"], "type": "value_error",
                                       "msg": "is not the Task of this URL"}])
        try:
            response, decline_reason = app.read_task(task)
        except TaskRefused as error:
            raise HTTPException(422, [{"loc": ["body", *field.split(".")] if field else ["body"],
                                       "type": "value_error", "msg": rule}
                                      for field, rule in error.problems]) from None
        meta = liaison.meta()
        try:
            referral = await runtime.thread.run(app.answer_task, referral_id, receiver_id,
                                                response, decline_reason, meta)
        except NotYourReferral as error:
            raise HTTPException(403, str(error)) from None
        return FhirResponse(app.answered_task(referral))

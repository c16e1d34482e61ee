"""The receivers' own endpoint: a hospital answers by updating the Task of the referral.

`PUT /fhir/Task/{referral_id}` with `Authorization: Bearer <the receiver's token>` and a FHIR
R4 Task. 401 for a token no receiver holds, 403 for a referral made to another receiver,
422 for a body that is not a Task referral understands, 409 for a step out of order.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from casetrail.kernel import EventMeta
from casetrail.service import ServiceRuntime
from contracts.codes import Role
from services.referral.application import NotYourReferral, ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.packets import TaskRefused

FHIR_JSON = "application/fhir+json"


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    settings = runtime.settings
    tokens = settings.receiver_tokens if isinstance(settings, ReferralSettings) else {}

    def receiver_of(authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and token:
            for receiver_id, secret in tokens.items():
                if hmac.compare_digest(secret.get_secret_value().encode(), token.encode()):
                    return receiver_id
        raise HTTPException(401, "a receiver's bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})

    @api.put("/fhir/Task/{referral_id}")
    async def update_task(referral_id: UUID, task: Annotated[dict[str, Any], Body()],
                          authorization: Annotated[str | None, Header()] = None
                          ) -> JSONResponse:
        receiver_id = receiver_of(authorization)
        if task.get("id") not in (None, str(referral_id)):
            raise HTTPException(422, [{"loc": ["body", "id"], "type": "value_error",
                                       "msg": "is not the Task of this URL"}])
        try:
            response, decline_reason = app.read_task(task)
        except TaskRefused as error:
            raise HTTPException(422, [{"loc": ["body"], "type": "value_error",
                                       "msg": str(error)}]) from None
        meta = EventMeta.by(Role.RECEIVER_LIAISON.value, receiver_id)
        try:
            referral = await runtime.thread.run(app.answer_task, referral_id, receiver_id,
                                                response, decline_reason, meta)
        except NotYourReferral as error:
            raise HTTPException(403, str(error)) from None
        return JSONResponse(app.answered_task(referral), media_type=FHIR_JSON)

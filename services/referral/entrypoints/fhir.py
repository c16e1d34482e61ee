"""The receivers' FHIR R4 facade: a hospital reads and answers the Tasks of its referrals.

`GET /fhir/Task/{referral_id}`, `GET /fhir/Task?owner=&status=`, `PUT` (a Task) and `PATCH`
(JSON Patch) of `/fhir/Task/{referral_id}`, with `Authorization: Bearer <the receiver's
token>` or its liaison's; `GET /fhir/metadata` is public. Every Task answered carries
`ETag: W/"<version>"`; an update with a stale `If-Match` is 412. Every refusal is an
OperationOutcome (outcomes.py): 401 for a token that does not verify, 403 for a referral
made to another receiver, 404 for none, 409 for a step the referral's state machine
refuses, 412 for a stale version, 422 naming the field of a Task that is not one.
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import Response

from casetrail.http import DEFAULT_PURPOSE, Purpose
from casetrail.identity.principal import Principal
from casetrail.identity.tokens import OtherCredentials
from casetrail.service import ServiceRuntime
from contracts.codes import Role
from contracts.fhir import RECEIVER_SYSTEM
from services.referral.application import ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.entrypoints import outcomes
from services.referral.entrypoints.access import ACCESS
from services.referral.entrypoints.json_patch import patched
from services.referral.entrypoints.outcomes import (
    FHIR_JSON,
    OUTCOME_ANSWERS,
    FhirResponse,
    refusal,
)
from services.referral.inputs import InvalidInput
from services.referral.packets import TaskRefused
from services.referral.tasks import NotYourReferral, VersionConflict

JSON_PATCH = "application/json-patch+json"
# The OpenAPI of a route answering a FHIR resource, with `response_class=Response`: as its
# response class, FhirResponse would give the route's refusals (JSON) its media type too.
FHIR_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "description": "a FHIR R4 resource", "content": {FHIR_JSON: {"schema": {"type": "object"}}}}}
# A /fhir route's: its refusals are OperationOutcomes too.
FACADE_ANSWERS = {**OUTCOME_ANSWERS, **FHIR_ANSWER}
VERSION_TAG = re.compile(r'^(?:W/)?"([0-9]{1,9})"$')
R4_STATUS = r"^[a-z-]{1,20}(,[a-z-]{1,20}){0,11}$"

IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=20,
    description='the version the update is made on, as its ETag said: W/"3"')]


def receiver_tokens(settings: ReferralSettings) -> OtherCredentials:
    """A receiver's own bearer token (REFERRAL_RECEIVER_TOKENS) names its liaison system."""
    tokens = settings.receiver_tokens

    def liaison(token: str) -> Principal | None:
        for receiver_id, secret in tokens.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), token.encode()):
                return Principal(receiver_id, Role.RECEIVER_LIAISON, receiver=receiver_id)
        return None

    return liaison


def _receiver(liaison: Principal) -> str:
    assert liaison.receiver is not None, "a liaison's token names its receiver"
    return liaison.receiver


def _versioned(task: dict[str, Any]) -> FhirResponse:
    return FhirResponse(task, headers={"ETag": f'W/"{task["meta"]["versionId"]}"'})


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    tagged = VERSION_TAG.match(if_match.strip())
    if tagged is None:
        raise HTTPException(422, [{"loc": ["header", "If-Match"], "type": "value_error",
                                   "msg": 'is a Task version as its ETag gives it: W/"3"'}])
    return int(tagged.group(1))


def _owner(owner: str | None) -> str | None:
    """A search's owner as a receiver id: `hospital-a`, `Organization/hospital-a` or
    `urn:casetrail:receiver|hospital-a`."""
    if owner is None:
        return None
    for prefix in ("Organization/", f"{RECEIVER_SYSTEM}|"):
        if owner.startswith(prefix):
            return owner.removeprefix(prefix)
    return owner


def _searchset(request: Request, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {"resourceType": "Bundle", "type": "searchset", "total": len(tasks),
            "link": [{"relation": "self", "url": str(request.url)}],
            "entry": [{"fullUrl": f"{base}/fhir/Task/{task['id']}", "resource": task,
                       "search": {"mode": "match"}} for task in tasks]}


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    run = runtime.thread.run
    outcomes.install(api)

    async def answer(referral_id: UUID, task: dict[str, Any], liaison: Principal,
                     if_match: str | None) -> FhirResponse:
        if task.get("id") not in (None, str(referral_id)):
            raise HTTPException(422, [{"loc": ["body", "id"], "type": "value_error",
                                       "msg": "is not the Task of this URL"}])
        version = _version(if_match)
        try:
            response, decline_reason = app.read_task(task)
            feedback = app.read_output(task)
        except TaskRefused as error:
            raise HTTPException(422, [{"loc": ["body", *field.split(".")] if field else ["body"],
                                       "type": "value_error", "msg": rule}
                                      for field, rule in error.problems]) from None
        receiver_id = _receiver(liaison)
        try:
            updated = await run(app.update_task, referral_id, receiver_id, response,
                                decline_reason, liaison.meta(), if_match=version,
                                feedback=feedback)
        except NotYourReferral as error:
            raise HTTPException(403, str(error)) from None
        except VersionConflict as error:
            return refusal(412, str(error), code="conflict", headers={
                "ETag": f'W/"{error.current}"'})
        return _versioned(updated)

    @api.get("/fhir/metadata", response_class=Response, responses=FHIR_ANSWER)
    async def metadata() -> FhirResponse:
        """What this FHIR facade supports (R4 CapabilityStatement): public, as FHIR asks."""
        return FhirResponse(app.fhir.capabilities())

    @api.get("/fhir/Task", response_class=Response, responses=FACADE_ANSWERS)
    async def search_tasks(
            request: Request, liaison: Annotated[Principal, ACCESS.depends("search_tasks")],
            owner: Annotated[str | None, Query(max_length=120)] = None,
            status: Annotated[str | None, Query(pattern=R4_STATUS)] = None,
            purpose: Purpose = DEFAULT_PURPOSE) -> FhirResponse:
        """The caller's own referrals' Tasks, by `status` (R4 codes, comma-separated for any
        of them). Another receiver's `owner` finds nothing: a receiver sees only its own."""
        receiver_id = _receiver(liaison)
        wanted = _owner(owner)
        if wanted not in (None, receiver_id):
            return FhirResponse(_searchset(request, []))
        tasks = await run(app.search_tasks, receiver_id,
                          set(status.split(",")) if status else None, purpose=purpose,
                          reader=liaison.meta())
        return FhirResponse(_searchset(request, tasks))

    @api.get("/fhir/Task/{referral_id}", response_class=Response, responses=FACADE_ANSWERS)
    async def read_task(referral_id: UUID,
                        liaison: Annotated[Principal, ACCESS.depends("read_task")],
                        purpose: Purpose = DEFAULT_PURPOSE) -> FhirResponse:
        """The referral's Task as its receiver sees it (no student's name: the packet
        carried what was disclosed), with its version as ETag."""
        try:
            task = await run(app.read_task_as_receiver, referral_id, _receiver(liaison),
                             purpose=purpose, reader=liaison.meta())
        except NotYourReferral as error:
            raise HTTPException(403, str(error)) from None
        return _versioned(task)

    @api.put("/fhir/Task/{referral_id}", response_class=Response, responses=FACADE_ANSWERS)
    async def update_task(referral_id: UUID, task: Annotated[dict[str, Any], Body()],
                          liaison: Annotated[Principal, ACCESS.depends("answer_task")],
                          if_match: IfMatch = None) -> FhirResponse:
        """The receiver's answer as the Task's new status (the R4 task-status codes, with
        BSeR's businessStatus); `If-Match` makes it conditional on the version read."""
        return await answer(referral_id, task, liaison, if_match)

    @api.patch("/fhir/Task/{referral_id}", response_class=Response,
               responses={**FACADE_ANSWERS, 415: {
                   "description": "an OperationOutcome: not sent as JSON Patch",
                   **outcomes.OUTCOME}},
               openapi_extra={"requestBody": {"required": True, "content": {JSON_PATCH: {
                   "schema": {"type": "array", "items": {"type": "object"}}}}}})
    async def patch_task(referral_id: UUID, request: Request,
                         liaison: Annotated[Principal, ACCESS.depends("answer_task")],
                         if_match: IfMatch = None) -> Response:
        """A JSON Patch of the Task's /status, /businessStatus, /statusReason or /output,
        applied to the Task as it stands."""
        if request.headers.get("content-type", "").split(";")[0].strip() != JSON_PATCH:
            return refusal(415, f"a PATCH of a Task is sent as {JSON_PATCH}")
        try:
            operations = await request.json()
        except ValueError:
            return refusal(422, "is not JSON", code="invalid", expression="JsonPatch")
        try:
            current = await run(app.task, referral_id, _receiver(liaison))
        except NotYourReferral as error:
            raise HTTPException(403, str(error)) from None
        try:
            changed = patched(current, operations)
        except InvalidInput as error:
            where = "".join(f"[{part}]" if part.isdigit() else f".{part}"
                            for part in error.field.split(".") if part)
            return refusal(422, error.message, code="invalid", expression=f"JsonPatch{where}")
        changed.pop("meta", None)
        return await answer(referral_id, changed, liaison, if_match)

"""Every refusal under /fhir as a FHIR R4 OperationOutcome (application/fhir+json), as a
hospital's FHIR client expects; the rest of the API keeps its JSON errors.

The service's own handlers decide the status and the words (which never echo a value);
this only re-dresses their answer for a /fhir path: each item of a 422 becomes an issue
whose `expression` names the field (`Task.status`, a search parameter, `http.If-Match`)
and whose `diagnostics` is the rule.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fhir.resources.R4B.operationoutcome import OperationOutcome

from casetrail.kernel import CaseRuleViolated

FHIR_JSON = "application/fhir+json"
FHIR_PREFIX = "/fhir"

# The R4 issue-type of each refusal (http://hl7.org/fhir/issue-type).
ISSUE_TYPES = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 412: "conflict", 413: "too-long", 415: "not-supported",
               422: "invalid", 429: "throttled", 503: "transient"}
HEADERS_KEPT = ("www-authenticate", "retry-after", "allow")
REFUSAL_SYSTEM = "urn:casetrail:refusal"  # the rule a field broke: missing, json_invalid, …

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


class FhirResponse(JSONResponse):
    """A FHIR resource as JSON, sent as FHIR's own media type."""

    media_type = FHIR_JSON


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    """An OperationOutcome of errors, validated as R4."""
    outcome = OperationOutcome.model_validate({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", **issue} for issue in issues]})
    result: dict[str, Any] = json.loads(outcome.model_dump_json())
    return result


def refusal(status: int, diagnostics: str, *, code: str | None = None,
            expression: str | None = None,
            headers: dict[str, str] | None = None) -> FhirResponse:
    """One refusal as an OperationOutcome, for a /fhir route to answer itself."""
    issue: dict[str, Any] = {"code": code or ISSUE_TYPES.get(status, "processing"),
                             "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return FhirResponse(operation_outcome([issue]), status_code=status, headers=headers)


def expression_of(loc: list[Any], resource: str = "Task") -> str:
    """A FastAPI error location as FHIRPath on the resource sent, a search parameter, or
    the HTTP header."""
    where, *rest = [str(part) for part in loc] or ["body"]
    if where == "body":
        return ".".join([resource, *rest])
    if where == "header":
        return ".".join(["http", *rest])
    return ".".join(rest) or where


def _issues(status: int, detail: Any, error: Exception) -> list[dict[str, Any]]:
    code = ("business-rule" if isinstance(error, CaseRuleViolated)
            else ISSUE_TYPES.get(status, "exception" if status >= 500 else "processing"))
    if isinstance(detail, list) and detail:
        return [{"code": code, "diagnostics": str(item.get("msg", "")),
                 "expression": [expression_of(list(item.get("loc", [])))],
                 # The rule broken, as the API's JSON errors name it (`type`).
                 "details": {"coding": [{"system": REFUSAL_SYSTEM,
                                         "code": str(item.get("type", "value_error"))}]}}
                for item in detail if isinstance(item, dict)]
    return [{"code": code, "diagnostics": str(detail or "refused")}]


def as_outcome(response: Response, error: Exception) -> Response:
    """A JSON refusal re-dressed as an OperationOutcome, its status and headers kept."""
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    headers = {name: value for name, value in response.headers.items()
               if name.lower() in HEADERS_KEPT}
    return FhirResponse(operation_outcome(_issues(response.status_code, detail, error)),
                        status_code=response.status_code, headers=headers)


def _scoped(handler: Handler) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        answered = handler(request, error)
        response = await answered if inspect.isawaitable(answered) else answered
        path = request.url.path
        if path == FHIR_PREFIX or path.startswith(FHIR_PREFIX + "/"):
            return as_outcome(response, error)
        return response

    return handle


def install(api: FastAPI) -> None:
    """Re-dress every refusal the API's handlers make for a /fhir path (call it once all
    handlers are added, before the first request)."""
    for kind, handler in list(api.exception_handlers.items()):
        api.exception_handlers[kind] = _scoped(handler)


# The OpenAPI of a /fhir route's refusals: OperationOutcomes, not the API's JSON.
OUTCOME = {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}
OUTCOME_ANSWERS: dict[int | str, dict[str, Any]] = {
    status: {"description": f"an OperationOutcome ({code})", **OUTCOME}
    for status, code in ISSUE_TYPES.items() if status in (401, 403, 404, 409, 412, 422)}

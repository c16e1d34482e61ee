"""What every service's HTTP API shares: domain errors as status codes, a health check,
the Idempotency-Key of every command, bounds on what a request may cost, docs served with
no CDN."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID, uuid4

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.dependencies.utils import get_typed_signature
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.sse import EventSourceResponse
from fastapi_offline import FastAPIOffline
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from casetrail import idempotency
from casetrail.identity.access import AccessMatrix, Permission, permission_of
from casetrail.identity.principal import Principal
from casetrail.identity.tokens import Unauthenticated, verified_once
from casetrail.kernel import CaseNotFound, CaseRuleViolated, EventMeta, EventNotPublishable
from casetrail.metrics import metrics_route
from casetrail.request_limits import BodyLimit, RateLimit
from casetrail.store import STORE_UNREACHABLE
from casetrail.traced_requests import NO_FRAMEWORK_TELEMETRY
from contracts.asyncapi import document_json

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

log = logging.getLogger(__name__)


def service_api(runtime: ServiceRuntime, access: AccessMatrix) -> FastAPI:
    """A service's FastAPI app: OpenAPI at /docs and /redoc (their assets served here),
    bearer tokens verified on every route but /health and the docs, domain errors as
    404/409/422, bodies and rates bounded (413, 429), an unhandled error as 500 with a
    correlation id, /status with the backlogs and /metrics with them for Prometheus."""
    settings = runtime.settings
    api = FastAPIOffline(title=f"casetrail {settings.service}", version="1",
                         lifespan=runtime.lifespan(), static_url=DOCS_ASSETS,
                         # Swagger UI's validator badge would send the spec's URL out.
                         swagger_ui_parameters={"validatorUrl": None}, responses=LIMITS,
                         telemetry=NO_FRAMEWORK_TELEMETRY)
    api.router.route_class = CommandRoute
    # The last added runs first: a flood is refused before its body is read.
    api.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       upload_limit=settings.max_upload_bytes)
    api.add_middleware(RateLimit, rate=settings.rate_limit, identify=_subject_of(runtime),
                       open_paths=OPEN_PATHS, open_prefixes=(DOCS_ASSETS + "/",))
    api.state.idempotency = KeyedCommands(runtime)
    api.state.runtime = runtime
    _install_error_handlers(api)
    _health_route(api, runtime)
    # The bus's AsyncAPI document, open like the API's own.
    api.add_api_route("/asyncapi.json", lambda: Response(document_json(),
                                                         media_type="application/json"),
                      include_in_schema=False)

    reader = access.depends("read_status")

    @api.get("/status")
    async def status(_: Principal = reader) -> dict[str, Any]:
        """The outbox's and the inbox's backlogs: the numbers to alert on; and the last error
        the service's work met (its kind, where, when)."""
        return await runtime.status()

    metrics_route(api, runtime, reader)
    return api


OPEN_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/redoc",
                        "/openapi.json", "/asyncapi.json",
                        # What a FHIR facade supports (referral's): public, as FHIR asks.
                        "/fhir/metadata"})
# Swagger UI's and ReDoc's scripts and styles, from the fastapi-offline package.
DOCS_ASSETS = "/docs/assets"


def _subject_of(runtime: ServiceRuntime) -> Callable[[Scope, str], str | None]:
    def subject(scope: Scope, token: str) -> str | None:
        try:
            return verified_once(runtime.verifier, scope, token).subject
        except Unauthenticated:
            return None

    return subject


def unguarded(api: FastAPI) -> list[str]:
    """Routes that declare no action of the access matrix: none may be, but health and
    the docs (deny by default)."""
    return [f"{sorted(route.methods or ())[0]} {route.path}" for route in api_routes(api.routes)
            if route.path not in OPEN_PATHS
            and permission_of(route.dependant.dependencies) is None]


def guarded_routes(api: FastAPI) -> list[tuple[APIRoute, Permission]]:
    """Every route of the API with the action it declares, in the order they were added."""
    return [(route, permission) for route in api_routes(api.routes)
            if (permission := permission_of(route.dependant.dependencies)) is not None]


def api_routes(routes: Sequence[Any]) -> list[APIRoute]:
    """The API routes, also inside included routers (which FastAPI keeps apart)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found.extend(api_routes(included.routes))
    return found


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def _internal(request: Request, _: Exception) -> JSONResponse:
        # The trace and whatever the error names (a submitted value, perhaps) go to the log
        # alone; the caller gets the id to quote. Starlette re-raises it for the server.
        correlation_id = str(uuid4())
        log.exception("unhandled error %s answering %s %s", correlation_id, request.method,
                      request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error",
                                                      "correlation_id": correlation_id})

    async def _store_unreachable(request: Request, error: Exception) -> JSONResponse:
        # Nothing was committed, or the commit stands with its Idempotency-Key: the same
        # request again is answered once the store is back, so it is a wait, not a fault.
        log.warning("store did not answer %s %s (%s); asked to retry", request.method,
                    request.url.path, type(error).__name__)
        return JSONResponse(status_code=503, headers={"Retry-After": "1"},
                            content={"detail": "the store is not answering; try again"})

    for unreachable in STORE_UNREACHABLE:
        app.add_exception_handler(unreachable, _store_unreachable)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        # Field, rule and message only: FastAPI's default answer echoes what was sent
        # (`input`, `ctx`), a minor's name and free text included.
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]}
            for e in error.errors()]})

    @app.exception_handler(StarletteHTTPException)
    async def _unreadable(request: Request, error: StarletteHTTPException) -> Response:
        # Only FastAPI answers 400, for a body it cannot decode (JSON not in UTF-8, a broken
        # form): bad input like any other, a 422 naming the body.
        if error.status_code == 400:
            return JSONResponse(status_code=422, content={"detail": [
                {"loc": ["body"], "type": "body_unreadable",
                 "msg": "cannot be decoded as its content type says"}]})
        return await http_exception_handler(request, error)

    @app.exception_handler(CaseRuleViolated)
    async def _conflict(_: Request, error: CaseRuleViolated) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(CaseNotFound)
    async def _not_found(_: Request, error: CaseNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(EventNotPublishable)
    async def _not_publishable(_: Request, error: EventNotPublishable) -> JSONResponse:
        # Nothing was stored: the command would have left an event the bus can never take.
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": ["event", error.event_type, *problem.field.split(".")],
             "msg": f"the {error.event_type} this would record breaks its bus contract: "
                    f"{problem.rule}", "type": "event_contract"}
            for problem in error.problems]})


def _health_route(app: FastAPI, runtime: ServiceRuntime) -> None:
    @app.get("/health", responses={503: {"description": "not connected to NATS, the store "
                                                        "not answering, the relay stuck or "
                                                        "stalled, or a consumer stalled"}})
    async def health() -> JSONResponse:
        """Ready unless NATS is not connected, the store does not answer, the outbox is stuck
        on an event the bus cannot take, its relay has not moved for
        `<SERVICE>_RELAY_STALL_SECONDS` while events wait, or a consumer has not fetched for
        `<SERVICE>_CONSUMER_STALL_SECONDS` (see /status)."""
        problem = await runtime.unready()
        if problem is not None:
            return JSONResponse(status_code=503, content=problem)
        return JSONResponse({"status": "ok"})


# Why a person reads a record: logged with every read (a code, not free text).
Purpose = Annotated[str, Query(pattern=r"^[a-z_]+$", max_length=40,
                               description="why you read it (a code): logged with the read")]
DEFAULT_PURPOSE = "case_work"

# The moment a record is replayed at (recorded time): now if left out.
AsOf = Annotated[AwareDatetime | None, Query(
    description="the moment to see the record as it stood at (recorded time, with its "
                "offset); now if left out")]


CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=366)


def _not_in_the_future(moment: datetime) -> datetime:
    now = datetime.now(UTC)
    if moment > now + CLOCK_SKEW:
        raise ValueError("is in the future")
    if moment < now - OLDEST:
        raise ValueError("is more than a year ago")
    return moment


# When something happened, if earlier than the request: never later, at most a year back.
PastMoment = Annotated[AwareDatetime, AfterValidator(_not_in_the_future)]

# A school's calendar day may already be tomorrow in UTC (Asia/Shanghai is UTC+8).
DATE_LINE = timedelta(days=1)


def within(*, back: timedelta, ahead: timedelta) -> Callable[[date], date]:
    """A validator of a calendar date: at most `back` before today and `ahead` after it."""

    def check(day: date) -> date:
        today = datetime.now(UTC).date()
        if day > today + ahead:
            raise ValueError("is in the future" if ahead <= DATE_LINE
                             else f"is more than {ahead.days} days ahead")
        if day < today - back:
            raise ValueError(f"is more than {back.days} days ago")
        return day

    return check


# A day something was done (a home visit): not later than today, at most a year back.
PastSchoolDate = Annotated[date, AfterValidator(within(back=OLDEST, ahead=DATE_LINE))]
# A day something is planned for (a review, a screening): within a year either side, since
# the plan itself may be recorded up to a year late.
PlannedDate = Annotated[date, AfterValidator(within(back=OLDEST, ahead=OLDEST))]


class Command(BaseModel):
    """A command may say when it happened, if earlier than now; who did it is the token's."""

    model_config = ConfigDict(extra="forbid")

    at: PastMoment | None = None

    def meta(self, actor: Principal) -> EventMeta:
        return actor.meta(occurred_at=self.at)


IDEMPOTENCY_KEY = "Idempotency-Key"
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class KeyedCommands:
    """One service's keyed requests: those in progress in this process, and the store."""

    runtime: ServiceRuntime
    in_progress: set[UUID] = field(default_factory=set)


def _keyed_commands(request: Request) -> KeyedCommands:
    commands: KeyedCommands = request.app.state.idempotency
    return commands


class Replayed(Exception):
    """The answer a request with this key got the first time."""

    def __init__(self, answer: idempotency.Answer) -> None:
        self.answer = answer


def _caller(runtime: ServiceRuntime, request: Request) -> str:
    """Who sends the request, as their verified token says; else what they sent (which the
    route's permission then refuses)."""
    sent = request.headers.get("authorization", "")
    scheme, _, credentials = sent.partition(" ")
    if scheme.lower() != "bearer":
        return sent
    try:
        principal = verified_once(runtime.verifier, request.scope, credentials)
    except Unauthenticated:
        return sent
    return json.dumps([principal.subject, principal.role, principal.school, principal.receiver])


async def idempotency_key(
    request: Request,
    key: Annotated[str | None, Header(
        alias=IDEMPOTENCY_KEY, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
        description="One per logical action (a UUID), sent again with every retry of it: the "
                    "same key with the same request returns the first answer and changes "
                    "nothing; with another request, 422; while the first is still being "
                    "carried out, 409 with Retry-After.")] = None,
) -> None:
    """The command's key, checked against those kept: a retry is answered from the store."""
    slot = idempotency.keyed.get()
    if key is None or slot is None:
        return
    commands = _keyed_commands(request)
    runtime = commands.runtime
    request_id = idempotency.request_id(runtime.settings.service, key)
    if request_id in commands.in_progress:
        raise HTTPException(409, "a request with this Idempotency-Key is in progress; "
                                 "retry it later", headers={"Retry-After": "1"})
    commands.in_progress.add(request_id)  # before any await: a concurrent retry sees it
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        fingerprint = idempotency.fingerprint(request.method, target,
                                              _caller(runtime, request), await request.body())
        prior = await runtime.thread.run(idempotency.prior, runtime.app, request_id)
    except BaseException:
        commands.in_progress.discard(request_id)
        raise
    if prior is None:
        slot.arm(request_id, fingerprint)  # the route lets go of it once answered
        return
    commands.in_progress.discard(request_id)
    if prior.fingerprint != fingerprint:
        raise HTTPException(422, [{"loc": ["header", IDEMPOTENCY_KEY],
                                   "type": "idempotency_key_reused",
                                   "msg": "was sent before with another request"}])
    assert prior.answer is not None, "a key is committed with its answer"
    raise Replayed(prior.answer)


class Problem(BaseModel):
    """Why a request was refused, in words that name no submitted value."""

    detail: str


class InternalError(BaseModel):
    """An unhandled failure: the id under which the service logged it, nothing else."""

    detail: str
    correlation_id: str


LIMITS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "the body is larger than the service takes "
                                            "(CASETRAIL_MAX_BODY_BYTES, for a file "
                                            "CASETRAIL_MAX_UPLOAD_BYTES)"},
    429: {"model": Problem, "description": "more requests than CASETRAIL_RATE_LIMIT from "
                                            "this identity (health and the docs not "
                                            "counted); Retry-After says when to retry"},
    500: {"model": InternalError, "description": "an unexpected failure, logged under the "
                                                 "correlation id"},
}


def _streams(response_class: object) -> bool:
    return isinstance(response_class, type) and issubclass(response_class, EventSourceResponse)


def _as_json(answer: dict[str, Any]) -> dict[str, Any]:
    """A refusal of an event stream, documented as what it is: JSON (FastAPI would
    document a response model in the route's own media type)."""
    model = answer.get("model")
    if model is None:
        return answer
    documented = {key: value for key, value in answer.items() if key != "model"}
    documented["content"] = {"application/json": {"schema": model.model_json_schema()}}
    return documented


def _permission(endpoint: Callable[..., Any]) -> Permission | None:
    """The action a route's endpoint declares, by a parameter that depends on it."""
    for parameter in get_typed_signature(endpoint).parameters.values():
        markers = [parameter.default, *getattr(parameter.annotation, "__metadata__", ())]
        for marker in markers:
            if isinstance(marker, DependsParam) and isinstance(marker.dependency, Permission):
                return marker.dependency
    return None


class CommandRoute(APIRoute):
    """Every route of a service: documents the action it is, the roles that may take it and
    the refusals it may answer; its POST and PUT take an Idempotency-Key."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *,
                 methods: set[str] | list[str] | None = None,
                 dependencies: Sequence[DependsParam] | None = None,
                 responses: dict[int | str, dict[str, Any]] | None = None,
                 openapi_extra: dict[str, Any] | None = None,
                 description: str | None = None, **kwargs: Any) -> None:
        self.is_command = bool(COMMAND_METHODS & set(methods or ()))
        self.permission = _permission(endpoint)
        if self.is_command and not any(d.dependency is idempotency_key
                                       for d in dependencies or ()):
            # Signed in first (FastAPI runs a dependency once per request): a kept key says
            # nothing to a request without a token.
            signed_in = [Depends(self.permission)] if self.permission is not None else []
            dependencies = [*signed_in, *(dependencies or ()), Depends(idempotency_key)]
        if self.permission is not None:
            responses = {**self._refusals(path, self.permission), **(responses or {})}
            openapi_extra = {**(openapi_extra or {}),
                             "x-casetrail-access": self.permission.openapi()}
            description = "\n\n".join(filter(None, [
                description or inspect.cleandoc(endpoint.__doc__ or ""),
                f"**Who may** {self.permission.what}: {self.permission.who_may()}."]))
        if _streams(kwargs.get("response_class")):
            responses = {code: _as_json(answer) for code, answer in (responses or {}).items()}
        super().__init__(path, endpoint, methods=methods, dependencies=dependencies,
                         responses=responses, openapi_extra=openapi_extra,
                         description=description, **kwargs)

    def _refusals(self, path: str, permission: Permission) -> dict[int | str, dict[str, Any]]:
        refusals: dict[int | str, dict[str, Any]] = {
            401: {"model": Problem, "description": "no bearer token, or one that does not "
                                                   "verify (issuer, audience, expiry)"},
            403: {"model": Problem, "description": f"the role or its relation to the case "
                                                   f"does not allow it: {permission.who_may()}"},
        }
        if "{" in path:
            refusals[404] = {"model": Problem, "description": "no such record here"}
        if self.is_command:
            refusals[409] = {"model": Problem, "description": "the case's state does not "
                                                             "allow it, or the same "
                                                             "Idempotency-Key is in progress"}
        return refusals

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if not self.is_command:
            return handle

        async def answered_once(request: Request) -> Response:
            commands = _keyed_commands(request)
            slot = idempotency.KeyedRequest()
            token = idempotency.keyed.set(slot)
            answer: idempotency.Answer | None = None
            try:
                if IDEMPOTENCY_KEY in request.headers:
                    # Kept for the fingerprint: a form (an upload) is parsed from the stream.
                    # Its size is bounded as it streams in (casetrail/request_limits.py).
                    await request.body()
                response = await handle(request)
                answer = idempotency.Answer(
                    response.status_code, response.media_type or "application/json",
                    bytes(response.body).decode(),
                    {name: value for name, value in response.headers.items()
                     if name in idempotency.KEPT_HEADERS})
            except Replayed as replayed:
                return Response(replayed.answer.body, replayed.answer.status,
                                media_type=replayed.answer.media_type,
                                headers={**replayed.answer.headers,
                                         "Idempotent-Replayed": "true"})
            finally:
                idempotency.keyed.reset(token)
                if slot.holding:
                    slot.answer(answer)  # None (the route failed): nothing is committed
                    if slot.finishing is not None:
                        await slot.finishing
                if slot.request_id is not None:
                    commands.in_progress.discard(slot.request_id)
            if slot.holding and not slot.committed:
                return JSONResponse(status_code=503, content={
                    "detail": "the command was not saved; send it again with its key"})
            return response

        return answered_once

"""A server span for each HTTP request, named by its route's template, never its values.

Only the method, the route, the status and a case id taken from the path are recorded: not
the query, the client's address or any header, any of which may carry personal data.
"""

from __future__ import annotations

from uuid import UUID

from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casetrail import tracing

# FastAPI's own telemetry, off: its server span records the path's values (a student's
# school id) and the query, and it logs exceptions with their messages. This module's span
# stands in its place.
NO_FRAMEWORK_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                                           "operation_spans": False}
# Probed every few seconds by supervisors: a span each would bury the cases' traces.
UNTRACED_PREFIXES = ("/health", "/docs", "/redoc", "/openapi.json", "/static")

# Unauthenticated, forbidden, rate-limited.
REFUSED = frozenset({401, 403, 429})


class TracedRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTRACED_PREFIXES):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        # A caller's own trace is linked to, not continued (tracing's docstring says why).
        outside = next((value.decode("latin-1") for key, value in scope["headers"]
                       if key == b"traceparent"), None)
        status: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        with tracing.span(method, kind=SpanKind.SERVER, linked=outside,
                          attributes={"http.request.method": method}) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                # The router puts the route it matched into the scope.
                template = getattr(scope.get("route"), "path_format", None)
                if template:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                if status:
                    span.set_attribute("http.response.status_code", status[0])
                # A refused request did nothing to the case: not counted in its traces.
                refused = bool(status) and status[0] in REFUSED
                if not refused and (case_id := _case_id(scope)) is not None:
                    tracing.note_case(case_id)


def _case_id(scope: Scope) -> UUID | None:
    """The path's case id, if it is one (a mistyped path may hold anything)."""
    raw = scope.get("path_params", {}).get("case_id")
    try:
        return UUID(str(raw)) if raw is not None else None
    except ValueError:
        return None


def traced(app: ASGIApp) -> ASGIApp:
    """The app with a span per request while tracing is on; the app itself otherwise."""
    return TracedRequests(app) if tracing.enabled() else app

"""The auditor's view of a case: the trail as it stood at a moment chosen with a slider
over its events, each service's store beside CASES, the verification in the incident
report, and who read the case and who was told (supervision's AuditEvents)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.application import Answer
from services.console.domain.audit_log import audit_rows
from services.console.domain.trail_slider import moment_of, slider_of
from services.console.entrypoints.downloads import handed_on
from services.console.entrypoints.navigation import pages_of
from services.console.entrypoints.session import SignedIn, console_of

REPORT_FORMATS = ("html", "pdf")
LANGS = ("zh", "en")


def _trail_context(answer: Answer) -> dict[str, Any]:
    body = answer.body if answer.ok and isinstance(answer.body, dict) else None
    return {"trail": body, "refused": [] if body is not None else [answer]}


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/audit")
    async def audit(request: Request, session: SignedIn, case_id: str = "") -> Response:
        if case_id:
            try:
                return RedirectResponse(f"/audit/cases/{UUID(case_id.strip())}",
                                        status_code=303)
            except ValueError:
                pass
        return pages_of(request).render(request, "audit.html", {
            "session": session, "not_an_id": bool(case_id)})

    @router.get("/audit/cases/{case_id}")
    async def case(request: Request, case_id: UUID, session: SignedIn,
                   step: int | None = None) -> Response:
        """The whole trail first, for the slider's stops; then, for a stop before the
        last, the trail as it stood then."""
        console = console_of(request)
        whole, log = await asyncio.gather(
            console.trail(session.token, case_id, None),
            console.audit_events(session.token, case_id))
        events = whole.body.get("events", []) if whole.ok and isinstance(whole.body,
                                                                          dict) else []
        slider = slider_of(events, step)
        shown = whole
        if slider.at is not None and slider.chosen < slider.last:
            shown = await console.trail(session.token, case_id, slider.at)
        return pages_of(request).render(request, "audit_case.html", {
            "session": session, "case_id": case_id, "slider": slider,
            "log": audit_rows(log.body) if log.ok else None,
            "log_refused": [] if log.ok else [log],
            "formats": REPORT_FORMATS, "langs": LANGS,
            "position": (slider.chosen + 1, len(slider.stops)), **_trail_context(shown)})

    @router.get("/audit/cases/{case_id}/as-of")
    async def as_of(request: Request, case_id: UUID, session: SignedIn, step: int = 0,
                    moments: str = "") -> Response:
        """The slider's stop: the trail at the moment it carried back."""
        at = moment_of(moments, step) or datetime.now(UTC)
        answer = await console_of(request).trail(session.token, case_id, at)
        return pages_of(request).render(request, "audit_trail.html", {
            "session": session, "case_id": case_id,
            "position": (step + 1, len(moments.split())), **_trail_context(answer)})

    @router.get("/audit/cases/{case_id}/report.{fmt}")
    async def report(request: Request, case_id: UUID, fmt: str, session: SignedIn,
                     lang: str = "zh") -> Response:
        if fmt not in REPORT_FORMATS or lang not in LANGS:
            return Response(status_code=404)
        answer = await console_of(request).incident_report(session.token, case_id, fmt, lang)
        return handed_on(answer) or pages_of(request).render(request, "refused_page.html", {
            "session": session, "refused": [answer]}, status=answer.status)

    return router

"""The console's pages: the worklist (live), reporting a concern, a case and the steps of its
workflow. Each route parses, asks the application and draws the answer; the services decide."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.application import REFER, NoSuchAction
from services.console.domain.actions import ACTIONS, CASE_ACTIONS, REPORT_CONCERN
from services.console.domain.worklist import STATES, TIERS, WorklistFilter
from services.console.entrypoints.navigation import HOME, form_values, moved, pages_of
from services.console.entrypoints.session import (
    FormSession,
    Session,
    SignedIn,
    console_of,
    new_key,
)


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home() -> Response:
        return RedirectResponse(HOME, status_code=303)

    @router.get("/worklist")
    async def worklist(request: Request, session: SignedIn) -> Response:
        return await _worklist(request, session, "worklist.html")

    @router.get("/worklist/rows")
    async def worklist_rows(request: Request, session: SignedIn) -> Response:
        return await _worklist(request, session, "worklist_rows.html")

    async def _worklist(request: Request, session: Session, template: str) -> Response:
        chosen = WorklistFilter.of(request.query_params)
        rows, refused = await console_of(request).worklist(session.token, chosen)
        return pages_of(request).render(request, template, {
            "session": session, "rows": rows, "refused": refused, "chosen": chosen,
            "states": STATES, "tiers": TIERS, "query": request.url.query})

    @router.get("/report")
    async def report_page(request: Request, session: SignedIn) -> Response:
        form = await console_of(request).form(session.token, REPORT_CONCERN.name, None)
        return pages_of(request).render(request, "report.html", {
            "session": session, "form": form, "key": new_key()})

    @router.post("/report")
    async def report(request: Request, session: FormSession) -> Response:
        values, key = await form_values(request)
        outcome = await console_of(request).act(session.token, REPORT_CONCERN.name, None,
                                                values, key)
        if outcome.done and outcome.answer is not None:
            case_id = outcome.answer.body.get("case_id") if isinstance(
                outcome.answer.body, dict) else None
            return moved(request, f"/cases/{case_id}?done=report_concern" if case_id
                         else "/worklist?done=report_concern")
        return pages_of(request).render(request, "report.html", {
            "session": session, "form": outcome.form, "key": key}, status=200)

    @router.get("/cases/{case_id}")
    async def case_page(request: Request, case_id: UUID, session: SignedIn,
                        done: str = "") -> Response:
        case = await console_of(request).case(session.token, case_id)
        return pages_of(request).render(request, "case.html", {
            "session": session, "case": case, "actions": CASE_ACTIONS,
            "done": done if done in ACTIONS else ""})

    @router.get("/cases/{case_id}/actions/{name}")
    async def action_form(request: Request, case_id: UUID, name: str,
                          session: SignedIn) -> Response:
        console = console_of(request)
        try:
            case = await console.step_case(session.token, name, case_id)
            form = await console.form(session.token, name, case)
        except NoSuchAction:
            return Response(status_code=404)
        return pages_of(request).render(request, "action_form.html", {
            "session": session, "case": case, "form": form, "key": new_key()})

    @router.post("/cases/{case_id}/actions/refer/preview")
    async def packet_preview(request: Request, case_id: UUID,
                             session: FormSession) -> Response:
        console = console_of(request)
        case = await console.step_case(session.token, REFER, case_id)
        values, _ = await form_values(request)
        shown = await console.packet_preview(session.token, case, values)
        return pages_of(request).render(request, "packet_preview.html", {"shown": shown})

    @router.post("/cases/{case_id}/actions/{name}")
    async def act(request: Request, case_id: UUID, name: str,
                  session: FormSession) -> Response:
        console = console_of(request)
        values, key = await form_values(request)
        try:
            case = await console.step_case(session.token, name, case_id)
            outcome = await console.act(session.token, name, case, values, key)
        except NoSuchAction:
            return Response(status_code=404)
        if outcome.done:
            return moved(request, f"/cases/{case_id}?done={quote(name)}")
        # Refused: the same form again, with the same key, so that sending it again after
        # a correction is still the one step.
        return pages_of(request).render(request, "action_form.html", {
            "session": session, "case": case, "form": outcome.form,
            "key": new_key() if outcome.form.key_spent else key, "answer": outcome.answer})

    return router


"""The console's pages: sign-in, the worklist (live), a case and the steps of its workflow.
Each route parses, asks the application and draws the answer; the services decide."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casetrail.identity.tokens import Unauthenticated
from services.console.application import NoSuchAction, ProviderRefused
from services.console.domain.actions import ACTIONS, CASE_ACTIONS, REPORT_CONCERN
from services.console.domain.worklist import STATES, TIERS, WorklistFilter
from services.console.entrypoints.rendering import LANGUAGE_COOKIE, LANGUAGES, Pages
from services.console.entrypoints.session import (
    FormSession,
    Session,
    SignedIn,
    begin,
    console_of,
    end,
    new_key,
)

PRESESSION_COOKIE = "console_presession"
FLOW_COOKIE = "console_sign_in_flow"


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _local(target: str) -> str:
    """Only a path of this console is a place to return to after signing in."""
    return target if target.startswith("/") and not target.startswith("//") else "/worklist"


def _redirect(request: Request, target: str) -> Response:
    """A full page's move: htmx follows HX-Redirect, a plain form the 303."""
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _values(form: Any) -> dict[str, list[str]]:
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home() -> Response:
        return RedirectResponse("/worklist", status_code=303)

    @router.get("/sign-in")
    async def sign_in_page(request: Request, next: str = "/worklist",
                           reason: str = "") -> Response:
        presession = secrets.token_urlsafe(16)
        page = pages_of(request).render(request, "sign_in.html", {
            "next": _local(next), "reason": reason, "presession": presession,
            "built_in": console_of(request).passwords is not None,
            "provider": console_of(request).provider is not None})
        page.set_cookie(PRESESSION_COOKIE, presession, httponly=True, samesite="strict",
                        max_age=900, secure=request.app.state.secure_cookies)
        return page

    @router.post("/sign-in")
    async def sign_in(request: Request, name: Annotated[str, Form(max_length=64)],
                      password: Annotated[str, Form(max_length=256)],
                      presession: Annotated[str, Form(max_length=64)] = "",
                      next: Annotated[str, Form(max_length=500)] = "/worklist") -> Response:
        expected = request.cookies.get(PRESESSION_COOKIE, "")
        console = console_of(request)
        failed = None
        if not expected or not secrets.compare_digest(expected, presession):
            failed = "forged"
        else:
            try:
                token = console.sign_in(name, password)
            except (ValueError, LookupError):
                failed = "wrong"
        if failed is not None:
            page = pages_of(request).render(request, "sign_in.html", {
                "next": _local(next), "failed": failed, "presession": expected,
                "built_in": console.passwords is not None, "name": name,
                "provider": console.provider is not None}, status=401)
            return page
        response = RedirectResponse(_local(next), status_code=303)
        begin(response, token, request.app.state.secure_cookies)
        response.delete_cookie(PRESESSION_COOKIE)
        return response

    @router.get("/sign-in/provider")
    async def provider_sign_in(request: Request, next: str = "/worklist") -> Response:
        try:
            start = await console_of(request).begin_provider_sign_in(
                request.app.state.redirect_url)
        except LookupError:
            return RedirectResponse("/sign-in", status_code=303)
        response = RedirectResponse(start.url, status_code=303)
        # Lax: it must come back with the provider's redirect, a navigation from its site.
        response.set_cookie(FLOW_COOKIE, f"{start.state} {start.verifier} {_local(next)}",
                            max_age=600, httponly=True, samesite="lax",
                            secure=request.app.state.secure_cookies, path="/sign-in")
        return response

    @router.get("/sign-in/callback")
    async def provider_callback(request: Request, code: str = "", state: str = "",
                                error: str = "") -> Response:
        held = request.cookies.get(FLOW_COOKIE, "").split(" ")
        console = console_of(request)
        context: dict[str, Any] = {"next": "/worklist", "presession": "",
                                   "built_in": console.passwords is not None,
                                   "provider": console.provider is not None}
        if len(held) != 3 or error or not code or not secrets.compare_digest(held[0], state):
            return pages_of(request).render(request, "sign_in.html",
                                            {**context, "failed": "provider"}, status=401)
        try:
            token, _ = await console.finish_provider_sign_in(code, held[1],
                                                             request.app.state.redirect_url)
        except (ProviderRefused, Unauthenticated):
            return pages_of(request).render(request, "sign_in.html",
                                            {**context, "failed": "provider"}, status=401)
        # A page of this site moves on, not a redirect: a SameSite=Strict cookie is not sent
        # on a redirect that a navigation from the provider's site began.
        response = pages_of(request).render(request, "signed_in.html", {"next": held[2]})
        begin(response, token, request.app.state.secure_cookies)
        response.delete_cookie(FLOW_COOKIE, path="/sign-in")
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request, session: FormSession) -> Response:
        response = RedirectResponse("/sign-in", status_code=303)
        end(response, request.app.state.secure_cookies)
        return response

    @router.get("/language/{language}")
    async def language(request: Request, language: str, next: str = "/worklist") -> Response:
        response = RedirectResponse(_local(next), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                                samesite="lax", secure=request.app.state.secure_cookies)
        return response

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
        values = _values(await request.form())
        key = next(iter(values.pop("idempotency_key", ())), new_key())
        outcome = await console_of(request).act(session.token, REPORT_CONCERN.name, None,
                                                values, key)
        if outcome.done and outcome.answer is not None:
            case_id = outcome.answer.body.get("case_id") if isinstance(
                outcome.answer.body, dict) else None
            return _redirect(request, f"/cases/{case_id}?done=report_concern" if case_id
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
        case = await console.case(session.token, case_id)
        try:
            form = await console.form(session.token, name, case)
        except NoSuchAction:
            return Response(status_code=404)
        return pages_of(request).render(request, "action_form.html", {
            "session": session, "case": case, "form": form, "key": new_key()})

    @router.post("/cases/{case_id}/actions/refer/preview")
    async def packet_preview(request: Request, case_id: UUID,
                             session: FormSession) -> Response:
        console = console_of(request)
        case = await console.case(session.token, case_id)
        shown = await console.packet_preview(session.token, case,
                                             _values(await request.form()))
        return pages_of(request).render(request, "packet_preview.html", {"shown": shown})

    @router.post("/cases/{case_id}/actions/{name}")
    async def act(request: Request, case_id: UUID, name: str,
                  session: FormSession) -> Response:
        console = console_of(request)
        values = _values(await request.form())
        key = next(iter(values.pop("idempotency_key", ())), new_key())
        case = await console.case(session.token, case_id)
        try:
            outcome = await console.act(session.token, name, case, values, key)
        except NoSuchAction:
            return Response(status_code=404)
        if outcome.done:
            return _redirect(request, f"/cases/{case_id}?done={quote(name)}")
        # Refused: the same form again, with the same key, so that sending it again after
        # a correction is still the one step.
        return pages_of(request).render(request, "action_form.html", {
            "session": session, "case": case, "form": outcome.form, "key": key,
            "answer": outcome.answer})

    return router


def sign_in_redirect(request: Request, reason: str) -> Response:
    target = f"/sign-in?next={quote(request.url.path)}"
    if reason:
        target += f"&reason={quote(reason[:200])}"
    return _redirect(request, target)

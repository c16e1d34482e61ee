"""Signing in and out: with a password of the built-in issuer's users, or at the school's
OpenID Connect provider; and the language a person reads the pages in."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from casetrail.identity.tokens import Unauthenticated
from services.console.application import ProviderRefused, TooManyAttempts
from services.console.entrypoints.navigation import HOME, local_path, moved, page_path, pages_of
from services.console.entrypoints.rendering import LANGUAGE_COOKIE, LANGUAGES
from services.console.entrypoints.session import FormSession, begin, console_of, end

PRESESSION_COOKIE = "console_presession"
FLOW_COOKIE = "console_sign_in_flow"


def _sign_in_page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    """The sign-in page with a fresh pre-session token, which its form must send back (a
    sign-in forged from another site has neither)."""
    console = console_of(request)
    presession = secrets.token_urlsafe(16)
    page = pages_of(request).render(request, "sign_in.html", {
        "next": HOME, "presession": presession, "built_in": console.passwords is not None,
        "provider": console.provider is not None, **context}, status=status)
    page.set_cookie(PRESESSION_COOKIE, presession, httponly=True, samesite="strict",
                    max_age=900, secure=request.app.state.secure_cookies)
    return page


def _flow_failed(request: Request) -> Response:
    page = _sign_in_page(request, {"failed": "provider"}, status=401)
    page.delete_cookie(FLOW_COOKIE, path="/sign-in")
    return page


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/sign-in")
    async def sign_in_page(request: Request, next: str = HOME, reason: str = "") -> Response:
        return _sign_in_page(request, {"next": local_path(next), "reason": reason})

    @router.post("/sign-in")
    async def sign_in(request: Request, name: Annotated[str, Form(max_length=64)],
                      password: Annotated[str, Form(max_length=256)],
                      presession: Annotated[str, Form(max_length=64)] = "",
                      next: Annotated[str, Form(max_length=500)] = HOME) -> Response:
        expected = request.cookies.get(PRESESSION_COOKIE, "")
        failed = None
        if not expected or not secrets.compare_digest(expected, presession):
            failed = "forged"
        else:
            try:
                token = console_of(request).sign_in(name, password)
            except TooManyAttempts:
                failed = "throttled"
            except (ValueError, LookupError):
                failed = "wrong"
        if failed is not None:
            return _sign_in_page(request, {"next": local_path(next), "failed": failed,
                                           "name": name}, status=401)
        response = RedirectResponse(local_path(next), status_code=303)
        begin(response, token, request.app.state.secure_cookies)
        response.delete_cookie(PRESESSION_COOKIE)
        return response

    @router.get("/sign-in/provider")
    async def provider_sign_in(request: Request, next: str = HOME) -> Response:
        try:
            start = await console_of(request).begin_provider_sign_in(
                request.app.state.redirect_url)
        except (LookupError, ProviderRefused):
            return _flow_failed(request)
        response = RedirectResponse(start.url, status_code=303)
        flow = json.dumps({"state": start.state, "verifier": start.verifier,
                           "next": local_path(next)})
        # Lax: it must come back with the provider's redirect, a navigation from its site.
        response.set_cookie(FLOW_COOKIE, flow, max_age=600, httponly=True, samesite="lax",
                            secure=request.app.state.secure_cookies, path="/sign-in")
        return response

    @router.get("/sign-in/callback")
    async def provider_callback(request: Request, code: str = "", state: str = "",
                                error: str = "") -> Response:
        try:
            held = json.loads(request.cookies.get(FLOW_COOKIE, ""))
            held_state, verifier, target = held["state"], held["verifier"], held["next"]
        except (ValueError, KeyError, TypeError):
            return _flow_failed(request)
        if error or not code or not secrets.compare_digest(str(held_state), state):
            return _flow_failed(request)
        try:
            token = await console_of(request).finish_provider_sign_in(
                code, str(verifier), request.app.state.redirect_url)
        except (ProviderRefused, Unauthenticated):
            return _flow_failed(request)
        # A page of this site moves on, not a redirect: a SameSite=Strict cookie is not sent
        # on a redirect that a navigation from the provider's site began.
        response = pages_of(request).render(request, "signed_in.html",
                                            {"next": local_path(str(target))})
        begin(response, token, request.app.state.secure_cookies)
        response.delete_cookie(FLOW_COOKIE, path="/sign-in")
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request, session: FormSession) -> Response:
        response = RedirectResponse("/sign-in", status_code=303)
        end(response, request.app.state.secure_cookies)
        return response

    @router.get("/language/{language}")
    async def language(request: Request, language: str, next: str = HOME) -> Response:
        response = RedirectResponse(local_path(next), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                                samesite="lax", secure=request.app.state.secure_cookies)
        return response

    return router


def sign_in_redirect(request: Request, reason: str) -> Response:
    """To the sign-in page, and back to the page the person was on once signed in."""
    target = f"/sign-in?next={quote(page_path(request))}"
    if reason:
        target += "&reason=expired"
    return moved(request, target)

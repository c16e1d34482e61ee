"""Who is signed in: the person's bearer token in an HttpOnly, SameSite=Strict cookie, which
the console verifies as the services do and sends on with every call. Each form carries a
token bound to the session (CSRF), and each step its own idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, Form, Request
from fastapi.responses import Response

from casetrail.identity.principal import Principal
from casetrail.identity.tokens import Unauthenticated
from services.console.application import Console

SESSION_COOKIE = "console_session"


class SignInFirst(Exception):
    """No session, or its token no longer verifies (expired, or signed by no known key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ForgedForm(Exception):
    """A form sent without this session's CSRF token."""


@dataclass(frozen=True)
class Session:
    token: str
    principal: Principal
    csrf: str


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def csrf_for(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()[:32]


def signed_in(request: Request) -> Session:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInFirst("")
    try:
        principal = console_of(request).tokens.principal(token)
    except Unauthenticated as error:
        raise SignInFirst(str(error)) from None
    return Session(token, principal, csrf_for(request.app.state.secret, token))


SignedIn = Annotated[Session, Depends(signed_in)]


def checked_form(session: SignedIn, csrf: Annotated[str, Form()] = "") -> Session:
    """The session of a form that carries its CSRF token; refused otherwise."""
    if not hmac.compare_digest(csrf, session.csrf):
        raise ForgedForm
    return session


FormSession = Annotated[Session, Depends(checked_form)]


def begin(response: Response, token: str, secure: bool) -> None:
    """The session cookie, lasting as long as the token does."""
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    max_age = int(expires - datetime.now(UTC).timestamp()) if expires else 3600
    response.set_cookie(SESSION_COOKIE, token, max_age=max(max_age, 0), httponly=True,
                        samesite="strict", secure=secure, path="/")


def end(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=secure)


def new_key() -> str:
    """An idempotency key for one form as it is drawn."""
    return secrets.token_urlsafe(16)

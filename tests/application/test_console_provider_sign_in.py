"""A school with its own OpenID Connect provider: people sign in to the console there (the
authorization code flow with PKCE), and the console holds the provider's token only once it
verifies it as the services will."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from jwt.algorithms import OKPAlgorithm

from services.console.adapters.openid_provider import OpenIdProvider
from services.console.bootstrap import build
from services.console.config import ConsoleSettings
from services.console.entrypoints.session import SESSION_COOKIE
from tests.console_fakes import FakeServices

ISSUER = "https://idp.school.test"
CALLBACK = "http://console.test/sign-in/callback"


class SchoolProvider:
    """A provider as a school runs one: it signs whoever it is told signed in."""

    def __init__(self, key_file: Path) -> None:
        self.key = Ed25519PrivateKey.generate()
        public = json.loads(OKPAlgorithm.to_jwk(self.key.public_key()))
        key_file.write_text(json.dumps({"keys": [public | {"kid": "k1", "alg": "EdDSA"}]}))
        self.codes: dict[str, str] = {}  # code -> PKCE challenge
        self.role = "crisis_team"
        self.app = self._app()

    def token(self, **claims: Any) -> str:
        now = datetime.now(UTC)
        payload = {"iss": ISSUER, "aud": "casetrail", "sub": "t-wang", "role": self.role,
                   "school": "school-1", "iat": now, "exp": now + timedelta(hours=1)}
        return jwt.encode(payload | claims, self.key, algorithm="EdDSA",
                          headers={"kid": "k1"})

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, str]:
            return {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token"}

        @app.get("/authorize")
        def authorize(redirect_uri: str, state: str, code_challenge: str,
                      code_challenge_method: str) -> RedirectResponse:
            assert code_challenge_method == "S256"
            code = secrets.token_urlsafe(8)
            self.codes[code] = code_challenge
            return RedirectResponse(f"{redirect_uri}?code={code}&state={state}")

        @app.post("/token")
        def token(code: str = Form(), code_verifier: str = Form()) -> dict[str, str]:
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if self.codes.pop(code, None) != challenge:
                raise HTTPException(400, "invalid_grant")
            return {"access_token": self.token(), "token_type": "Bearer"}

        return app


@pytest.fixture
def provider(tmp_path: Path) -> SchoolProvider:
    return SchoolProvider(tmp_path / "jwks.json")


@pytest.fixture
def console(provider: SchoolProvider, tmp_path: Path) -> TestClient:
    settings = ConsoleSettings(CASETRAIL_OIDC_ISSUER=ISSUER,
                               CASETRAIL_OIDC_JWKS_FILE=tmp_path / "jwks.json",
                               CASETRAIL_SCHOOL_ID="school-1", oidc_client_id="console",
                               oidc_redirect_url=CALLBACK)
    school = OpenIdProvider(ISSUER, "console", None, "openid", client=httpx.AsyncClient(
        transport=httpx.ASGITransport(provider.app), base_url=ISSUER))
    app = build(settings, FakeServices(), None, settings.token_verifier(), school)
    return TestClient(app, base_url="http://console.test", follow_redirects=False)


def through_the_provider(console: TestClient, provider: SchoolProvider) -> httpx.Response:
    """The browser's way: to the provider, and back with its code."""
    to_provider = console.get("/sign-in/provider?next=/report")
    assert to_provider.status_code == 303
    authorize = urlsplit(to_provider.headers["location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == ISSUER
    with TestClient(provider.app, base_url=ISSUER, follow_redirects=False) as idp:
        back = idp.get(f"{authorize.path}?{authorize.query}")
    callback = urlsplit(back.headers["location"])
    signed_in: httpx.Response = console.get(f"{callback.path}?{callback.query}")
    return signed_in


def test_a_teacher_signs_in_with_the_schools_provider(console: TestClient,
                                                      provider: SchoolProvider) -> None:
    page = console.get("/sign-in")
    assert 'data-test="provider"' in page.text
    assert 'name="password"' not in page.text  # no password is asked here

    signed_in = through_the_provider(console, provider)

    assert signed_in.status_code == 200
    assert console.cookies.get(SESSION_COOKIE)
    assert 'url=/report' in signed_in.text


def test_the_flow_asks_for_a_pkce_challenge(console: TestClient) -> None:
    query = parse_qs(urlsplit(console.get("/sign-in/provider").headers["location"]).query)

    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [CALLBACK]
    assert len(query["state"][0]) >= 20


def test_a_callback_with_another_state_signs_nobody_in(console: TestClient,
                                                       provider: SchoolProvider) -> None:
    console.get("/sign-in/provider")

    forged = console.get("/sign-in/callback?code=stolen&state=someone-elses")

    assert forged.status_code == 401
    assert not console.cookies.get(SESSION_COOKIE)


def test_a_token_for_another_audience_signs_nobody_in(console: TestClient,
                                                      provider: SchoolProvider,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider, "token", lambda: SchoolProvider.token(provider, aud="mail"))

    refused = through_the_provider(console, provider)

    assert refused.status_code == 401
    assert not console.cookies.get(SESSION_COOKIE)

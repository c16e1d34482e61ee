"""The school's OpenID Connect provider: the authorization code flow with PKCE (RFC 7636),
its endpoints read from the provider's discovery document."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx

from services.console.application.ports import ProviderRefused, SignInStart


class OpenIdProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None, scope: str,
                 client: httpx.AsyncClient | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.client = client or httpx.AsyncClient(timeout=10.0)
        self._discovery: dict[str, Any] | None = None

    async def _endpoints(self) -> dict[str, Any]:
        if self._discovery is None:
            try:
                response = await self.client.get(
                    f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                discovery = response.json()
            except (httpx.HTTPError, ValueError):
                raise ProviderRefused("the provider does not answer") from None
            # OpenID Connect Discovery 1.0 §4.3: the document is the issuer's own.
            if not isinstance(discovery, dict) or discovery.get("issuer") != self.issuer:
                raise ProviderRefused("the provider's document names another issuer")
            self._discovery = discovery
        return self._discovery

    async def close(self) -> None:
        await self.client.aclose()

    async def begin(self, redirect_uri: str) -> SignInStart:
        endpoints = await self._endpoints()
        state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urlencode({"response_type": "code", "client_id": self.client_id,
                           "redirect_uri": redirect_uri, "scope": self.scope,
                           "state": state, "code_challenge": challenge,
                           "code_challenge_method": "S256"})
        return SignInStart(f"{endpoints['authorization_endpoint']}?{query}", state, verifier)

    async def finish(self, code: str, verifier: str, redirect_uri: str) -> str:
        endpoints = await self._endpoints()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "client_id": self.client_id,
                "code_verifier": verifier}
        # A confidential client authenticates (client_secret_basic); a public one has PKCE.
        auth = (httpx.BasicAuth(self.client_id, self.client_secret) if self.client_secret
                else httpx.USE_CLIENT_DEFAULT)
        try:
            response = await self.client.post(endpoints["token_endpoint"], data=form,
                                              auth=auth)
            answer = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            raise ProviderRefused("the provider does not answer") from None
        if not isinstance(answer, dict):
            raise ProviderRefused(f"the provider refused the sign-in ({response.status_code})")
        token = answer.get("access_token")
        if not isinstance(token, str):
            raise ProviderRefused("the provider answered no access token")
        return token

"""What the console needs of the outside, as its application declares it: the services'
public APIs, the built-in issuer's passwords, the school's OpenID Connect provider, and the
verification of a token. `bootstrap.py` passes the adapters in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from casetrail.identity.principal import Principal

# What the stream of worklist changes says besides a case's id.
OPENED, EXPIRED = "opened", "expired"


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the parsed JSON, or the bytes of a file
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        """What a refusal says (`detail` of the services' JSON errors)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("detail"), str):
            return str(self.body["detail"])
        return f"HTTP {self.status}"


class ServiceUnavailable(Exception):
    """A service does not answer just now (its API description cannot be read)."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class Services(Protocol):
    """The services' public APIs, asked as the bearer of `token`."""

    async def call(self, call: Call, token: str) -> Answer: ...

    async def openapi(self, service: str) -> Mapping[str, Any]: ...

    def changes(self, token: str) -> AsyncIterator[str]:
        """`OPENED` once supervision's stream of the reader's worklist is open (nothing if it
        refuses), then the id of each case as it changes, and `EXPIRED` when the token
        does, until the connection ends."""
        ...

    async def close(self) -> None: ...


class Passwords(Protocol):
    """The built-in issuer: a name and password for a signed token (ValueError if wrong)."""

    def sign_in(self, name: str, password: str) -> str: ...

    def staff(self, school: str) -> list[tuple[str, str]]:
        """The ids of the school's people who sign in here, each with their login name."""
        ...


@dataclass(frozen=True)
class SignInStart:
    """Where to send the browser, and what to hold until it comes back."""

    url: str
    state: str
    verifier: str  # PKCE's code verifier


class ProviderRefused(Exception):
    """The provider did not give a token for the code."""


class Provider(Protocol):
    """The school's OpenID Connect provider: the authorization code flow with PKCE."""

    async def begin(self, redirect_uri: str) -> SignInStart: ...

    async def finish(self, code: str, verifier: str, redirect_uri: str) -> str:
        """The access token (aud `casetrail`) for the code the provider sent back."""
        ...

    async def close(self) -> None: ...


class Tokens(Protocol):
    """Who a token says acts, verified as the services verify it (raises Unauthenticated)."""

    def principal(self, token: str) -> Principal: ...

"""Bearer tokens: a JWT verified against the issuer's keys (JWKS), issuer, audience and
expiry, and what its claims say of who is acting.

In production the issuer is the school's or district's OpenID Connect provider, its keys
fetched from its JWKS URL; by default, the built-in issuer (`casetrail users`), whose public
keys `casetrail up` writes under `data/secrets/issuer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from casetrail.identity.principal import Principal
from contracts.codes import Role

SUBJECT = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# A school or receiver id: what the directories use.
DIRECTORY_ID = SUBJECT


class Unauthenticated(Exception):
    """No token, or one that cannot be trusted (401); the reason names no value from it."""


@dataclass(frozen=True)
class Claims:
    """Which claims carry the role, the school and the receiver (a provider's names)."""

    role: str = "role"
    school: str = "school"
    receiver: str = "receiver"


class KeySource:
    """The issuer's public keys: from its JWKS URL (cached, refetched for an unknown key id)
    or from a JWKS file (read again when it changes)."""

    def __init__(self, *, url: str | None = None, file: Path | None = None) -> None:
        if (url is None) == (file is None):
            raise ValueError("keys come from a JWKS URL or a JWKS file, one of them")
        self._client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300) if url else None
        self._file = file
        self._read: tuple[tuple[int, int, int], jwt.PyJWKSet] | None = None

    def key_for(self, token: str) -> jwt.PyJWK:
        if self._client is not None:
            try:
                return self._client.get_signing_key_from_jwt(token)
            except jwt.PyJWKClientError as error:
                raise Unauthenticated(f"the issuer's key for this token: {error}") from None
        kid = jwt.get_unverified_header(token).get("kid")
        for fresh in (False, True):  # an unknown key id: the file may be newer than it says
            keys = self._keys(fresh)
            try:
                return keys[kid] if kid else keys.keys[0]
            except (KeyError, IndexError):
                continue
        raise Unauthenticated("the token is signed with a key the issuer does not publish")

    def _keys(self, fresh: bool) -> jwt.PyJWKSet:
        assert self._file is not None
        try:
            seen = self._file.stat()
        except FileNotFoundError:
            raise Unauthenticated("this service has no issuer keys yet (is the issuer set "
                                  "up? `casetrail up` makes them)") from None
        # A key file replaced within the clock's resolution keeps its mtime, not its inode.
        changed = (seen.st_mtime_ns, seen.st_size, seen.st_ino)
        if fresh or self._read is None or self._read[0] != changed:
            self._read = (changed, jwt.PyJWKSet.from_json(self._file.read_text()))
        return self._read[1]


# A credential of another kind than a JWT (a receiver's own bearer token), or None.
OtherCredentials = Callable[[str], Principal | None]


@dataclass
class TokenVerifier:
    issuer: str
    audience: str
    keys: KeySource
    algorithms: tuple[str, ...] = ("EdDSA", "ES256", "RS256")
    claims: Claims = Claims()
    leeway_seconds: int = 30
    other: OtherCredentials | None = None

    def principal(self, token: str) -> Principal:
        """Who the token says is acting, once its signature, issuer, audience and expiry
        hold; Unauthenticated otherwise."""
        if self.other is not None and token.count(".") != 2:
            found = self.other(token)
            if found is not None:
                return found
        try:
            payload = jwt.decode(
                token, self.keys.key_for(token), algorithms=list(self.algorithms),
                audience=self.audience, issuer=self.issuer, leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired: sign in again") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("the token is not meant for casetrail (audience)") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("the token is from another issuer") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthenticated(f"the token lacks the {error.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("the token is not a valid signed JWT") from None
        return self._principal(payload)

    def _principal(self, payload: dict[str, Any]) -> Principal:
        subject = payload["sub"]
        if not isinstance(subject, str) or not SUBJECT.match(subject):
            raise Unauthenticated("the token's subject is not an id casetrail records "
                                  "(letters, digits, _ . : -, at most 64)")
        try:
            role = Role(str(payload.get(self.claims.role)))
        except ValueError:
            raise Unauthenticated(f"the token's {self.claims.role!r} claim names no "
                                  "casetrail role") from None
        school = _directory_id(payload, self.claims.school)
        receiver = _directory_id(payload, self.claims.receiver)
        if role is Role.RECEIVER_LIAISON and receiver is None:
            raise Unauthenticated(f"a receiver's liaison token needs the "
                                  f"{self.claims.receiver!r} claim")
        return Principal(subject, role, school, receiver if role is Role.RECEIVER_LIAISON
                         else None)


# Where a request's scope keeps its verified token: (token, principal or why not).
VERIFIED = "casetrail.verified"


def verified_once(verifier: TokenVerifier, scope: MutableMapping[str, Any],
                  token: str) -> Principal:
    """The token's principal, verified once per request however many parts ask (the rate
    limit, the route's permission, a keyed command's caller); Unauthenticated otherwise."""
    kept = scope.get(VERIFIED)
    if kept is None or kept[0] != token:
        try:
            kept = (token, verifier.principal(token))
        except Unauthenticated as error:
            kept = (token, str(error))
        scope[VERIFIED] = kept
    if isinstance(kept[1], str):
        raise Unauthenticated(kept[1])
    principal: Principal = kept[1]
    return principal


def _directory_id(payload: dict[str, Any], claim: str) -> str | None:
    value = payload.get(claim)
    if value is None:
        return None
    if not isinstance(value, str) or not DIRECTORY_ID.match(value):
        raise Unauthenticated(f"the token's {claim!r} claim is not a directory id")
    return value


def expires_at(token: str) -> datetime | None:
    """When a token the gate has verified expires (its `exp`); None for a credential that
    is not a JWT (a receiver's own token), which the gate checks at each request."""
    if token.count(".") != 2:
        return None
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None

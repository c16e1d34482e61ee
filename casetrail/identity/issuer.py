"""The built-in issuer, for a school without its own OpenID Connect provider: an Ed25519
signing key and its public JWKS under `data/secrets/issuer`, and a directory of users who
sign in with a password (`casetrail users add`, `casetrail login`)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from casetrail.identity.principal import Principal
from casetrail.identity.tokens import DIRECTORY_ID
from contracts.codes import Role

ISSUER = "urn:casetrail:issuer"
AUDIENCE = "casetrail"
# Short-lived: a lost token is worth an hour at most.
TOKEN_LIFETIME = timedelta(hours=1)
LOGIN_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def issuer_dir(data_dir: Path) -> Path:
    return data_dir / "secrets" / "issuer"


def _private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(content)


class LocalIssuer:
    """Signs tokens with its key; the services verify them with `jwks.json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key_file = directory / "signing-key.pem"
        self.jwks_file = directory / "jwks.json"

    def _ensure_key(self) -> None:
        if not self.key_file.exists():
            key = Ed25519PrivateKey.generate()
            _private(self.key_file, key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))

    def ensure(self) -> LocalIssuer:
        """The signing key, made on first use, and its public half as a JWKS."""
        if not self.jwks_file.exists():
            public = json.loads(OKPAlgorithm.to_jwk(self._key.public_key()))
            public |= {"kid": self._kid, "use": "sig", "alg": "EdDSA"}
            self.jwks_file.write_text(json.dumps({"keys": [public]}, indent=2))
        return self

    @functools.cached_property
    def _key(self) -> Ed25519PrivateKey:
        self._ensure_key()
        key = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key

    @functools.cached_property
    def _kid(self) -> str:
        raw = self._key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()[:16]

    def issue(self, principal: Principal, lifetime: timedelta = TOKEN_LIFETIME) -> str:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": principal.subject,
                                  "iat": now, "nbf": now, "exp": now + lifetime,
                                  "role": principal.role.value}
        if principal.school:
            claims["school"] = principal.school
        if principal.receiver:
            claims["receiver"] = principal.receiver
        self.ensure()
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self._kid})


class UnknownUser(LookupError):
    """No such user, or not that password: the two are not told apart."""


@dataclass(frozen=True)
class User:
    name: str  # the login name, which stays in this directory
    id: str  # what the trail records as the actor
    role: Role
    school: str | None
    receiver: str | None = None

    def principal(self) -> Principal:
        return Principal(self.id, self.role, self.school, self.receiver)


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


class UserDirectory:
    """`data/secrets/users.json`: who may sign in, as whom; passwords kept as scrypt hashes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, data_dir: Path) -> UserDirectory:
        return cls(data_dir / "secrets" / "users.json")

    def _entries(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        entries: dict[str, dict[str, Any]] = json.loads(self.path.read_text())
        return entries

    def _save(self, entries: dict[str, dict[str, Any]]) -> None:
        _private(self.path, json.dumps(entries, indent=2, sort_keys=True).encode())

    def add(self, name: str, role: Role, school: str | None, *, receiver: str | None = None,
            user_id: str | None = None, password: str | None = None) -> tuple[User, str]:
        """A new user and their password (generated unless given): shown once, kept hashed."""
        if not LOGIN_NAME.match(name):
            raise ValueError("a login name is lower-case letters, digits, . _ - (at most 64)")
        for value, what in ((school, "school"), (receiver, "receiver"), (user_id, "id")):
            if value is not None and not DIRECTORY_ID.match(value):
                raise ValueError(f"a {what} is letters, digits, _ . : - (at most 64)")
        if role is Role.RECEIVER_LIAISON and receiver is None:
            raise ValueError("a receiver's liaison needs --receiver (its directory id)")
        if role not in (Role.RECEIVER_LIAISON, Role.DISTRICT_OFFICER, Role.AUDITOR,
                        Role.SYSTEM) and school is None:
            raise ValueError(f"a {role.value} acts for a school: give --school")
        entries = self._entries()
        if name in entries:
            raise ValueError(f"there is already a user {name!r}")
        user = User(name, user_id or f"u-{secrets.token_hex(6)}", role, school,
                    receiver if role is Role.RECEIVER_LIAISON else None)
        password = password or secrets.token_urlsafe(12)
        salt = secrets.token_bytes(16)
        entries[name] = {**asdict(user), "salt": salt.hex(),
                         "password": _hash(password, salt).hex()}
        self._save(entries)
        return user, password

    def users(self) -> list[User]:
        return [self._user(entry) for entry in self._entries().values()]

    def named(self, name: str) -> User | None:
        entry = self._entries().get(name)
        return self._user(entry) if entry else None

    def remove(self, name: str) -> bool:
        entries = self._entries()
        if entries.pop(name, None) is None:
            return False
        self._save(entries)
        return True

    def authenticate(self, name: str, password: str) -> User:
        entry = self._entries().get(name)
        if entry is None:
            _hash(password, b"\0" * 16)  # the same work either way
            raise UnknownUser(name)
        if not hmac.compare_digest(_hash(password, bytes.fromhex(entry["salt"])),
                                   bytes.fromhex(entry["password"])):
            raise UnknownUser(name)
        return self._user(entry)

    @staticmethod
    def _user(entry: dict[str, Any]) -> User:
        return User(entry["name"], entry["id"], Role(entry["role"]), entry.get("school"),
                    entry.get("receiver"))

"""A service's ledger key: the Ed25519 seed its checkpoints are signed with, and the name
and verifier key an auditor checks them by."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trailproof.note import verifier_key


def log_origin(school_id: str, service: str) -> str:
    """The name of a service's log, and of the key that signs its checkpoints."""
    return f"casetrail.{school_id}/{service}"


def signing_key_from(text: str) -> Ed25519PrivateKey:
    """A signing key as settings hold it: a 32-byte Ed25519 seed, base64."""
    seed = base64.b64decode(text, validate=True)
    if len(seed) != 32:
        raise ValueError("a ledger signing key is a 32-byte Ed25519 seed, base64-encoded")
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_signing_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def public_verifier_key(origin: str, signing_key: str) -> str:
    """The C2SP verifier key of the log, as auditors are given it."""
    return verifier_key(origin, signing_key_from(signing_key).public_key())


def read_ledger_keys(path: Path) -> dict[str, str]:
    """The verifier key of each service's log, one `service vkey` a line, as `casetrail up`
    writes them for auditors (and supervision) to pin."""
    return dict(line.split(maxsplit=1) for line in path.read_text().splitlines()
                if line.strip())

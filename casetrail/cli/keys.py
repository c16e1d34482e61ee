"""The secrets `casetrail up` makes for one machine, kept in the data directory.

From the environment when set there; otherwise made once and kept in `data/secrets`
(readable by this user only), so a restart reads what it wrote before.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from casetrail.ledger.signing import log_origin, new_signing_key, public_verifier_key
from casetrail.personal.vault import new_master_key
from contracts.envelope import SERVICES

RECEIVER_TOKENS = "REFERRAL_RECEIVER_TOKENS"
# The auditors' copy of every service's public ledger key, one `service vkey` a line.
LEDGER_KEYS_FILE = "ledger-keys.txt"
# The services that keep students' personal data, each under its own master key.
PERSONAL_DATA_SERVICES = ("intake", "assessment", "notification", "referral")


def kept_secret(directory: Path, variable: str, make: Callable[[], str]) -> str:
    if key := os.environ.get(variable):
        return key
    path = directory / "secrets" / variable.lower()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _receiver_ids() -> list[str]:
    """The receivers of referral's directory file (the one the service will read)."""
    configured = os.environ.get("REFERRAL_RECEIVERS_FILE")
    text = (Path(configured).read_text() if configured else
            resources.files("services.referral").joinpath("receivers.toml").read_text())
    return [str(receiver["id"]) for receiver in tomllib.loads(text)["receivers"]]


def machine_secrets(directory: Path) -> dict[str, str]:
    """Student pseudonyms on the bus, events encrypted at rest, one bearer token per
    receiver for its answers (handed to each receiver out of band), each service's master
    key of the students' data keys, each service's key signing its log's checkpoints, and
    the console's key binding each form to its session."""
    return {
        "CONSOLE_SESSION_SECRET": kept_secret(
            directory, "CONSOLE_SESSION_SECRET", lambda: secrets.token_urlsafe(32)),
        "CASETRAIL_PSEUDONYM_KEY": kept_secret(
            directory, "CASETRAIL_PSEUDONYM_KEY", lambda: secrets.token_urlsafe(32)),
        "CASETRAIL_CIPHER_KEY": kept_secret(
            directory, "CASETRAIL_CIPHER_KEY",
            lambda: base64.b64encode(secrets.token_bytes(32)).decode()),
        RECEIVER_TOKENS: kept_secret(directory, RECEIVER_TOKENS, lambda: json.dumps(
            {receiver: secrets.token_urlsafe(24) for receiver in _receiver_ids()})),
        **{variable: kept_secret(directory, variable, new_master_key)
           for variable in (f"{service.upper()}_DATA_MASTER_KEY"
                            for service in PERSONAL_DATA_SERVICES)},
        **{variable: kept_secret(directory, variable, new_signing_key)
           for variable in map(ledger_key_variable, SERVICES)},
    }


def ledger_key_variable(service: str) -> str:
    return f"{service.upper()}_LEDGER_SIGNING_KEY"


def write_ledger_keys(directory: Path, school: str, env: dict[str, str]) -> Path:
    """The public keys of the services' logs, for auditors (`casetrail verify --keys`,
    `python -m trailproof --key`): no secret."""
    path = directory / LEDGER_KEYS_FILE
    path.write_text("".join(
        f"{service} {public_verifier_key(log_origin(school, service), env[variable])}\n"
        for service in SERVICES if (variable := ledger_key_variable(service)) in env))
    return path

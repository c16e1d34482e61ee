"""Who may do what on the bus: one NATS user per service, one for the operators' tools.

Each user is an nkey (Ed25519): the server's configuration holds only public keys, and each
process proves its identity with the seed kept in `data/secrets/nats/` (mode 0600). The
permissions are allow-lists: a service publishes only its own events (`case.*.<service>.*`),
its own dead letters, and the JetStream calls its relay and its durable consumers need; the
operator only reads, and so does supervision (the auditors' read side), only CASES and
CHECKPOINTS. Per-subject permissions are what make the subject's service segment a
statement of who published it.
"""

from __future__ import annotations

import json
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nkeys

from contracts.checkpoints import checkpoint_subject
from contracts.envelope import SERVICES
from contracts.subjects import (
    CASES_STREAM,
    CHECKPOINTS_STREAM,
    CONSUMES,
    DLQ_STREAM,
    dlq_subject,
    durable_name,
    from_service,
    outbox_subject,
)

OPERATOR = "operator"
# The auditors' read side: on the bus, a reader of the record, never a publisher.
SUPERVISION = "supervision"
PRINCIPALS = (*SERVICES, SUPERVISION, OPERATOR)

Permissions = dict[str, dict[str, list[str]]]


def inbox_prefix(principal: str) -> str:
    """Each principal's replies arrive under its own prefix, so it may subscribe only there."""
    return f"_INBOX_{principal}"


@dataclass(frozen=True)
class BusLogin:
    """Who a client is on the bus: its principal (a service, or the operator), its seed."""

    principal: str
    seed_file: Path | None = None
    tls_ca_file: Path | None = None

    def options(self) -> dict[str, Any]:
        """nats-py connect options."""
        options: dict[str, Any] = {"inbox_prefix": inbox_prefix(self.principal)}
        if self.seed_file is not None:
            options["nkeys_seed"] = str(self.seed_file)
        if self.tls_ca_file is not None:
            options["tls"] = ssl.create_default_context(cafile=str(self.tls_ca_file))
        return options


def _consumer_calls(service: str, upstream: str) -> list[str]:
    """Create (or update) the durable only with its own filter in the subject, which the
    server holds the request to: never re-pointed at another service's events."""
    api, durable = "$JS.API.CONSUMER", durable_name(service, upstream)
    return [f"{api}.CREATE.{CASES_STREAM}.{durable}.{from_service(upstream)}",
            f"{api}.INFO.{CASES_STREAM}.{durable}", f"{api}.MSG.NEXT.{CASES_STREAM}.{durable}",
            f"$JS.ACK.{CASES_STREAM}.{durable}.>"]


def service_permissions(service: str) -> Permissions:
    """A service publishes its own events, dead letters and checkpoints, and provisions the
    streams if they are missing (create only: changing a live stream is an operator's call).
    It reads CHECKPOINTS back (what its log committed) through throw-away ordered consumers:
    only hashes are there."""
    streams = [f"$JS.API.STREAM.{call}.{name}" for call in ("INFO", "CREATE")
               for name in (CASES_STREAM, DLQ_STREAM, CHECKPOINTS_STREAM)]
    consumers = [call for upstream in CONSUMES[service]
                 for call in _consumer_calls(service, upstream)]
    committed = [f"$JS.API.CONSUMER.CREATE.{CHECKPOINTS_STREAM}",
                 f"$JS.FC.{CHECKPOINTS_STREAM}.>"]
    return {
        "publish": {"allow": [from_service(service), dlq_subject(service),
                              checkpoint_subject(service), outbox_subject(service),
                              "$JS.API.INFO", *streams, *consumers, *committed]},
        "subscribe": {"allow": [f"{inbox_prefix(service)}.>", outbox_subject(service)]},
    }


def operator_permissions() -> Permissions:
    """The tools (`timeline`, `dead-letters`, the auditor's): read any stream through
    throw-away consumers and look at consumers' state; publish no event, delete nothing, and
    touch no named consumer (the unnamed create call makes ephemeral ones only)."""
    api = "$JS.API"
    return {
        "publish": {"allow": [f"{api}.INFO", f"{api}.STREAM.INFO.*", f"{api}.STREAM.NAMES",
                              f"{api}.STREAM.LIST", f"{api}.STREAM.MSG.GET.*",
                              f"{api}.CONSUMER.CREATE.*", f"{api}.CONSUMER.INFO.*.*",
                              f"{api}.CONSUMER.NAMES.*", f"{api}.CONSUMER.LIST.*", "$JS.FC.>"]},
        "subscribe": {"allow": [f"{inbox_prefix(OPERATOR)}.>"]},
    }


def supervision_permissions() -> Permissions:
    """The read side replays CASES and CHECKPOINTS through throw-away ordered consumers and
    follows them; nothing else, and it publishes no event."""
    api = "$JS.API"
    streams = (CASES_STREAM, CHECKPOINTS_STREAM)
    return {
        "publish": {"allow": [f"{api}.INFO",
                              *(f"{api}.STREAM.INFO.{name}" for name in streams),
                              *(f"{api}.CONSUMER.CREATE.{name}" for name in streams),
                              *(f"{api}.CONSUMER.CREATE.{name}.>" for name in streams),
                              *(f"{api}.CONSUMER.INFO.{name}.*" for name in streams),
                              "$JS.FC.>"]},
        "subscribe": {"allow": [f"{inbox_prefix(SUPERVISION)}.>"]},
    }


def permissions_of(principal: str) -> Permissions:
    if principal == OPERATOR:
        return operator_permissions()
    if principal == SUPERVISION:
        return supervision_permissions()
    return service_permissions(principal)


def _new_seed() -> bytes:
    return bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))


def public_key(seed: bytes) -> str:
    key: bytes = nkeys.from_seed(bytearray(seed)).public_key
    return key.decode()


@dataclass(frozen=True)
class BusIdentities:
    """The seed files of every principal, and the server configuration that admits them."""

    directory: Path

    def seed_file(self, principal: str) -> Path:
        return self.directory / f"{principal}.nk"

    @classmethod
    def kept_in(cls, secrets: Path) -> BusIdentities:
        """Made once, then read back: a restart keeps every identity it had."""
        identities = cls(secrets / "nats")
        identities.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for principal in PRINCIPALS:
            path = identities.seed_file(principal)
            if not path.exists():
                path.touch(mode=0o600)
                path.write_bytes(_new_seed())
        return identities

    def authorization(self) -> str:
        """The nats-server `authorization` block: public keys and permissions, no secret."""
        users = [{"nkey": public_key(self.seed_file(p).read_bytes().strip()),
                  "permissions": permissions_of(p)} for p in PRINCIPALS]
        return "authorization: " + json.dumps({"users": users}, indent=2) + "\n"

    def service_env(self) -> dict[str, str]:
        """Each service's seed, in the variables its settings read."""
        return {f"{s.upper()}_NATS_SEED_FILE": str(self.seed_file(s))
                for s in (*SERVICES, SUPERVISION)}

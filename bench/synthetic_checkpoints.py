"""Signed checkpoints of a synthetic trail, as each service's ledger keeper would publish
them on CHECKPOINTS: every `every` leaves of a service's log, and its tail, one message
{"service", "note", "start", "leaves"} signed with that service's own Ed25519 key.

The synthetic log has no store: a leaf's `stored` digest is taken over the envelope's bytes
with a prefix, so the leaf is well formed, and the trail is checked against the bus only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.synthetic_trail import Published
from trailproof import merkle
from trailproof.leaf import Leaf, envelope_digest
from trailproof.note import Checkpoint, sign_checkpoint, verifier_key

CHECKPOINTS_STREAM = "CHECKPOINTS"
CHECKPOINT_SUBJECTS = "checkpoint.>"


@dataclass(frozen=True)
class SignedLog:
    """The messages to publish (subject, Nats-Msg-Id, body) and the keys to pin."""

    messages: list[tuple[str, str, bytes]]
    keys: dict[str, str]  # service -> verifier key


def signed_log(trail: Sequence[Published], school: str, every: int = 1000) -> SignedLog:
    by_service: dict[str, list[Leaf]] = {}
    for message in trail:
        service = message.envelope.service
        by_service.setdefault(service, []).append(Leaf(
            service, message.position,
            hashlib.sha256(b"stored\n" + message.body).hexdigest(),
            envelope_digest(message.body)))
    messages: list[tuple[str, str, bytes]] = []
    keys: dict[str, str] = {}
    for service, leaves in sorted(by_service.items()):
        origin = f"casetrail.{school}/{service}"
        key = Ed25519PrivateKey.generate()
        keys[service] = verifier_key(origin, key.public_key())
        hashes = [leaf.hash() for leaf in leaves]
        for start in range(0, len(leaves), every):
            size = min(start + every, len(leaves))
            note = sign_checkpoint(Checkpoint(origin, size, merkle.root(hashes[:size])), key)
            body = json.dumps({"service": service, "note": note, "start": start, "leaves": [
                {"position": leaf.position, "stored": leaf.stored, "envelope": leaf.envelope}
                for leaf in leaves[start:size]]}).encode()
            messages.append((f"checkpoint.{service}", f"checkpoint/{service}/{size}", body))
    return SignedLog(messages, keys)

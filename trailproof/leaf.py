"""What a log commits to for one stored event: which service, at which position, the digest
of the record as stored and of the envelope as published. Only digests, never data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from trailproof.merkle import leaf_hash

# The version line keeps a future encoding from ever hashing like this one.
FORMAT = "casetrail-leaf/1"
NO_ENVELOPE = "-"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SERVICE = re.compile(r"[a-z][a-z0-9_-]*")


def envelope_digest(body: bytes) -> str:
    """The digest of an envelope exactly as it was published (SHA-256, lowercase hex)."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Leaf:
    service: str
    position: int  # the stored record's notification id
    stored: str  # sha256 hex of the stored record
    envelope: str | None  # sha256 hex of the envelope bytes as published, None if internal

    def __post_init__(self) -> None:
        # One leaf, one text: fields that could hold a newline or another spelling of the
        # same digest would let two different leaves encode alike.
        if not _SERVICE.fullmatch(self.service):
            raise ValueError("leaf service must be a lowercase name")
        if isinstance(self.position, bool) or not isinstance(self.position, int) \
                or self.position < 0:
            raise ValueError("leaf position must be a non-negative integer")
        if not _DIGEST.fullmatch(self.stored):
            raise ValueError("leaf stored digest must be 64 lowercase hex digits")
        if self.envelope is not None and not _DIGEST.fullmatch(self.envelope):
            raise ValueError("leaf envelope digest must be 64 lowercase hex digits or None")

    def encode(self) -> bytes:
        envelope = NO_ENVELOPE if self.envelope is None else self.envelope
        return (f"{FORMAT}\n{self.service}\n{self.position}\n{self.stored}\n{envelope}\n"
                .encode("ascii"))

    def hash(self) -> bytes:
        return leaf_hash(self.encode())

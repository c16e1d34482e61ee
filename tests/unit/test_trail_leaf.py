"""A leaf commits to one stored event by digests alone, in one unambiguous text."""

from __future__ import annotations

import hashlib

import pytest

from trailproof.leaf import Leaf, envelope_digest
from trailproof.merkle import leaf_hash

STORED = hashlib.sha256(b"stored").hexdigest()
ENVELOPE = envelope_digest(b'{"type": "CaseOpened"}')


def test_a_leaf_encodes_as_versioned_lines_and_hashes_as_an_rfc_9162_leaf() -> None:
    leaf = Leaf("intake", 7, STORED, ENVELOPE)
    assert leaf.encode() == f"casetrail-leaf/1\nintake\n7\n{STORED}\n{ENVELOPE}\n".encode()
    assert leaf.hash() == leaf_hash(leaf.encode())


def test_an_internal_event_has_no_envelope_and_hashes_unlike_a_published_one() -> None:
    internal = Leaf("intake", 7, STORED, None)
    assert internal.encode().endswith(b"\n-\n")
    assert internal.hash() != Leaf("intake", 7, STORED, ENVELOPE).hash()


def test_the_envelope_digest_is_the_sha256_of_the_bytes_as_published() -> None:
    assert envelope_digest(b"{}") == hashlib.sha256(b"{}").hexdigest()


@pytest.mark.parametrize("leaf", [
    Leaf("referral", 7, STORED, ENVELOPE),
    Leaf("intake", 8, STORED, ENVELOPE),
    Leaf("intake", 7, ENVELOPE, ENVELOPE),
    Leaf("intake", 7, STORED, STORED),
])
def test_every_field_is_committed(leaf: Leaf) -> None:
    assert leaf.hash() != Leaf("intake", 7, STORED, ENVELOPE).hash()


@pytest.mark.parametrize(("service", "position", "stored", "envelope"), [
    ("intake\n7", 7, STORED, None),
    ("", 7, STORED, None),
    ("intake", -1, STORED, None),
    ("intake", 7, STORED.upper(), None),
    ("intake", 7, STORED[:-1], None),
    ("intake", 7, STORED, "-"),
])
def test_a_leaf_that_could_be_spelt_two_ways_is_refused(
        service: str, position: int, stored: str, envelope: str | None) -> None:
    with pytest.raises(ValueError, match="leaf"):
        Leaf(service, position, stored, envelope)

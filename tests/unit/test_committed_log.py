"""A service's log as read back from its checkpoints on the stream: each checkpoint's new
leaves taken once, a copy passed over, a gap refused."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casetrail.ledger.keeper import CommittedLog, CommittedLogBroken
from contracts.checkpoints import CheckpointLeaf, CheckpointMessage
from trailproof import merkle
from trailproof.leaf import Leaf
from trailproof.note import Checkpoint, sign_checkpoint, verifier_key

KEY = Ed25519PrivateKey.generate()


def leaf(position: int) -> CheckpointLeaf:
    return CheckpointLeaf(position=position, stored=f"{position:064x}", envelope=None)


ORIGIN = "casetrail.school-1/intake"


def checkpoint(start: int, positions: list[int], *, before: Sequence[int] = (),
               key: Ed25519PrivateKey = KEY) -> CheckpointMessage:
    """A checkpoint adding `positions` to a log of `before`, signed over its real root."""
    hashes = [Leaf("intake", p, f"{p:064x}", None).hash() for p in [*before, *positions]]
    return CheckpointMessage(service="intake", note=sign_checkpoint(
        Checkpoint(ORIGIN, len(hashes), merkle.root(hashes)), key),
        start=start, leaves=[leaf(p) for p in positions])


def test_each_checkpoint_adds_its_leaves_and_a_copy_of_one_taken_adds_none() -> None:
    log = CommittedLog("intake")
    log.take(checkpoint(0, [1, 2]), seq=1)
    log.take(checkpoint(2, [4]), seq=2)
    assert not log.take(checkpoint(2, [4]), seq=3)  # re-published beyond the window
    assert (log.size, log.position, log.last_seq) == (3, 4, 3)
    assert log.hashes == [Leaf("intake", p, f"{p:064x}", None).hash() for p in (1, 2, 4)]
    assert log.frontier.root() == merkle.root(log.hashes)


def test_a_checkpoint_overlapping_the_log_adds_only_the_leaves_beyond_it() -> None:
    log = CommittedLog("intake")
    log.take(checkpoint(0, [1, 2]), seq=1)
    log.take(checkpoint(1, [2, 3]), seq=2)
    assert [entry.position for entry in log.leaves] == [1, 2, 3]


def test_a_checkpoint_starting_beyond_the_log_is_a_broken_log() -> None:
    log = CommittedLog("intake")
    log.take(checkpoint(0, [1]), seq=1)
    with pytest.raises(CommittedLogBroken, match="starts at leaf 3"):
        log.take(checkpoint(3, [5]), seq=2)


def test_given_its_key_a_checkpoint_signed_by_another_or_over_another_root_is_passed_over(
        ) -> None:
    vkey = verifier_key(ORIGIN, KEY.public_key())
    log = CommittedLog("intake")
    assert log.take(checkpoint(0, [1, 2]), seq=1, verifier_key=vkey)
    forged = checkpoint(2, [3], before=[1, 2], key=Ed25519PrivateKey.generate())
    assert not log.take(forged, seq=2, verifier_key=vkey)
    wrong_root = checkpoint(2, [3], before=[1, 9])
    assert not log.take(wrong_root, seq=3, verifier_key=vkey)
    assert (log.size, log.last_seq) == (2, 3)  # the next checkpoint follows seq 3
    assert log.take(checkpoint(2, [3], before=[1, 2]), seq=4, verifier_key=vkey)
    assert log.frontier.root() == merkle.root(log.hashes)

"""A service's log as read back from its checkpoints on the stream: each checkpoint's new
leaves taken once, a copy passed over, a gap refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casetrail.ledger.keeper import CommittedLog, CommittedLogBroken
from contracts.checkpoints import CheckpointLeaf, CheckpointMessage
from trailproof import merkle
from trailproof.leaf import Leaf
from trailproof.note import Checkpoint, sign_checkpoint

KEY = Ed25519PrivateKey.generate()


def leaf(position: int) -> CheckpointLeaf:
    return CheckpointLeaf(position=position, stored=f"{position:064x}", envelope=None)


def checkpoint(start: int, positions: list[int]) -> CheckpointMessage:
    return CheckpointMessage(service="intake", note=sign_checkpoint(
        Checkpoint("casetrail.school-1/intake", start + len(positions), b"\0" * 32), KEY),
        start=start, leaves=[leaf(p) for p in positions])


def test_each_checkpoint_adds_its_leaves_and_a_copy_of_one_taken_adds_none() -> None:
    log = CommittedLog("intake")
    log.take(checkpoint(0, [1, 2]), seq=1)
    log.take(checkpoint(2, [4]), seq=2)
    log.take(checkpoint(2, [4]), seq=3)  # re-published beyond the duplicate window
    assert (log.size, log.position, log.last_seq) == (3, 4, 2)
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

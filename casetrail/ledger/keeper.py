"""The ledger keeper: a service's log committed, new leaves at a time, to a Merkle tree whose
signed checkpoints go onto the CHECKPOINTS stream.

The stream is the truth of what was committed: the keeper reads its own checkpoints back on
start, and again after any failure to publish. Each checkpoint is published on the condition
that the last one on the service's subject is the one it extends (JetStream's expected last
subject sequence), so a crash, a lost ack or a second keeper can neither lose the log nor
fork it: a refused checkpoint is re-read and the next one built on what the stream holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client

from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.replay import read_messages
from casetrail.ledger.leaves import leaf_of, notifications_after
from casetrail.ledger.signing import signing_key_from
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication
from contracts.checkpoints import (
    CheckpointLeaf,
    CheckpointMessage,
    checkpoint_msg_id,
    checkpoint_subject,
)
from contracts.subjects import CHECKPOINTS_STREAM, MSG_ID_HEADER
from trailproof import merkle
from trailproof.leaf import Leaf
from trailproof.note import (
    Checkpoint,
    NoteRejected,
    open_checkpoint,
    sign_checkpoint,
    verifier_key,
)

log = logging.getLogger(__name__)

# Leaves in one checkpoint message at most: more new events make several checkpoints.
MAX_LEAVES = 1000
EXPECTED_LAST_SUBJECT_SEQ = "Nats-Expected-Last-Subject-Sequence"


class CommittedLogBroken(RuntimeError):
    """The stream's checkpoints of this service do not follow on from each other."""


@dataclass
class CommittedLog:
    """What the stream holds of one service's log: its leaves and their hashes (and the
    tree's right edge, to sign the next root from), the last signed note, and the stream
    sequence of the last checkpoint message."""

    service: str
    leaves: list[CheckpointLeaf] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier)
    note: str | None = None
    last_seq: int = 0

    @property
    def size(self) -> int:
        return len(self.hashes)

    @property
    def position(self) -> int:
        """The store position of the last leaf committed (0: none yet)."""
        return self.leaves[-1].position if self.leaves else 0

    def take(self, message: CheckpointMessage, seq: int, verifier_key: str | None = None
             ) -> bool:
        """A checkpoint read back: its new leaves appended, if given a key only when the key
        signs it and its root; a copy of one already taken (re-published beyond the
        duplicate window) is passed over, and so is one the key does not sign (a forgery,
        which `casetrail verify` reports). Whether it was taken."""
        self.last_seq = seq  # the last message on the subject, taken or not
        if verifier_key is not None and not _opens(message.note, verifier_key):
            log.warning("%s's checkpoint at seq %d is not signed by its key; passed over",
                        self.service, seq)
            return False
        if message.start > self.size:
            raise CommittedLogBroken(f"{self.service}'s checkpoint at seq {seq} starts at "
                                     f"leaf {message.start}, but the log has {self.size}")
        new = message.leaves[self.size - message.start:]
        if not new:
            return False
        if verifier_key is not None and not self._roots(message.note, new, verifier_key):
            log.warning("%s's checkpoint at seq %d signs another root than its leaves give; "
                        "passed over", self.service, seq)
            return False
        self.extend(new, message.note, seq)
        return True

    def _roots(self, note: str, new: Sequence[CheckpointLeaf], verifier_key: str) -> bool:
        signed = open_checkpoint(note, [verifier_key])
        tree = self.frontier.copy()
        for leaf in new:
            tree.append(Leaf(self.service, leaf.position, leaf.stored, leaf.envelope).hash())
        return (signed.size, signed.root) == (tree.size, tree.root())

    def extend(self, leaves: Sequence[CheckpointLeaf], note: str, seq: int) -> None:
        for leaf in leaves:
            self.leaves.append(leaf)
            self.hashes.append(
                Leaf(self.service, leaf.position, leaf.stored, leaf.envelope).hash())
            self.frontier.append(self.hashes[-1])
        self.note = note
        self.last_seq = seq


def _opens(note: str, verifier_key: str) -> bool:
    try:
        open_checkpoint(note, [verifier_key])
    except NoteRejected:
        return False
    return True


async def committed_log(nc: Client, service: str, verifier_key: str | None,
                        timeout: float = 1.0) -> CommittedLog:
    """A service's log as its checkpoints on the stream commit it (those its key signs)."""
    committed = CommittedLog(service)
    for message in await read_messages(nc, CHECKPOINTS_STREAM, checkpoint_subject(service),
                                       timeout):
        committed.take(CheckpointMessage.from_bytes(message.data), message.seq, verifier_key)
    return committed


class LedgerKeeper:
    def __init__(self, *, app: ServiceApplication, published: PublishedEvents, nc: Client,
                 origin: str, key: Ed25519PrivateKey, max_leaves: int = MAX_LEAVES,
                 read_timeout: float = 1.0) -> None:
        self.app = app
        self.published = published
        self.service = published.service
        self.nc = nc
        self.origin = origin
        self.key = key
        self.verifier_key = verifier_key(origin, key.public_key())
        self.max_leaves = max_leaves
        self.read_timeout = read_timeout
        self.log: CommittedLog | None = None
        # The position of a record that cannot be read back, which the log stops before (as
        # the relay does): said once.
        self.stuck: int | None = None

    def _new_leaves(self, after: int) -> list[Leaf]:
        leaves = []
        for notification in notifications_after(self.app, after, self.max_leaves):
            try:
                leaves.append(leaf_of(self.service, notification, self.published, self.app))
            except Exception as error:
                if self.stuck != notification.id:
                    # The error's name only: its text may carry the record's data.
                    log.error("%s's log cannot commit position %d (%s); nothing after it is "
                              "checkpointed until it can", self.service, notification.id,
                              type(error).__name__)
                self.stuck = notification.id
                break
        else:
            self.stuck = None
        return leaves

    async def commit(self) -> int:
        """Checkpoint what the store has beyond the last committed position, a message per
        `max_leaves`; the number of leaves committed (0: nothing new, nothing published)."""
        if self.log is None:
            self.log = await committed_log(self.nc, self.service, self.verifier_key,
                                           self.read_timeout)
            log.info("%s's log: %d leaves committed, up to position %d", self.service,
                     self.log.size, self.log.position)
        done = 0
        while leaves := await asyncio.to_thread(self._new_leaves, self.log.position):
            try:
                landed = await self._publish(self.log, leaves)
            except Exception:
                self.log = None  # what did land is re-read from the stream next time
                raise
            if not landed:
                # Published before, by this keeper unheard or by another: read it back.
                log.info("%s's checkpoint was already on %s; reading the log again",
                         self.service, CHECKPOINTS_STREAM)
                self.log = None
                break
            done += len(leaves)
            if len(leaves) < self.max_leaves:
                break
        return done

    async def _publish(self, committed: CommittedLog, leaves: Sequence[Leaf]) -> bool:
        """One signed checkpoint of the log extended by `leaves`; False if the stream had
        it already."""
        tree = committed.frontier.copy()
        for leaf in leaves:
            tree.append(leaf.hash())
        note = sign_checkpoint(Checkpoint(self.origin, tree.size, tree.root()), self.key)
        entries = [CheckpointLeaf(position=leaf.position, stored=leaf.stored,
                                  envelope=leaf.envelope) for leaf in leaves]
        message = CheckpointMessage(service=self.service, note=note, start=committed.size,
                                    leaves=entries)
        ack = await self.nc.jetstream().publish(
            checkpoint_subject(self.service), message.to_bytes(), stream=CHECKPOINTS_STREAM,
            headers={MSG_ID_HEADER: checkpoint_msg_id(self.service, message.size),
                     EXPECTED_LAST_SUBJECT_SEQ: str(committed.last_seq)})
        if ack.duplicate:
            return False
        committed.extend(entries, note, ack.seq)
        return True


def keeper_of(settings: ServiceSettings, app: ServiceApplication, published: PublishedEvents,
              nc: Client) -> LedgerKeeper | None:
    """The service's keeper, if its settings give it a signing key and a school."""
    origin = settings.ledger_origin()
    if origin is None or settings.ledger_signing_key is None:
        return None
    return LedgerKeeper(app=app, published=published, nc=nc, origin=origin,
                        key=signing_key_from(settings.ledger_signing_key.get_secret_value()))


def ledger_warnings(settings: ServiceSettings) -> list[str]:
    """What `casetrail up` says of a service that will commit no checkpoints."""
    if settings.ledger_signing_key is None:
        return [f"{settings.service.upper()}_LEDGER_SIGNING_KEY is not set: the service's "
                "log is not committed to signed checkpoints"]
    if settings.school_id is None:
        return ["CASETRAIL_SCHOOL_ID is not set: the service's log has no name to sign "
                "its checkpoints under"]
    return []

"""Whether a service's store, its signed checkpoints on CHECKPOINTS and its events on CASES
still tell one story. Pure: the caller reads the three and passes them in.

The checkpoints are the reference: once a signed checkpoint committed a leaf, the store must
still hold that record at that position and the bus must carry that envelope there. The
first signed commitment of a position stands; a later checkpoint that rewrites it is a
finding and is not taken.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from trailproof import merkle
from trailproof.leaf import Leaf, envelope_digest
from trailproof.note import NoteRejected, open_checkpoint


class FindingKind(StrEnum):
    FORGED_CHECKPOINT = "forged_checkpoint"  # bad or unknown signature, origin mismatch
    BROKEN_CHECKPOINT = "broken_checkpoint"  # its leaves do not give the root it signs
    INCONSISTENT_CHECKPOINTS = "inconsistent_checkpoints"  # does not extend the one before
    ALTERED = "altered"  # the store's record differs from the committed one
    DELETED = "deleted"  # a committed record is gone from the store
    REORDERED = "reordered"  # a committed record is at another position in the store
    EXTRA = "extra"  # a record in the store that was never committed, amid committed ones
    BUS_ALTERED = "bus_altered"  # a message on CASES differs from the committed envelope
    BUS_EXTRA = "bus_extra"  # a message on CASES that no leaf commits to
    BUS_MISSING = "bus_missing"  # a committed envelope not on CASES though later ones are
    BUS_REORDERED = "bus_reordered"  # a service's positions go back in stream order
    NOT_YET_CHECKPOINTED = "not_yet_checkpointed"  # the log's tail, not signed yet


# Kinds that say how far the record is checked, not that anything is wrong.
INFO_KINDS = frozenset({FindingKind.NOT_YET_CHECKPOINTED})


@dataclass(frozen=True)
class StoredRecord:
    """A record of the store as it is now, with the envelope the service derives from it
    now (None for an internal event, or one that can no longer be read back)."""

    service: str
    position: int
    stored: str
    envelope: bytes | None
    case_id: UUID | None
    type: str
    version: int


@dataclass(frozen=True)
class PublishedCheckpoint:
    """A message of CHECKPOINTS: the signed note and the leaves it adds from index start."""

    service: str
    note: str
    start: int
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class BusEvent:
    """A message of CASES: its service, its Casetrail-Position, its body, its stream seq."""

    service: str
    position: int
    body: bytes
    seq: int


@dataclass(frozen=True)
class Finding:
    kind: str
    service: str
    position: int | None
    event: str | None  # "<type> v<version> of case <id>" where known
    detail: str

    def line(self) -> str:
        """The finding as one line of text, naming the event where known."""
        where = self.service + (f" position {self.position}" if self.position is not None
                                else "")
        what = f" ({self.event})" if self.event else ""
        label = "note" if self.kind in INFO_KINDS else self.kind.upper()
        return f"{label:<26}{where}{what}: {self.detail}"


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...]
    events_checked: int
    checkpoints_checked: int

    def ok(self) -> bool:
        return all(finding.kind in INFO_KINDS for finding in self.findings)


@dataclass
class _Log:
    """One service's log as its accepted checkpoints committed it."""

    leaves: list[Leaf] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier)
    root: bytes = merkle.root([])
    notes: set[str] = field(default_factory=set)

    @property
    def last_position(self) -> int:
        return self.leaves[-1].position if self.leaves else 0


@dataclass(frozen=True)
class _Known:
    """What the store and the bus tell about each (service, position): its case and name."""

    cases: Mapping[tuple[str, int], UUID]
    names: Mapping[tuple[str, int], str]

    def finding(self, kind: FindingKind, service: str, position: int | None,
                detail: str) -> Finding:
        name = None if position is None else self.names.get((service, position))
        return Finding(kind, service, position, name, detail)

    def in_scope(self, case_id: UUID | None, service: str, position: int) -> bool:
        """Whether the event is one to check: with a case, only those known to be of it."""
        return case_id is None or self.cases.get((service, position)) == case_id


def verify_trail(*, keys: Mapping[str, str], checkpoints: Sequence[PublishedCheckpoint],
                 bus: Sequence[BusEvent], store: Mapping[str, Sequence[StoredRecord]] | None = None,
                 case_id: UUID | None = None) -> Verdict:
    """Check the checkpoints (always all of them) against the pinned keys (service -> verifier
    key) and each other, then the store (per service read) and the bus against them.

    With case_id only that case's events are checked against the leaves: a record or message
    counts as the case's when the store or the bus says so, so a deleted record of the case
    that never went onto the bus is found only by a check of the whole log."""
    store = store or {}
    known = _known(store, bus)
    logs: dict[str, _Log] = {}
    findings = [finding for checkpoint in checkpoints
                if (finding := _take(logs.setdefault(checkpoint.service, _Log()), checkpoint,
                                     keys.get(checkpoint.service), known)) is not None]
    checked: set[tuple[str, int]] = set()
    services = sorted({*logs, *store, *(event.service for event in bus)})
    for service in services:
        log = logs.get(service, _Log())
        pending = [record.position for record in
                   _store_findings(service, log, store.get(service), case_id, known,
                                   findings, checked)]
        pending += _bus_findings(service, log, [e for e in bus if e.service == service],
                                 case_id, known, findings, checked)
        if pending:
            count = len(set(pending))
            findings.append(known.finding(
                FindingKind.NOT_YET_CHECKPOINTED, service, min(pending),
                f"not in a checkpoint yet: {count} {'event' if count == 1 else 'events'} "
                f"after position {log.last_position}, the last checkpointed"))
    return Verdict(tuple(findings), len(checked), len(checkpoints))


def _known(store: Mapping[str, Sequence[StoredRecord]], bus: Sequence[BusEvent]) -> _Known:
    cases: dict[tuple[str, int], UUID] = {}
    names: dict[tuple[str, int], str] = {}
    for event in bus:
        envelope = _envelope(event.body)
        try:
            case = UUID(str(envelope["case_id"]))
            names.setdefault((event.service, event.position),
                             f"{envelope['type']} v{envelope['version']} of case {case}")
            cases.setdefault((event.service, event.position), case)
        except (KeyError, ValueError):
            continue  # an altered body names nothing; its finding says so
    for service, records in store.items():
        for record in records:
            key = (service, record.position)
            names[key] = f"{record.type} v{record.version}" + (
                "" if record.case_id is None else f" of case {record.case_id}")
            if record.case_id is not None:
                cases[key] = record.case_id
    return _Known(cases, names)


def _envelope(body: bytes) -> dict[str, object]:
    try:
        envelope = json.loads(body)
    except ValueError:
        return {}
    return envelope if isinstance(envelope, dict) else {}


def _take(log: _Log, published: PublishedCheckpoint, key: str | None,
          known: _Known) -> Finding | None:
    """Check one checkpoint against the log before it, and take it if it extends the log."""
    if published.note in log.notes:
        return None  # the same checkpoint published again
    first = published.leaves[0].position if published.leaves else None

    def finding(kind: FindingKind, detail: str, position: int | None = first) -> Finding:
        return known.finding(kind, published.service, position, detail)

    if key is None:
        return finding(FindingKind.FORGED_CHECKPOINT,
                       f"no key is pinned for {published.service}")
    try:
        signed = open_checkpoint(published.note, [key])
    except NoteRejected as rejected:
        return finding(FindingKind.FORGED_CHECKPOINT, rejected.reason)
    start, before = published.start, len(log.leaves)
    if start > before:
        return finding(FindingKind.INCONSISTENT_CHECKPOINTS,
                       f"checkpoint of size {signed.size} starts at leaf {start}, but the "
                       f"checkpoints before it signed {before} leaves")
    if start + len(published.leaves) != signed.size:
        return finding(FindingKind.BROKEN_CHECKPOINT, f"checkpoint of size {signed.size} "
                       f"carries leaves up to {start + len(published.leaves)}")
    if any(leaf.service != published.service for leaf in published.leaves):
        return finding(FindingKind.BROKEN_CHECKPOINT,
                       f"checkpoint of size {signed.size} carries leaves of another service")
    positions = [log.leaves[start - 1].position if start else 0,
                 *(leaf.position for leaf in published.leaves)]
    if any(earlier >= later for earlier, later in itertools.pairwise(positions)):
        return finding(FindingKind.BROKEN_CHECKPOINT,
                       f"checkpoint of size {signed.size} carries positions out of order")
    added = [leaf.hash() for leaf in published.leaves]
    if start == before:  # the usual checkpoint: leaves after those signed before
        frontier = log.frontier.copy()
        for leaf_hash in added:
            frontier.append(leaf_hash)
    else:
        frontier = merkle.Frontier([*log.hashes[:start], *added])
    if frontier.root() != signed.root:
        return finding(FindingKind.BROKEN_CHECKPOINT,
                       f"the leaves carried do not give the root signed at size {signed.size}")
    # Appended leaves extend the log by construction; leaves carried again over signed ones
    # must prove the earlier tree a prefix of the new one.
    if start < before and signed.size < before:
        return finding(FindingKind.INCONSISTENT_CHECKPOINTS,
                       f"checkpoint shrinks the log from {before} to {signed.size}")
    if start < before and not merkle.verify_consistency(
            before, signed.size, log.root, signed.root,
            merkle.consistency_proof(before, [*log.hashes[:start], *added])):
        rewritten = next((old.position for old, new in zip(log.leaves[start:], published.leaves,
                                                             strict=False) if old != new), first)
        return finding(FindingKind.INCONSISTENT_CHECKPOINTS,
                       f"checkpoint of size {signed.size} does not extend the one of size "
                       f"{before} before it: it rewrites this leaf", rewritten)
    log.leaves[start:], log.hashes[start:] = published.leaves, added
    log.frontier, log.root = frontier, signed.root
    log.notes.add(published.note)
    if start != before and signed.size > before:
        return finding(FindingKind.INCONSISTENT_CHECKPOINTS,
                       f"checkpoint of size {signed.size} starts at leaf {start}, not after "
                       f"the {before} leaves signed before it")
    return None


def _store_findings(service: str, log: _Log, records: Sequence[StoredRecord] | None,
                    case_id: UUID | None, known: _Known, findings: list[Finding],
                    checked: set[tuple[str, int]]) -> list[StoredRecord]:
    """Findings of the store against the committed leaves (none when the store of the service
    was not read); the records after the last one."""
    if records is None:
        return []
    held = {record.position: record for record in records}
    held_at = {record.stored: record.position for record in records}
    committed_at = {leaf.stored: leaf.position for leaf in log.leaves}
    for index, leaf in enumerate(log.leaves):
        if not known.in_scope(case_id, service, leaf.position):
            continue
        checked.add((service, leaf.position))
        record = held.get(leaf.position)
        moved_to = held_at.get(leaf.stored)
        if record is None:
            findings.append(
                known.finding(FindingKind.DELETED, service, leaf.position,
                              f"committed in leaf {index}, missing from the store")
                if moved_to is None else
                known.finding(FindingKind.REORDERED, service, leaf.position,
                              f"the record committed here is now at position {moved_to}"))
        elif record.stored != leaf.stored:
            moved_from = committed_at.get(record.stored)
            findings.append(
                known.finding(FindingKind.ALTERED, service, leaf.position,
                              f"its stored digest differs from the one committed in leaf "
                              f"{index}")
                if moved_from is None else
                known.finding(FindingKind.REORDERED, service, leaf.position,
                              f"holds the record committed at position {moved_from}"))
        elif record.envelope is not None and leaf.envelope is not None \
                and envelope_digest(record.envelope) != leaf.envelope:
            findings.append(known.finding(
                FindingKind.ALTERED, service, leaf.position,
                f"the envelope it gives now differs from the one committed in leaf {index}"))
    committed = {leaf.position for leaf in log.leaves}
    pending = []
    for record in records:
        if record.position in committed or record.stored in committed_at \
                or (case_id is not None and record.case_id != case_id):
            continue
        if record.position < log.last_position:
            checked.add((service, record.position))
            findings.append(known.finding(
                FindingKind.EXTRA, service, record.position,
                f"never committed, though position {log.last_position} after it is"))
        else:
            pending.append(record)
    return pending


def _bus_findings(service: str, log: _Log, events: Sequence[BusEvent], case_id: UUID | None,
                  known: _Known, findings: list[Finding],
                  checked: set[tuple[str, int]]) -> list[int]:
    """Findings of a service's messages on CASES against the committed leaves; the positions
    of those after the last one."""
    committed = {leaf.position: (index, leaf) for index, leaf in enumerate(log.leaves)}
    bodies: dict[int, set[bytes]] = {}
    highest, pending = 0, []
    for event in events:
        if event.body in bodies.setdefault(event.position, set()):
            continue  # a redelivery of the same message
        bodies[event.position].add(event.body)
        if not known.in_scope(case_id, service, event.position):
            continue
        if event.position < highest:
            findings.append(known.finding(
                FindingKind.BUS_REORDERED, service, event.position,
                f"at stream sequence {event.seq}, after position {highest}"))
        highest = max(highest, event.position)
        index, leaf = committed.get(event.position, (None, None))
        if leaf is None and event.position > log.last_position:
            pending.append(event.position)
            continue
        checked.add((service, event.position))
        if leaf is None or leaf.envelope is None:
            findings.append(known.finding(
                FindingKind.BUS_EXTRA, service, event.position,
                f"at stream sequence {event.seq}: no committed leaf publishes an event at "
                "this position"))
        elif envelope_digest(event.body) != leaf.envelope:
            findings.append(known.finding(
                FindingKind.BUS_ALTERED, service, event.position,
                f"at stream sequence {event.seq}: its sha256 differs from the envelope "
                f"committed in leaf {index}"))
    latest = max(bodies, default=0)
    for index, leaf in enumerate(log.leaves):
        if leaf.envelope is not None and leaf.position not in bodies \
                and leaf.position < latest and known.in_scope(case_id, service, leaf.position):
            findings.append(known.finding(
                FindingKind.BUS_MISSING, service, leaf.position,
                f"committed in leaf {index} as published, not on CASES though position "
                f"{latest} is"))
    return pending

"""A case's proof bundle, from the CASES and CHECKPOINTS streams alone: each envelope of the
case as published, its leaf, and its inclusion proof against the latest checkpoint of its
service's log that the service's key signs (trailproof.bundle's format, which
`python -m trailproof` checks offline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from nats.aio.client import Client

from casetrail.bus.replay import StreamMessage, read_messages
from casetrail.ledger.keeper import CommittedLog, committed_log
from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM, POSITION_HEADER, case_trail
from trailproof.bundle import BundleEvent, build_bundle
from trailproof.merkle import inclusion_proof


@dataclass(frozen=True)
class CaseBundle:
    bundle: dict[str, Any]
    # Events of the case on CASES that no checkpoint commits to yet (a checkpoint comes
    # every CASETRAIL_CHECKPOINT_SECONDS), or whose position no leaf has: left out, named.
    uncommitted: tuple[str, ...]


def origin_of(note: str) -> str:
    """The log a signed checkpoint is of: its first line (C2SP tlog-checkpoint)."""
    return note.split("\n", 1)[0]


def bundle_of(case_id: UUID, published: Sequence[StreamMessage],
              logs: Mapping[str, CommittedLog], keys: Mapping[str, str]) -> CaseBundle:
    """The bundle of the case's messages on CASES, against each service's committed log;
    `keys` are the verifier keys by service."""
    indexes = {service: {leaf.position: i for i, leaf in enumerate(log.leaves)}
               for service, log in logs.items()}
    events: list[BundleEvent] = []
    uncommitted: list[str] = []
    seen: set[UUID] = set()
    for message in published:
        envelope = Envelope.from_bytes(message.data)
        if envelope.event_id in seen:  # a copy re-published beyond the duplicate window
            continue
        seen.add(envelope.event_id)
        service = message.subject.split(".")[2]  # who published it, as the bus allows
        log = logs.get(service)
        position = int(message.headers.get(POSITION_HEADER, "0"))
        index = indexes.get(service, {}).get(position)
        if log is None or log.note is None or index is None:
            uncommitted.append(f"{service} {envelope.type} event {envelope.event_id} "
                               f"(position {position})")
            continue
        events.append(BundleEvent(
            service=service, origin=origin_of(log.note), envelope=message.data,
            position=position, stored=log.leaves[index].stored, index=index,
            tree_size=log.size, proof=inclusion_proof(index, log.hashes)))
    checkpoints = {origin_of(log.note): log.note for log in logs.values()
                   if log.note is not None and log.service in {e.service for e in events}}
    by_origin = {key.split("+", 1)[0]: key for key in keys.values()}
    return CaseBundle(build_bundle(str(case_id), by_origin, checkpoints, events),
                      tuple(uncommitted))


async def case_bundle(nc: Client, case_id: UUID, services: Sequence[str],
                      keys: Mapping[str, str], timeout: float = 1.0) -> CaseBundle:
    logs = {service: await committed_log(nc, service, keys.get(service), timeout)
            for service in services}
    published = await read_messages(nc, CASES_STREAM, case_trail(case_id), timeout)
    return bundle_of(case_id, published, logs, keys)

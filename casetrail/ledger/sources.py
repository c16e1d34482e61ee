"""The three accounts `casetrail verify` holds against each other, read as any auditor could:
CHECKPOINTS and CASES from the bus (the operator's read-only login), and each service's
store records over HTTP (the auditor's token)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import httpx
from nats.aio.client import Client
from pydantic import ValidationError

from casetrail.bus.replay import read_messages
from casetrail.ledger.verification import (
    BusEvent,
    Finding,
    FindingKind,
    PublishedCheckpoint,
    StoredRecord,
    Verdict,
    verify_trail,
)
from contracts.checkpoints import CHECKPOINT_SUBJECTS, CheckpointMessage
from contracts.subjects import (
    CASE_SUBJECTS,
    CASES_STREAM,
    CHECKPOINTS_STREAM,
    POSITION_HEADER,
    case_trail,
)
from trailproof.leaf import Leaf


async def published_checkpoints(nc: Client, timeout: float = 1.0
                                ) -> tuple[list[PublishedCheckpoint], list[Finding]]:
    """Every checkpoint on CHECKPOINTS, of the service its subject names (which only that
    service may publish on); a message that is no checkpoint is a finding."""
    checkpoints, unreadable = [], []
    for message in await read_messages(nc, CHECKPOINTS_STREAM, CHECKPOINT_SUBJECTS, timeout):
        service = message.subject.split(".", 1)[1]
        try:
            checkpoint = CheckpointMessage.from_bytes(message.data)
        except ValidationError:
            unreadable.append(Finding(FindingKind.BROKEN_CHECKPOINT, service, None, None,
                                      f"the message at stream sequence {message.seq} is not "
                                      "a checkpoint"))
            continue
        checkpoints.append(PublishedCheckpoint(
            service=service, note=checkpoint.note, start=checkpoint.start,
            leaves=tuple(Leaf(service, leaf.position, leaf.stored, leaf.envelope)
                         for leaf in checkpoint.leaves)))
    return checkpoints, unreadable


async def bus_events(nc: Client, timeout: float = 1.0,
                     subject: str = CASE_SUBJECTS) -> list[BusEvent]:
    """Every event on CASES (or on `subject` of it), of the service its subject names, at
    its store position."""
    return [BusEvent(service=message.subject.split(".")[2],
                     position=_position(message.headers.get(POSITION_HEADER, "")),
                     body=message.data, seq=message.seq)
            for message in await read_messages(nc, CASES_STREAM, subject, timeout)]


def _position(header: str) -> int:
    """A message's claimed store position; an unreadable one is position 0, which no leaf
    has, so the message is named as extra instead of stopping the check."""
    return int(header) if header.isdigit() else 0


def store_records(http: httpx.Client, service: str,
                  headers: Mapping[str, str]) -> list[StoredRecord]:
    """The service's store as it is now, page by page (GET /ledger/records)."""
    records: list[StoredRecord] = []
    start: int | None = 1
    while start is not None:
        response = http.get("/ledger/records", params={"start": start}, headers=headers)
        response.raise_for_status()
        page = response.json()
        records += [StoredRecord(
            service=service, position=r["position"], stored=r["stored"],
            envelope=r["envelope"].encode() if r["envelope"] is not None else None,
            case_id=UUID(r["case_id"]) if r["case_id"] else None, type=r["type"],
            version=r["version"]) for r in page["records"]]
        start = page["next"]
    return records


async def verified(nc: Client, stores: Mapping[str, httpx.Client], headers: Mapping[str, str],
                   keys: Mapping[str, str], case_id: UUID | None = None) -> Verdict:
    """The verdict on the whole trail, or on one case's events in it."""
    checkpoints, unreadable = await published_checkpoints(nc)
    bus = await bus_events(nc)
    store = {service: store_records(http, service, headers) for service, http in stores.items()}
    verdict = verify_trail(keys=keys, checkpoints=checkpoints, bus=bus, store=store,
                           case_id=case_id)
    return Verdict((*unreadable, *verdict.findings), verdict.events_checked,
                   verdict.checkpoints_checked)


async def verified_on_the_bus(nc: Client, keys: Mapping[str, str], case_id: UUID) -> Verdict:
    """The verdict on one case's events on CASES against the signed checkpoints, from the
    bus alone: no store is compared (a record deleted before it was published, or altered
    since, is found only by `verified` with the stores)."""
    checkpoints, unreadable = await published_checkpoints(nc)
    bus = await bus_events(nc, subject=case_trail(case_id))
    verdict = verify_trail(keys=keys, checkpoints=checkpoints, bus=bus, case_id=case_id)
    return Verdict((*unreadable, *verdict.findings), verdict.events_checked,
                   verdict.checkpoints_checked)

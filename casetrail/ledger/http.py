"""The ledger routes every service has: the public key of its log, and its store's records
as they are now, for an auditor to hold against the checkpoints and the bus."""

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from casetrail.http import CommandRoute
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.ledger.leaves import stored_records

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

# Records answered at a time at most.
MAX_RECORDS = 1000


class LedgerKey(BaseModel):
    service: str
    origin: str
    # The C2SP verifier key: `origin+hex8+base64(0x01 || Ed25519 public key)`.
    key: str


class RecordOut(BaseModel):
    position: int
    # sha256 (hex) of the record exactly as stored (ciphertext, with the cipher on).
    stored: str
    # The envelope the relay publishes for it, as its bytes read; null for an internal
    # event, or for a record that no longer reads back.
    envelope: str | None
    case_id: UUID | None
    # The envelope's type if published, else the stored class's name.
    type: str
    # The record's version within its case (with case_id, the stored row's key).
    version: int


class RecordsPage(BaseModel):
    records: list[RecordOut]
    # The position to ask from for the next page; null after the last record.
    next: int | None


def ledger_router(runtime: "ServiceRuntime", access: AccessMatrix) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)
    settings = runtime.settings

    @api.get("/ledger/key", responses={404: {"description": "the service signs no checkpoint "
                                                            "(no signing key or school set)"}})
    async def ledger_key(_: Annotated[Principal, access.depends("read_ledger_key")]
                         ) -> LedgerKey:
        """The public key this service signs its log's checkpoints with, and the log's
        name: what an auditor verifies the CHECKPOINTS stream by."""
        origin, key = settings.ledger_origin(), settings.ledger_verifier_key()
        if origin is None or key is None:
            raise HTTPException(404, "this service signs no checkpoints")
        return LedgerKey(service=settings.service, origin=origin, key=key)

    @api.get("/ledger/records", responses={404: {"description": "the service runs without "
                                                                 "its bus contract"}})
    async def ledger_records(
            _: Annotated[Principal, access.depends("read_ledger_records")],
            start: Annotated[int, Query(ge=1, le=2**63 - 1,
                                        description="the first position")] = 1,
            limit: Annotated[int, Query(ge=1, le=MAX_RECORDS)] = MAX_RECORDS,
    ) -> RecordsPage:
        """The store's records from position `start` on, as they are now: each record's
        digest as stored and the envelope it publishes (ids and codes, never names, as on
        the bus; so the read itself is not logged, which would change the log it reads)."""
        if runtime.published is None:
            raise HTTPException(404, "this service runs without its bus contract")
        records = await runtime.thread.run(stored_records, runtime.app, runtime.published,
                                           start, limit)
        return RecordsPage(records=[RecordOut(
            position=r.position, stored=r.stored, case_id=r.case_id, type=r.type,
            version=r.version, envelope=r.envelope.decode() if r.envelope is not None else None)
            for r in records],
                           next=records[-1].position + 1 if len(records) == limit else None)

    return api

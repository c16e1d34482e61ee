"""`casetrail verify`'s check on a real system: the four services in process with their bus
consumers on a real nats-server, each relay publishing and each ledger keeper committing
checkpoints. A clean trail verifies clean, an erased student's too, and its case's proof
bundle verifies offline; then an altered byte, a deleted event, two swapped events and a
forged checkpoint are each found and named."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from nats.aio.client import Client

from casetrail.bus.identities import BusLogin
from casetrail.bus.relay import OutboxRelay
from casetrail.bus.replay import case_timeline, read_messages
from casetrail.cli.keys import PERSONAL_DATA_SERVICES
from casetrail.ledger.export import case_bundle
from casetrail.ledger.keeper import LedgerKeeper, keeper_of
from casetrail.ledger.signing import new_signing_key
from casetrail.ledger.sources import verified
from casetrail.ledger.verification import INFO_KINDS, FindingKind, Verdict
from casetrail.service import connect
from casetrail.store import tracking_store
from contracts.checkpoints import CheckpointLeaf, CheckpointMessage, checkpoint_subject
from contracts.envelope import SERVICES, Envelope
from contracts.subjects import (
    CASES_STREAM,
    CHECKPOINTS_STREAM,
    MSG_ID_HEADER,
    POSITION_HEADER,
    case_trail,
)
from services.supervision.adapters.checkpoint_verifier import CheckpointsOnTheBus
from services.supervision.adapters.service_states import ServiceStatesOverHttp
from services.supervision.bootstrap import build
from services.supervision.config import SupervisionSettings
from tests.application.all_services import ENTRIES, Running, settings_of
from tests.conftest import CIPHER_KEY
from tests.identity import bearer
from tests.integration.fuzz_seed import RECEIVER, RECEIVER_TOKEN
from tests.supervision_world import ListedTrail
from trailproof import merkle
from trailproof.bundle import verify_bundle
from trailproof.leaf import Leaf
from trailproof.note import Checkpoint, sign_checkpoint

AUDITOR = bearer("auditor", subject="auditor-1")
PRINCIPAL = bearer("principal", subject="principal-1")
# Rounds of relaying and consuming before the system is taken as settled.
SETTLE_ROUNDS = 200


@pytest.fixture
def services(store_url: tuple[str, str | None], tmp_path: Path,
             own_nats: str) -> Iterator[dict[str, Running]]:
    """Every service as its bootstrap wires it (consumers included), events encrypted at
    rest, each with its own ledger signing key; their lifespans on."""
    running = {}
    for name, entry in ENTRIES.items():
        extra: dict[str, Any] = {"NATS_URL": own_nats, "CASETRAIL_CIPHER_KEY": CIPHER_KEY,
                                 "ledger_signing_key": new_signing_key()}
        if name == "referral":
            extra["receiver_tokens"] = {RECEIVER: RECEIVER_TOKEN}
        api = entry.api(settings_of(entry, store_url, tmp_path, extra))
        runtime = api.state.runtime
        running[name] = Running(runtime, runtime.app, TestClient(api), entry)
    with contextlib.ExitStack() as lifespans:
        for service in running.values():
            lifespans.enter_context(service.http)
        yield running


@pytest.fixture
async def nc(own_nats: str) -> AsyncIterator[Client]:
    client = await connect(own_nats, "verify-test", BusLogin("test"))
    yield client
    await client.close()


def keys_of(services: dict[str, Running]) -> dict[str, str]:
    keys = {name: s.settings.ledger_verifier_key() for name, s in services.items()}
    return {name: key for name, key in keys.items() if key is not None}


async def settle(nc: Client, services: dict[str, Running]) -> None:
    """Relay every outbox until the consumers have nothing left and nothing new is stored,
    then let every keeper commit its log."""
    relays = [OutboxRelay(app=s.app, published=s.entry.published, js=nc.jetstream(),
                          positions=tracking_store(f"{name}_relay",
                                                   s.settings.relay_store_env()))
              for name, s in services.items()]
    for _ in range(SETTLE_ROUNDS):
        relayed = sum([await relay.relay_once() for relay in relays])
        if not relayed and await consumers_done(nc, services):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the services did not settle")
    for name, service in services.items():
        keeper = keeper_of(service.settings, service.app, service.entry.published, nc)
        assert isinstance(keeper, LedgerKeeper), name
        await keeper.commit()


async def consumers_done(nc: Client, services: dict[str, Running]) -> bool:
    for service in services.values():
        for subscription in service.runtime.subscriptions:
            info = await nc.jetstream().consumer_info(CASES_STREAM, subscription.durable)
            if info.num_pending or info.num_ack_pending:
                return False
    return True


def report(services: dict[str, Running], student: str) -> UUID:
    response = services["intake"].http.post("/reports", headers=bearer("class_teacher"), json={
        "student": {"school_student_id": student, "name": "王小明"},
        "channel": "staff_observation", "signs": ["self_harm"]})
    assert response.status_code == 201, response.text
    return UUID(response.json()["case_id"])


async def verdict(nc: Client, services: dict[str, Running], case_id: UUID | None = None
                  ) -> Verdict:
    return await verified(nc, {name: s.http for name, s in services.items()}, AUDITOR,
                          keys_of(services), case_id)


def problems(found: Verdict) -> set[tuple[str, str, int | None]]:
    return {(f.kind, f.service, f.position) for f in found.findings
            if f.kind not in INFO_KINDS}


def records(services: dict[str, Running], service: str) -> list[dict[str, Any]]:
    answer = services[service].http.get("/ledger/records", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["records"]
    return found


def case_of(services: dict[str, Running], service: str, position: int) -> UUID:
    [case_id] = [r["case_id"] for r in records(services, service) if r["position"] == position]
    return UUID(case_id)


def student_of(services: dict[str, Running], case_id: UUID) -> str:
    for record in records(services, "intake"):
        envelope = json.loads(record["envelope"] or "{}")
        if envelope.get("case_id") == str(case_id) and "student_key" in envelope["data"]:
            key: str = envelope["data"]["student_key"]
            return key
    raise AssertionError(f"no student of case {case_id}")


@contextlib.contextmanager
def stored_events(service: Running) -> Iterator[tuple[sqlalchemy.Connection, str]]:
    """A transaction on the service's events table, as someone with database access has
    it: raw SQL, the values as the database keeps them."""
    engine = sqlalchemy.create_engine(service.settings.event_store_env()["SQLALCHEMY_URL"])
    try:
        with engine.begin() as db:
            yield db, f"{service.app.name.lower()}_events"
    finally:
        engine.dispose()


def row(db: sqlalchemy.Connection, table: str, position: int) -> sqlalchemy.Row[Any]:
    return db.execute(sqlalchemy.text(
        f"SELECT originator_id, originator_version, topic, state FROM {table} "
        "WHERE id = :id"), {"id": position}).one()


def put(db: sqlalchemy.Connection, table: str, position: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    db.execute(sqlalchemy.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
               {**values, "id": position})


def alter_one_byte(service: Running, position: int) -> None:
    with stored_events(service) as (db, table):
        state = bytearray(row(db, table, position).state)
        state[len(state) // 2] ^= 0x01
        put(db, table, position, {"state": bytes(state)})


def delete(service: Running, position: int) -> None:
    with stored_events(service) as (db, table):
        db.execute(sqlalchemy.text(f"DELETE FROM {table} WHERE id = :id"), {"id": position})


def swap(service: Running, first: int, second: int) -> None:
    """The two rows' contents exchanged, their positions kept."""
    with stored_events(service) as (db, table):
        one, other = row(db, table, first)._asdict(), row(db, table, second)._asdict()
        # Out of the way first: (originator_id, originator_version) is unique.
        put(db, table, first, {"originator_version": -1})
        put(db, table, second, one)
        put(db, table, first, other)


async def forge_checkpoint(nc: Client, service: Running) -> None:
    """A checkpoint of the service's log, one made-up leaf longer, signed by another key
    under the log's own name."""
    origin = service.settings.ledger_origin()
    assert origin is not None
    committed = [Leaf(service.settings.service, r["position"], r["stored"], None)
                 for r in records({"s": service}, "s")]
    fake = CheckpointLeaf(position=10_000, stored="0" * 64, envelope=None)
    hashes = [leaf.hash() for leaf in committed] + [
        Leaf(service.settings.service, fake.position, fake.stored, None).hash()]
    note = sign_checkpoint(Checkpoint(origin, len(hashes), merkle.root(hashes)),
                           Ed25519PrivateKey.generate())
    message = CheckpointMessage(service=service.settings.service, note=note,
                                start=len(committed), leaves=[fake])
    await nc.jetstream().publish(checkpoint_subject(service.settings.service),
                                 message.to_bytes(), stream=CHECKPOINTS_STREAM)


@pytest.mark.postgres
async def test_a_tampered_trail_is_found_out_event_by_event_and_an_erased_one_still_verifies(
        services: dict[str, Running], nc: Client) -> None:
    cases = [report(services, student) for student in ("S-1", "S-2", "S-3")]
    await settle(nc, services)
    clean = await verdict(nc, services)
    assert clean.ok() and not clean.findings, clean.findings
    assert clean.checkpoints_checked >= len(SERVICES) - 1  # referral may have nothing yet
    assert {"intake", "assessment"} <= {r["case_id"] and s for s in SERVICES
                                        for r in records(services, s)}

    erased_case = cases[0]
    student = student_of(services, erased_case)
    for name in PERSONAL_DATA_SERVICES:
        erased = services[name].http.post(f"/students/{student}/erasure", headers={
            **PRINCIPAL, "Idempotency-Key": str(uuid4())}, json={"reason": "lawful_request"})
        assert erased.status_code == 200, erased.text
    await settle(nc, services)
    after_erasure = await verdict(nc, services)
    assert after_erasure.ok() and not after_erasure.findings, after_erasure.findings
    one_case = await verdict(nc, services, erased_case)
    assert one_case.ok() and 0 < one_case.events_checked < after_erasure.events_checked
    bundle = await case_bundle(nc, erased_case, SERVICES, keys_of(services))
    assert not bundle.uncommitted
    offline = verify_bundle(json.loads(json.dumps(bundle.bundle)),
                            list(keys_of(services).values()))
    assert offline.ok() and offline.events_checked == len(bundle.bundle["events"]), \
        offline.problems
    assert len({event["service"] for event in bundle.bundle["events"]}) > 1

    intake = [r["position"] for r in records(services, "intake") if r["envelope"]]
    assessment = [r["position"] for r in records(services, "assessment") if r["envelope"]]
    alter_one_byte(services["intake"], intake[0])
    swap(services["intake"], intake[1], intake[2])
    delete(services["assessment"], assessment[1])
    await forge_checkpoint(nc, services["intake"])
    tampered = await verdict(nc, services)
    assert problems(tampered) == {
        (FindingKind.ALTERED, "intake", intake[0]),
        (FindingKind.REORDERED, "intake", intake[1]),
        (FindingKind.REORDERED, "intake", intake[2]),
        (FindingKind.DELETED, "assessment", assessment[1]),
        (FindingKind.FORGED_CHECKPOINT, "intake", 10_000),
    }, tampered.findings
    of_the_case = await verdict(nc, services, case_of(services, "intake", intake[0]))
    assert (FindingKind.ALTERED, "intake", intake[0]) in problems(of_the_case)
    named = {(f.service, f.position): f.event for f in tampered.findings}
    assert all(named[("intake", at)] for at in intake[:3])  # "<type> v<n> of case <id>"
    assert named[("assessment", assessment[1])]
    # The bundle is of CASES and CHECKPOINTS alone: the stores' tampering is not in it, and
    # the forged checkpoint is passed over.
    again = await case_bundle(nc, erased_case, SERVICES, keys_of(services))
    assert verify_bundle(again.bundle, list(keys_of(services).values())).ok()
    printed = [finding.line() for finding in tampered.findings]  # as `casetrail verify` says
    print("\n".join(printed))
    assert all(f"position {at}" in "".join(printed) for at in intake[:3])


def report_text(settings: SupervisionSettings, trail: list[Envelope],
                verifier: CheckpointsOnTheBus) -> str:
    api = build(settings, ListedTrail(trail), ServiceStatesOverHttp({}, 1.0), verifier=verifier)
    case_id = trail[0].case_id
    response = TestClient(api).get(f"/cases/{case_id}/report",
                                   params={"lang": "en", "format": "html"}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


async def test_supervisions_report_says_a_clean_case_verified_and_names_what_was_tampered(
        services: dict[str, Running], nc: Client, own_nats: str,
        store_url: tuple[str, str | None]) -> None:
    case_id = report(services, "S-9")
    await settle(nc, services)
    trail = await case_timeline(nc, case_id)
    url, schema = store_url
    settings = SupervisionSettings(store_url=url, store_schema=schema)
    verifier = CheckpointsOnTheBus(own_nats, BusLogin("test"), keys_of(services), 10.0)
    clean = report_text(settings, trail, verifier)
    assert 'id="verdict">Verified: no finding' in clean
    assert f'<td id="events-checked">{len(trail)}</td>' in clean

    first = (await read_messages(nc, CASES_STREAM, case_trail(case_id), 1.0))[0]
    altered = json.loads(first.data)
    altered["occurred_at"] = "2020-01-01T00:00:00Z"
    await nc.jetstream().publish(first.subject, json.dumps(altered).encode(),
                                 stream=CASES_STREAM,
                                 headers={**first.headers, MSG_ID_HEADER: str(uuid4())})
    found = report_text(settings, trail, verifier)
    assert 'id="verdict">Verification found problems' in found
    position = first.headers[POSITION_HEADER]
    service = first.subject.split(".")[2]
    assert "BUS_ALTERED" in found and f"{service} position {position} (" in found

    await forge_checkpoint(nc, services["intake"])
    forged = report_text(settings, trail, verifier)
    assert "FORGED_CHECKPOINT" in forged and "intake position 10000" in forged

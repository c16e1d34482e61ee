"""Replay never acts: on a system whose cases have run to their end, every durable consumer is
reset to the beginning of CASES and every read model rebuilt from zero (the services start
afresh); each consumer reads every event again, and nothing follows from it: no new event in
any store or on CASES, no message to a guardian, no packet to a hospital."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nkeys
import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.identities import OPERATOR, BusIdentities, BusLogin, public_key
from casetrail.bus.replay import read_all
from casetrail.cli.desk import Desk
from casetrail.cli.liaison import reference_liaison
from casetrail.cli.scenarios import hospital_path, incident
from casetrail.cli.scenarios.common import quiet
from casetrail.service import connect
from contracts.subjects import CASE_SUBJECTS, CASES_STREAM, CONSUMES, durable_name, from_service
from tests.crisis_flow import service_stores
from tests.e2e.test_scenarios import TOKENS, school_settings
from tests.identity import cast
from tests.receivers import Hospital, serving
from tests.system import System, running_services

pytestmark = pytest.mark.e2e

DURABLES = [(service, upstream) for service, upstreams in CONSUMES.items()
            for upstream in upstreams]


@dataclass(frozen=True)
class Effects:
    """Everything the system has done so far, counted."""

    stored: dict[str, int]  # each service's notification log, internal records included
    on_cases: int
    guardian_messages: int
    hospital_packets: int


def effects(system: System, on_cases: int, hospital: Hospital) -> Effects:
    stored = {}
    for app, published in service_stores(system):
        stored[published.service] = app.recorder.max_notification_id() or 0
        app.close()
    sent = system.data_dir / "guardian-messages.jsonl"
    return Effects(stored, on_cases,
                   len(sent.read_text().splitlines()) if sent.exists() else 0,
                   len(hospital.received))


@dataclass(frozen=True)
class Bus:
    """A secured nats-server with one more identity than `casetrail up` makes: an
    administrator's, who alone may delete a durable consumer (as an operator would by hand)."""

    nats: EmbeddedNats
    admin_seed: Path


def secured_with_admin(data: Path) -> Bus:
    identities = BusIdentities.kept_in(data / "secrets")
    authorization = json.loads(identities.authorization().removeprefix("authorization: "))
    seed = data / "admin.nk"
    seed.write_bytes(bytes(nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)))
    authorization["users"].append({"nkey": public_key(seed.read_bytes())})
    nats = EmbeddedNats(data / "nats", None, "authorization: " + json.dumps(authorization))
    return Bus(nats.start(), seed)


@pytest.fixture
def hospital() -> Iterator[tuple[Hospital, str]]:
    played = Hospital()
    with serving(played) as url:
        yield played, url


async def settled(system: System, nc: Client, hospital: Hospital) -> Effects:
    """The system's effects once nothing has moved for a few seconds: every outbox relayed,
    every consumer caught up, no timer left to fire."""
    js = nc.jetstream()
    last, quiet_since = None, time.monotonic()
    deadline = time.monotonic() + 120
    while True:
        on_cases = len(await read_all(nc, CASES_STREAM, CASE_SUBJECTS, timeout=2.0))
        now = effects(system, on_cases, hospital)
        caught_up = True
        for service, upstream in DURABLES:
            try:
                info = await js.consumer_info(CASES_STREAM, durable_name(service, upstream))
            except NotFoundError:
                caught_up = False
                continue
            caught_up &= info.num_pending == 0 and info.num_ack_pending == 0
        if now != last or not caught_up:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 4:
            return now
        assert time.monotonic() < deadline, "the system did not settle in 120 s"
        await asyncio.sleep(0.5)


async def test_consumers_reset_to_the_start_of_cases_read_every_event_again_and_cause_nothing(
        tmp_path: Path, hospital: tuple[Hospital, str]) -> None:
    played, webhook = hospital
    bus = secured_with_admin(tmp_path)
    try:
        with running_services(tmp_path, bus.nats.url,
                              school_settings(tmp_path, webhook)) as system:
            nc = await connect(system.nats_url, "e2e-replay", system.login(OPERATOR))
            admin = await connect(system.nats_url, "e2e-admin",
                                  BusLogin("admin", bus.admin_seed))
            try:
                async with httpx.AsyncClient(timeout=30.0) as http:
                    desk = Desk(system.runtime, nc, http, cast())
                    liaisons = {rid: reference_liaison(http, system.cluster.url("referral"), token)
                                for rid, token in TOKENS.items()}
                    for student in ("replay-1", "replay-2"):
                        await hospital_path(desk, liaisons, student, quiet, webhooks=True)
                    await incident(desk, "replay-3", quiet)
                before = await settled(system, nc, played)
                assert before.guardian_messages and before.hospital_packets  # it did act

                system.cluster.stop_all()
                js = admin.jetstream()
                for service, upstream in DURABLES:
                    await js.delete_consumer(CASES_STREAM, durable_name(service, upstream))
                system.cluster.start_all()

                after = await settled(system, nc, played)
                for service, upstream in DURABLES:
                    # Each durable is new, and delivered every event it filters once more.
                    info = await admin.jetstream().consumer_info(
                        CASES_STREAM, durable_name(service, upstream))
                    filtered = await read_all(nc, CASES_STREAM, from_service(upstream), 2.0)
                    assert info.num_pending == 0
                    assert info.delivered.consumer_seq >= len(filtered) > 0, (service, upstream)
            finally:
                await nc.close()
                await admin.close()
    finally:
        bus.nats.stop()

    assert after == before  # 0 new events in any store or on CASES, 0 messages, 0 packets

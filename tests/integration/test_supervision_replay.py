"""Supervision replays CASES from a real nats-server (each service publishing its own events
under its own identity; supervision signed in as its read-only one): a case driven through
the four services reads the same from CASES as from their stores, a store that disagrees
is reported, an event published after the replay is followed, and supervision's identity
publishes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError

from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.identities import SUPERVISION, BusIdentities, BusLogin
from casetrail.bus.replay import read_all
from casetrail.service import connect
from contracts.codes import Tier
from contracts.envelope import SERVICES, Envelope
from contracts.streams import ensure_streams
from contracts.subjects import (
    CASES_STREAM,
    DLQ_STREAM,
    MSG_ID_HEADER,
    case_subject,
    dlq_subject,
)
from services.supervision.adapters.case_stream import CasesReplica, following_cases
from services.supervision.application import ServiceStates
from services.supervision.bootstrap import build
from services.supervision.config import SupervisionSettings
from tests.application.all_services import all_served
from tests.application.pipeline import AUDITOR, Pipeline
from tests.supervision_world import Disagreeing, InProcessStates

# A permission violation is not answered: a JetStream publish then waits for an ack in vain.
REFUSED = (NatsError, asyncio.TimeoutError)


@dataclass
class Bus:
    url: str
    identities: BusIdentities

    def login(self, principal: str) -> BusLogin:
        return BusLogin(principal, self.identities.seed_file(principal))


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    """A nats-server that admits only the system's identities, as `casetrail up` runs it."""
    identities = BusIdentities.kept_in(tmp_path / "secrets")
    server = EmbeddedNats(tmp_path / "nats", more_config=identities.authorization()).start()
    try:
        yield Bus(server.url, identities)
    finally:
        server.stop()


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    with all_served((f"sqlite:///{tmp_path / 'events.db'}", None), tmp_path) as running:
        yield Pipeline(running)


async def published(bus: Bus, envelopes: list[Envelope]) -> list[int]:
    """Each envelope on CASES, published by its own service's identity; their sequences."""
    clients: dict[str, Client] = {}
    sequences = []
    try:
        for service in SERVICES:
            clients[service] = await connect(bus.url, f"{service}-test", bus.login(service))
        await ensure_streams(clients["intake"].jetstream())
        for e in envelopes:
            ack = await clients[e.service].jetstream().publish(
                case_subject(e.case_id, e.service, e.type), e.to_bytes(), stream=CASES_STREAM,
                headers={MSG_ID_HEADER: str(e.event_id)})
            sequences.append(ack.seq)
    finally:
        for client in clients.values():
            await client.close()
    return sequences


@dataclass
class WatchedReplica(CasesReplica):
    """The replica, telling a waiting test each time it took a message."""

    moved: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, body: bytes, position: int | None = None) -> None:
        super().take(body, position)
        self.moved.set()


@dataclass
class Following:
    replica: WatchedReplica
    stop: asyncio.Event

    async def holding(self, case_id: UUID, count: int) -> None:
        """Until the replica has read `count` events of the case, and CASES to its end."""
        async with asyncio.timeout(30):
            while len(self.replica.envelopes(case_id)) < count or not self.replica.caught_up:
                self.replica.moved.clear()
                await self.replica.moved.wait()


@pytest.fixture
async def following(bus: Bus) -> AsyncIterator[Following]:
    replica, stop = WatchedReplica(), asyncio.Event()
    task = asyncio.create_task(following_cases(bus.url, bus.login(SUPERVISION), replica,
                                               wait_seconds=0.2)(stop))
    yield Following(replica, stop)
    stop.set()
    await task


async def trail(tmp_path: Path, replica: CasesReplica, states: ServiceStates,
                case_id: UUID) -> dict[str, Any]:
    settings = SupervisionSettings.model_validate({
        "CASETRAIL_DATA_DIR": str(tmp_path),
        "store_url": f"sqlite:///{tmp_path / 'supervision.db'}"})
    api = build(settings, replica, states)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                     base_url="http://supervision") as client:
            answer = await client.get(f"/cases/{case_id}/trail", headers=AUDITOR)
    finally:
        api.state.runtime.thread.shutdown()
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


async def test_a_case_through_the_pipeline_reads_the_same_from_cases_and_from_the_stores(
        bus: Bus, pipeline: Pipeline, following: Following, tmp_path: Path) -> None:
    case_id = pipeline.reported()
    pipeline.decided(case_id, Tier.SERIOUS)
    pipeline.acknowledged(case_id)
    pipeline.referred_and_accepted(case_id)
    await published(bus, pipeline.trail)
    await following.holding(case_id, len(pipeline.trail))

    view = await trail(tmp_path, following.replica, InProcessStates(pipeline.services),
                       case_id)
    assert view["differences"] == []
    assert {answer["status"] for answer in view["stores"].values()} == {"answered"}
    assert len(view["events"]) == len(pipeline.trail)
    state = view["state"]
    assert (state["stage"], state["assessment"]["tier"]) == ("referred", "serious")
    assert state["referral"]["referrals"][0]["status"] == "accepted"

    disagreeing = Disagreeing(InProcessStates(pipeline.services), "referral", "closed", True)
    view = await trail(tmp_path / "again", following.replica, disagreeing, case_id)
    assert view["differences"] == [{"service": "referral", "field": "closed",
                                    "cases_says": False, "store_says": True}]


async def test_an_event_published_after_the_replay_is_followed(
        bus: Bus, pipeline: Pipeline, following: Following) -> None:
    case_id = pipeline.reported()
    await published(bus, pipeline.trail)
    await following.holding(case_id, len(pipeline.trail))
    held = len(pipeline.trail)
    pipeline.decided(case_id, Tier.SERIOUS)
    sequences = await published(bus, pipeline.trail[held:])
    await following.holding(case_id, len(pipeline.trail))
    assert [e.type for e in following.replica.envelopes(case_id)][held:] == [
        e.type for e in pipeline.trail[held:]]
    # Each envelope at its stream sequence on CASES, as the worklist and the timeline say.
    assert [position for position, _ in following.replica.positioned(case_id)][held:] == (
        sequences)


async def test_supervisions_identity_reads_cases_but_publishes_nothing(
        bus: Bus, pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    await published(bus, pipeline.trail)
    client = await connect(bus.url, "supervision-test", bus.login(SUPERVISION))
    try:
        [first, *_] = pipeline.trail
        with pytest.raises(REFUSED):
            await client.jetstream().publish(
                case_subject(case_id, "assessment", "TierDecided"), first.to_bytes(),
                stream=CASES_STREAM, timeout=2)
        with pytest.raises(REFUSED):
            await client.jetstream().delete_stream(CASES_STREAM)
        with pytest.raises(REFUSED):  # the services' dead letters are not the record
            await read_all(client, DLQ_STREAM, dlq_subject("intake"), timeout=1)
    finally:
        await client.close()

"""The services on a three-node JetStream cluster as compose runs it (every stream on three
replicas, each service its own bus identity, clients over TLS): the node leading CASES
SIGKILLed mid-flow, then a service process, and every case still completes, nothing is lost
and no effect repeats. The service starts again while the cluster may still be electing
leaders for what the node led, and waits that out; the node, started again, catches up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import PeerInfo
from nats.js.errors import ServiceUnavailableError

from casetrail.bus.identities import OPERATOR
from casetrail.bus.local_cluster import NatsCluster
from casetrail.cli.bus_credentials import write_bus_credentials
from casetrail.cli.desk import Desk
from casetrail.service import connect
from contracts.envelope import SERVICES
from contracts.subjects import CASES_STREAM
from tests.crisis_flow import (
    assert_every_effect_exactly_once,
    families_on_file,
    report_crisis_cases,
    wait_until_complete,
)
from tests.identity import cast
from tests.infra import fresh_schema, new_nats_cluster
from tests.system import running_services

pytestmark = pytest.mark.e2e

CASES_PER_RUN = 20


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, postgres: str | None) -> Iterator[dict[str, str]]:
    """The services' store settings: SQLite files in the data dir, or one fresh schema."""
    if request.param == "sqlite":
        yield {}
        return
    if postgres is None:
        pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on PostgreSQL")
    with fresh_schema(postgres, "e2e") as schema:
        yield {f"{s.upper()}_{key}": value for s in SERVICES
               for key, value in (("STORE_URL", postgres), ("STORE_SCHEMA", schema))}


async def test_a_nats_node_and_then_a_service_killed_mid_flow_lose_nothing_and_repeat_nothing(
        tmp_path: Path, stores: dict[str, str]) -> None:
    identities = write_bus_credentials(tmp_path / "secrets", ["localhost", "127.0.0.1"])
    tls = tmp_path / "secrets" / "tls"
    with (new_nats_cluster(tmp_path / "nats", identities.authorization(), tls) as nats,
          running_services(tmp_path, nats.url, {
              "CASETRAIL_STREAM_REPLICAS": "3", "NATS_TLS_CA_FILE": str(tls / "ca.pem"),
              **stores}) as system):
        nc = await connect(nats.url, "e2e-cluster", system.login(OPERATOR))
        try:
            async with httpx.AsyncClient(timeout=30.0) as http:
                desk = Desk(system.runtime, nc, http, cast())
                cases = await nc.jetstream().stream_info(CASES_STREAM)
                assert cases.config.num_replicas == 3
                assert cases.cluster is not None and cases.cluster.leader is not None
                students = await families_on_file(desk, 3 * CASES_PER_RUN)
                runs = [students[n * CASES_PER_RUN:(n + 1) * CASES_PER_RUN] for n in range(3)]

                first = asyncio.create_task(report_crisis_cases(desk, runs[0]))
                await asyncio.sleep(0.3)
                killed = nats.node_named(cases.cluster.leader)
                nats.kill(killed)
                case_ids = await first

                second = asyncio.create_task(report_crisis_cases(desk, runs[1]))
                await asyncio.sleep(0.3)
                victim = system.cluster.processes["notification"]
                victim.kill()
                case_ids += await second
                case_ids += await report_crisis_cases(desk, runs[2])  # while it is down
                system.cluster.start(victim.service, victim.role)

                await wait_until_complete(desk, case_ids)
                await assert_every_effect_exactly_once(system, nc, case_ids)
                await asyncio.to_thread(killed.start)
                await every_replica_current(nc, nats)
        finally:
            await nc.close()


async def every_replica_current(nc: Client, nats: NatsCluster, timeout: float = 30.0) -> None:
    """Until CASES has its three replicas again, the node started again among them, each
    current with its leader."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        replicas: list[PeerInfo] = []
        # The node catching up may be electing meanwhile: an answer that does not come is
        # asked again.
        with contextlib.suppress(NatsTimeoutError, ServiceUnavailableError):
            info = (await nc.jetstream().stream_info(CASES_STREAM)).cluster
            replicas = (info.replicas or []) if info is not None else []
        if len(replicas) == nats.size - 1 and all(r.current and not r.lag for r in replicas):
            return
        assert asyncio.get_running_loop().time() < deadline, f"CASES replicas: {replicas}"
        await asyncio.sleep(0.5)

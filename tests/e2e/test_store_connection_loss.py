"""Every service's PostgreSQL connections cut mid-flow, twice, as a database restart would
cut them: every case still completes, nothing is lost, no effect repeats, and each service
answers /health again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from casetrail.bus.identities import OPERATOR
from casetrail.cli.desk import Desk
from casetrail.cli.processes import SERVED
from casetrail.service import connect
from contracts.envelope import SERVICES
from tests.crisis_flow import (
    assert_every_effect_exactly_once,
    families_on_file,
    report_crisis_cases,
    wait_until_complete,
)
from tests.identity import cast
from tests.infra import fresh_database
from tests.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CASES_PER_RUN = 20
CUTS = 2
SECONDS_BETWEEN_CUTS = 3.0


@pytest.fixture
def database(postgres: str | None) -> Iterator[str]:
    """A database of its own, so that cutting its connections cuts only the services'."""
    if postgres is None:
        pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on PostgreSQL")
    with fresh_database(postgres, "e2e") as url:
        yield url


def cut_every_connection(database: str) -> int:
    """Terminates every other backend on the database, as its restart would; returns how
    many."""
    engine = sqlalchemy.create_engine(database)
    try:
        with engine.begin() as connection:
            return len(connection.execute(sqlalchemy.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        engine.dispose()


async def assert_healthy_again(system: System, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=5.0) as http:
        for service in SERVED:
            while (response := await http.get(f"{system.cluster.url(service)}/health")
                   ).status_code != 200:
                assert time.monotonic() < deadline, f"{service}: {response.text}"
                await asyncio.sleep(0.5)


async def test_postgresql_connections_cut_mid_flow_lose_nothing_and_repeat_nothing(
        tmp_path: Path, database: str) -> None:
    stores = {f"{service.upper()}_STORE_URL": database for service in SERVICES}
    with running_system(tmp_path, stores) as system:
        nc = await connect(system.nats_url, "e2e-pgloss", system.login(OPERATOR))
        try:
            async with httpx.AsyncClient(timeout=60.0) as http:
                desk = Desk(system.runtime, nc, http, cast())
                students = await families_on_file(desk, 2 * CASES_PER_RUN)
                first = asyncio.create_task(report_crisis_cases(desk, students[:CASES_PER_RUN]))
                await asyncio.sleep(0.3)
                for cut in range(CUTS):
                    if cut:
                        await asyncio.sleep(SECONDS_BETWEEN_CUTS)
                    assert cut_every_connection(database) > 0
                case_ids = await first
                case_ids += await report_crisis_cases(desk, students[CASES_PER_RUN:])
                await wait_until_complete(desk, case_ids)
                await assert_every_effect_exactly_once(system, nc, case_ids)
                await assert_healthy_again(system)
        finally:
            await nc.close()

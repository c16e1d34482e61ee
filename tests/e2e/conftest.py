"""The real system for end-to-end tests: its own NATS server and the eight processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.identities import OPERATOR
from casetrail.cli.desk import Desk
from casetrail.service import connect
from tests.identity import cast
from tests.system import System, running_system


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A fresh NATS per module: consumers start from an empty CASES stream."""
    with running_system(tmp_path_factory.mktemp("system")) as system:
        yield system


@pytest.fixture
async def nc(system: System) -> AsyncIterator[Client]:
    """The tests read the bus as the operators' tools do."""
    client = await connect(system.nats_url, "e2e-test", system.login(OPERATOR))
    yield client
    await client.close()


@pytest.fixture
async def as_intake(system: System) -> AsyncIterator[Client]:
    """A client holding intake's credentials: an insider who can publish intake's subjects."""
    client = await connect(system.nats_url, "e2e-insider", system.login("intake"))
    yield client
    await client.close()


@pytest.fixture
async def desk(system: System, nc: Client) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30.0) as http:
        yield Desk(system.runtime, nc, http, cast())

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from casetrail.bus.identities import BusLogin
from casetrail.service import connect
from contracts.streams import ensure_streams
from tests.infra import new_nats_server


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    client = await connect(nats_url, "integration-test", BusLogin("test"))
    await ensure_streams(client.jetstream())
    yield client
    await client.close()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[str]:
    """A NATS server of the test's own, for a test that reads back everything on a subject
    (each service's checkpoints) and must not see another test's."""
    with new_nats_server(tmp_path / "nats") as url:
        yield url

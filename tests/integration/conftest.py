from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client

from casetrail.bus.identities import BusLogin
from casetrail.service import connect
from contracts.streams import ensure_streams


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    client = await connect(nats_url, "integration-test", BusLogin("test"))
    await ensure_streams(client.jetstream())
    yield client
    await client.close()

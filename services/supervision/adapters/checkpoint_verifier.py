"""A case verified from the bus alone, as any auditor could: its events on CASES and every
checkpoint on CHECKPOINTS read with supervision's read-only login, the checkpoints' signatures
checked against the services' pinned verifier keys."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from uuid import UUID

from nats.errors import Error as NatsError

from casetrail.bus.identities import BusLogin
from casetrail.ledger.sources import verified_on_the_bus
from casetrail.ledger.verification import Verdict
from casetrail.service import connect
from services.supervision.application import VerificationUnavailable


class CheckpointsOnTheBus:
    def __init__(self, nats_url: str, login: BusLogin, keys: Mapping[str, str],
                 timeout_seconds: float) -> None:
        self.nats_url = nats_url
        self.login = login
        self.keys = dict(keys)
        self.timeout_seconds = timeout_seconds

    async def verify(self, case_id: UUID) -> Verdict:
        try:
            # The client reconnects for ever: a bus that does not answer in time is down.
            async with asyncio.timeout(self.timeout_seconds):
                nc = await connect(self.nats_url, "supervision-verify", self.login)
                try:
                    return await verified_on_the_bus(nc, self.keys, case_id)
                finally:
                    await nc.close()
        except (NatsError, OSError, TimeoutError) as failed:
            raise VerificationUnavailable(f"the bus could not be read: {failed!r}") from None

"""One subscription to every case event, for a client that waits on many cases at once.

`casetrail.bus.replay.wait_for_event` asks JetStream for a consumer per wait, which is
right for one wait but costs the server and the client more than the system under load
(the benchmark's many waits): this keeps every envelope seen since it started, by case,
and answers each wait from them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from uuid import UUID

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from contracts.envelope import Envelope
from contracts.subjects import CASE_SUBJECTS

Matching = Callable[[Envelope], bool]


class EventWatch:
    """Every event published on CASES after `start()`, kept by case (core NATS, no
    consumer): start it before the first command whose events it is to see."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self._seen: dict[UUID, list[Envelope]] = defaultdict(list)
        self._waiting: dict[UUID, list[tuple[Matching, asyncio.Future[Envelope]]]] = \
            defaultdict(list)
        self._sub: Subscription | None = None

    async def start(self) -> EventWatch:
        self._sub = await self.nc.subscribe(CASE_SUBJECTS, cb=self._received)
        await self.nc.flush()
        return self

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()

    async def _received(self, msg: Msg) -> None:
        envelope = Envelope.from_bytes(msg.data)
        self._seen[envelope.case_id].append(envelope)
        waiting = self._waiting.get(envelope.case_id, [])
        for matching, found in list(waiting):
            if not found.done() and matching(envelope):
                found.set_result(envelope)
                waiting.remove((matching, found))

    async def wait(self, case_id: UUID, service: str, event_type: str,
                   matching: Matching = lambda _: True, timeout: float = 30.0) -> Envelope:
        """The first `service.event_type` event of the case that matches, seen or to come."""

        def wanted(envelope: Envelope) -> bool:
            return (envelope.service == service and envelope.type == event_type
                    and matching(envelope))

        for envelope in self._seen.get(case_id, []):
            if wanted(envelope):
                return envelope
        found: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
        self._waiting[case_id].append((wanted, found))
        try:
            return await asyncio.wait_for(found, timeout)
        except TimeoutError:
            raise TimeoutError(f"no matching {service}.{event_type} for case {case_id} in "
                               f"{timeout}s") from None
        finally:
            if (wanted, found) in self._waiting.get(case_id, []):
                self._waiting[case_id].remove((wanted, found))

"""CASES in memory: replayed from its first message at every start through an ordered
consumer (nats-py), then followed; supervision keeps nothing of a case on disk."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from casetrail import faults
from casetrail.bus.identities import BusLogin
from casetrail.service import BackgroundTask, connect
from contracts.envelope import Envelope
from contracts.subjects import CASE_SUBJECTS, CASES_STREAM

log = logging.getLogger(__name__)


@dataclass
class CasesReplica:
    """Every envelope read from CASES, by case, each event once, in stream order."""

    by_case: dict[UUID, list[Envelope]] = field(default_factory=dict)
    # Each event's stream sequence on CASES (where it was first read).
    positions: dict[UUID, int] = field(default_factory=dict)
    read: int = 0
    unreadable: int = 0
    caught_up: bool = False
    # Read models folded as CASES is read (each envelope once, in stream order, with its
    # stream position).
    followers: list[Callable[[Envelope, int], None]] = field(default_factory=list)

    def take(self, body: bytes, position: int | None = None) -> None:
        """The message at stream sequence `position` (else: the count read so far)."""
        self.read += 1
        position = self.read if position is None else position
        try:
            envelope = Envelope.from_bytes(body)
        except ValidationError:
            # Counted, never a reason to stop reading the record (its subject's
            # permissions say who could have written it).
            self.unreadable += 1
            return
        if envelope.event_id in self.positions:
            return
        self.positions[envelope.event_id] = position
        self.by_case.setdefault(envelope.case_id, []).append(envelope)
        for follower in self.followers:
            follower(envelope, position)

    def envelopes(self, case_id: UUID) -> Sequence[Envelope]:
        return tuple(self.by_case.get(case_id, ()))

    def positioned(self, case_id: UUID) -> Sequence[tuple[int, Envelope]]:
        """The case's envelopes, each with its stream position, in stream order."""
        return tuple((self.positions[e.event_id], e) for e in self.by_case.get(case_id, ()))

    def progress(self) -> dict[str, Any]:
        return {CASES_STREAM: {"read": self.read, "unreadable": self.unreadable,
                               "cases": len(self.by_case), "caught_up": self.caught_up}}


def following_cases(nats_url: str, login: BusLogin, replica: CasesReplica,
                    wait_seconds: float = 1.0) -> BackgroundTask:
    """Reads CASES from its start into the replica, then each new event, until stopped; a
    stream not there yet (supervision started first) or a lost server is waited for, and
    reading starts again from the start (the replica keeps each event once)."""

    async def follow(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await _read(nats_url, login, replica, wait_seconds, stop)
            except NatsError as failed:
                faults.note(failed, "cases-replica")
                log.warning("supervision: cannot read CASES (%r); trying again", failed)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait_seconds)

    return follow


async def _read(nats_url: str, login: BusLogin, replica: CasesReplica, wait_seconds: float,
                stop: asyncio.Event) -> None:
    nc = await connect(nats_url, "supervision-cases", login)
    try:
        js = nc.jetstream()
        info = await js.stream_info(CASES_STREAM)
        sub = await js.subscribe(CASE_SUBJECTS, stream=CASES_STREAM, ordered_consumer=True,
                                 config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
        if info.state.messages == 0:
            replica.caught_up = True
        while not stop.is_set():
            try:
                msg = await sub.next_msg(timeout=wait_seconds)
            except NatsTimeout:
                continue
            replica.take(msg.data, msg.metadata.sequence.stream)
            if msg.metadata.num_pending == 0 and not replica.caught_up:
                replica.caught_up = True
                log.info("supervision: CASES replayed, %d events of %d cases",
                         replica.read, len(replica.by_case))
    finally:
        await nc.close()

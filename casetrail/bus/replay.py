"""Reading a case's whole trail back from the CASES stream alone, as any NATS client could."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy

from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM, DLQ_STREAM, case_subject, case_trail, dlq_subject


@dataclass(frozen=True)
class StreamMessage:
    """A message as the stream keeps it: its subject, body, headers and stream sequence."""

    subject: str
    data: bytes
    headers: dict[str, str]
    seq: int


async def read_messages(nc: Client, stream: str, subject: str,
                        timeout: float) -> list[StreamMessage]:
    """Every message on `subject` in stream order, through a throw-away ordered consumer."""
    js = nc.jetstream()
    sub = await js.subscribe(subject, stream=stream, ordered_consumer=True,
                             config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    messages: list[StreamMessage] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=timeout)
            except NatsTimeout:
                break
            messages.append(StreamMessage(msg.subject, msg.data, dict(msg.headers or {}),
                                          msg.metadata.sequence.stream))
            if msg.metadata.num_pending == 0:
                break
    finally:
        await sub.unsubscribe()
    return messages


async def read_all(nc: Client, stream: str, subject: str, timeout: float) -> list[bytes]:
    """The bodies of every message on `subject`, in stream order."""
    return [message.data for message in await read_messages(nc, stream, subject, timeout)]


async def case_timeline(nc: Client, case_id: UUID, timeout: float = 1.0) -> list[Envelope]:
    """The case's events across services, in stream order, each event once."""
    seen: set[UUID] = set()
    trail: list[Envelope] = []
    for body in await read_all(nc, CASES_STREAM, case_trail(case_id), timeout):
        envelope = Envelope.from_bytes(body)
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            trail.append(envelope)
    return trail


async def dead_letters(nc: Client, service: str, timeout: float = 1.0) -> list[dict[str, object]]:
    return [json.loads(body) for body in
            await read_all(nc, DLQ_STREAM, dlq_subject(service), timeout)]


async def wait_for_event(nc: Client, case_id: UUID, service: str, event_type: str,
                         matching: Callable[[Envelope], bool] = lambda _: True,
                         timeout: float = 30.0) -> Envelope:
    """The first `service.event_type` event of the case that matches, once it is on CASES."""
    js = nc.jetstream()
    sub = await js.subscribe(case_subject(case_id, service, event_type), stream=CASES_STREAM,
                             ordered_consumer=True,
                             config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                envelope = Envelope.from_bytes((await sub.next_msg(timeout=left)).data)
            except NatsTimeout:
                break
            if matching(envelope):
                return envelope
    finally:
        await sub.unsubscribe()
    raise TimeoutError(f"no matching {service}.{event_type} for case {case_id} in {timeout}s")

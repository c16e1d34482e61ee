"""The outbox relay: a service's notification log, in order, onto the CASES stream.

Publish first, then remember the position: a crash in between re-publishes the same
events with the same `Nats-Msg-Id`, which JetStream drops inside its duplicate window and
consumers recognise by the event's identity beyond it. Nothing committed is ever skipped.
So the position need not be saved after every batch: at most every `save_seconds`, and when
the relay stops; a crash re-publishes at most what went out since.

A batch goes out as one chain per case, the chains side by side: a case's events in the
order of the log, each after the one before it was acknowledged, so no failure can put a
case's later event on the stream before its earlier one; events of different cases have no
order to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind

from casetrail import faults, tracing
from casetrail.bus.envelopes import PublishedEvents, UnpublishedEvent
from casetrail.kernel import EventMeta, EventNotPublishable
from casetrail.store import ServiceApplication
from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER, case_subject

log = logging.getLogger(__name__)


def relay_position_name(service: str) -> str:
    return f"{service}-to-{CASES_STREAM}"


@dataclass(frozen=True)
class Stuck:
    """The event a relay cannot get past: its log position, its type, and why."""

    position: int
    event_type: str
    reason: str


def _stuck(notification: Notification, error: Exception) -> Stuck:
    if isinstance(error, EventNotPublishable):
        return Stuck(notification.id, error.event_type, str(error))
    # The stored topic names the domain event's class; another error's text may carry data.
    kind = notification.topic.rpartition(":")[2]
    reason = str(error) if isinstance(error, UnpublishedEvent) else type(error).__name__
    return Stuck(notification.id, kind, reason)


@dataclass(frozen=True)
class Going:
    """An event on its way to the bus, and the trace it was recorded in (if traced)."""

    envelope: Envelope
    traceparent: str | None


def _going(app: ServiceApplication, published: PublishedEvents,
           notification: Notification) -> Going | Stuck | None:
    if notification.topic in published.internal_topics:
        return None
    try:
        event = app.mapper.to_domain_event(notification)
        envelope = published.envelope(event)
    except Exception as error:
        return _stuck(notification, error)
    if envelope is None:
        return None
    meta: EventMeta | None = getattr(event, "meta", None)
    return Going(envelope, meta.traceparent if meta is not None else None)


def stuck_at(app: ServiceApplication, published: PublishedEvents,
             relayed: int) -> dict[str, Any] | None:
    """The next event after position `relayed`, if it is one the bus cannot take."""
    following = app.recorder.select_notifications(start=relayed + 1, limit=1)
    found = _going(app, published, following[0]) if following else None
    return asdict(found) if isinstance(found, Stuck) else None


class OutboxRelay:
    def __init__(self, *, app: ServiceApplication, published: PublishedEvents,
                 positions: TrackingRecorder, js: JetStreamContext, batch: int = 500,
                 save_seconds: float = 0.0) -> None:
        self.app = app
        self.published = published
        self.positions = positions
        self.js = js
        self.batch = batch
        self.save_seconds = save_seconds
        self.position_name = relay_position_name(published.service)
        # Read once: this relay is the only writer of its position.
        self._relayed = self._saved = positions.max_tracking_id(self.position_name) or 0
        self._saved_at = time.monotonic()
        self.stuck: Stuck | None = None

    def last_relayed(self) -> int:
        return self._relayed

    def _pending(self) -> Sequence[Notification]:
        # While stuck, only the event it is stuck on: it is re-read until it can go.
        return self.app.recorder.select_notifications(
            start=self._relayed + 1, limit=1 if self.stuck else self.batch)

    async def relay_once(self) -> int:
        """Publish what is pending, in order; return how many notifications were passed over.

        An event that cannot be published stops the relay there (nothing behind it may
        overtake it), after the position of what did go out is saved; it is logged once.
        A failure to publish is raised once the position of what went out before it is kept.
        """
        pending = await asyncio.to_thread(self._pending)
        going: list[Going | None] = []
        for notification in pending:
            found = _going(self.app, self.published, notification)
            if isinstance(found, Stuck):
                self._stuck_on(found)
                break
            self.stuck = None
            going.append(found)
        sent, failure = await self._publish_by_case(pending, going)
        if sent:
            self._relayed = pending[sent - 1].id
        if failure is not None or self.stuck is not None:
            await self.save_position()
        else:
            await self.save_position_when_due()
        if failure is not None:
            raise failure
        return sent

    async def _publish_by_case(self, pending: Sequence[Notification],
                               going: list[Going | None]
                               ) -> tuple[int, Exception | None]:
        """How many of `going` (from the start) are on the stream, and the first failure."""
        done = [event is None for event in going]  # internal: nothing to publish
        chains: dict[UUID, list[int]] = defaultdict(list)
        for index, event in enumerate(going):
            if event is not None:
                chains[event.envelope.case_id].append(index)

        async def chain(indexes: list[int]) -> None:
            for index in indexes:
                event = going[index]
                assert event is not None
                await self._publish(pending[index].id, event)
                done[index] = True

        failures = await asyncio.gather(*map(chain, chains.values()), return_exceptions=True)
        sent = next((index for index, ok in enumerate(done) if not ok), len(done))
        failure = next((f for f in failures if isinstance(f, BaseException)), None)
        if isinstance(failure, BaseException) and not isinstance(failure, Exception):
            raise failure  # cancelled, or the process is going down
        return sent, failure

    async def save_position_when_due(self) -> None:
        if time.monotonic() - self._saved_at >= self.save_seconds:
            await self.save_position()

    async def save_position(self) -> None:
        if self._relayed != self._saved:
            await asyncio.to_thread(self.positions.insert_tracking,
                                    Tracking(self.position_name, self._relayed))
            self._saved = self._relayed
        self._saved_at = time.monotonic()

    def _stuck_on(self, stuck: Stuck) -> None:
        if stuck != self.stuck:
            log.error("relay of %s is stuck at position %d (%s): %s; nothing after it goes "
                      "out until it can", self.published.service, stuck.position,
                      stuck.event_type, stuck.reason)
        self.stuck = stuck

    async def _publish(self, position: int, event: Going) -> None:
        envelope = event.envelope
        with tracing.span(f"publish {envelope.type}", kind=SpanKind.PRODUCER,
                          parent=event.traceparent, case_id=envelope.case_id,
                          attributes={"messaging.system": "nats",
                                      "messaging.destination.name": CASES_STREAM,
                                      "casetrail.event_type": envelope.type}) as span:
            ack = await self.js.publish(
                case_subject(envelope.case_id, envelope.service, envelope.type),
                envelope.to_bytes(),
                stream=CASES_STREAM,
                headers={MSG_ID_HEADER: str(envelope.event_id),
                         POSITION_HEADER: str(position), **tracing.headers_of(span)},
            )
        if ack.duplicate:
            log.info("event %s was already on %s (seq %s)", envelope.event_id, CASES_STREAM,
                     ack.seq)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event, poll_seconds: float) -> None:
        """Relay until stopped; woken by the service after each commit, and polling anyway
        every `poll_seconds`, so a lost wake-up only delays, never loses."""
        failures = 0
        while not stop.is_set():
            wake.clear()
            pause = poll_seconds
            try:
                relayed = await self.relay_once()
            except Exception as error:
                # Keep going: the events are safe in the store and will be retried. Said
                # once, not at every try; the tries slow down to one every ten seconds.
                faults.note(error, f"{self.published.service}-relay")
                if not failures:
                    log.warning("relay of %s cannot publish (%s: %s); trying again",
                                self.published.service, type(error).__name__, error)
                failures += 1
                pause = min(10.0, max(poll_seconds, 0.5 * 2 ** min(failures, 5)))
            else:
                if failures:
                    log.warning("relay of %s publishes again after %d failed tries",
                                self.published.service, failures)
                    failures = 0
                if relayed:
                    continue
                await self.save_position_when_due()  # idle: what went out is kept soon
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), pause)
        await self.save_position()

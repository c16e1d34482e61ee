"""The outbox relay: a service's notification log, in order, onto the CASES stream.

Publish first, then remember the position: a crash in between re-publishes the same
events with the same `Nats-Msg-Id`, which JetStream drops inside its duplicate window and
consumers drop by position beyond it. Nothing committed is ever skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from nats.js import JetStreamContext

from casetrail.bus.envelopes import PublishedEvents
from casetrail.store import ServiceApplication
from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER, case_subject

log = logging.getLogger(__name__)


def relay_position_name(service: str) -> str:
    return f"{service}-to-{CASES_STREAM}"


class OutboxRelay:
    def __init__(self, *, app: ServiceApplication, published: PublishedEvents,
                 positions: TrackingRecorder, js: JetStreamContext, batch: int = 500) -> None:
        self.app = app
        self.published = published
        self.positions = positions
        self.js = js
        self.batch = batch
        self.position_name = relay_position_name(published.service)
        # Read once: this relay is the only writer of its position.
        self._relayed = positions.max_tracking_id(self.position_name) or 0

    def last_relayed(self) -> int:
        return self._relayed

    def _pending(self) -> Sequence[Notification]:
        return self.app.recorder.select_notifications(start=self._relayed + 1,
                                                      limit=self.batch)

    async def relay_once(self) -> int:
        """Publish what is pending, in order; return how many notifications were passed over.

        An event that cannot be published stops the relay there (nothing behind it may
        overtake it), after the position of what did go out is saved.
        """
        pending = await asyncio.to_thread(self._pending)
        done = 0
        try:
            for notification in pending:
                envelope = self.published.envelope(self.app.mapper.to_domain_event(notification))
                if envelope is not None:
                    await self._publish(notification.id, envelope)
                done += 1
        finally:
            if done:
                position = pending[done - 1].id
                await asyncio.to_thread(self.positions.insert_tracking,
                                        Tracking(self.position_name, position))
                self._relayed = position
        return done

    async def _publish(self, position: int, envelope: Envelope) -> None:
        ack = await self.js.publish(
            case_subject(envelope.case_id, envelope.service, envelope.type),
            envelope.to_bytes(),
            stream=CASES_STREAM,
            headers={MSG_ID_HEADER: str(envelope.event_id), POSITION_HEADER: str(position)},
        )
        if ack.duplicate:
            log.info("event %s was already on %s (seq %s)", envelope.event_id, CASES_STREAM,
                     ack.seq)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event, poll_seconds: float) -> None:
        """Relay until stopped; woken by the service after each commit, and polling anyway
        every `poll_seconds`, so a lost wake-up only delays, never loses."""
        while not stop.is_set():
            wake.clear()
            pause = poll_seconds
            try:
                if await self.relay_once():
                    continue
            except Exception:
                # Keep going: the events are safe in the store and will be retried.
                log.exception("relay of %s failed; retrying", self.published.service)
                pause = max(poll_seconds, 1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), pause)

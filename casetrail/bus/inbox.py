"""The inbox: a service's durable consumer of another service's events.

Each message is handled on the application thread, and a mark of that message (a digest of
it, see `handled_mark`) is saved in the same transaction as the events it causes, so a
redelivery or a replay is recognised and causes nothing twice. Nothing a message says
decides what else counts as handled: a forged or replayed message is at worst itself.
A message that cannot be handled goes to `dlq.<service>` with the reason once it is
invalid, or after `max_deliver` attempts, and the consumer moves on.

Messages are fetched as many at a time as are waiting (up to `batch`) and handled one after
the other in stream order, their effects in one commit (casetrail.bus.handling). A message
that fails is tried again here, holding back the ones
behind it (kept in progress on the server), so no later event of a case is handled before
an earlier one; the type of an event is read off its subject, so an event the service does
not act on is acknowledged without being decoded. What it handles, tries again, is given
again and dead-letters is counted on the process's metrics (casetrail.metrics). A consumer
the server lost (deleted, or a restart without its store) is provisioned again as at start,
streams first if they went too, and takes the stream from its start: nothing handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError, InternalError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry.trace import Span, SpanKind
from pydantic import ValidationError

from casetrail import faults, tracing
from casetrail.bus.handling import (
    ConflictingCopy,
    Handler,
    Taken,
    handle_once,
    handle_together,
    handled_before,
    handled_mark,
)
from casetrail.kernel import CaseNotFound, CaseRuleViolated, EventNotPublishable
from casetrail.metrics import ServiceMetrics
from casetrail.store import STORE_UNREACHABLE, ServiceApplication
from casetrail.worker import ApplicationThread
from contracts.dead_letters import DeadLetter
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, read_data
from contracts.streams import ensure_streams
from contracts.subjects import (
    CASES_STREAM,
    DLQ_STREAM,
    MSG_ID_HEADER,
    case_subject,
    dlq_subject,
    durable_name,
    from_service,
)

log = logging.getLogger(__name__)

class Unreadable(ValueError):
    """A message no handler should see: not a valid envelope, or an unknown version."""


# Messages fetched and in flight at once, and how long the server waits for an answer to
# one before it delivers it again (the inbox keeps the ones it holds in progress).
BATCH = 100
ACK_WAIT_SECONDS = 30.0
# When the server has given every unacknowledged message back (its check runs about once a
# second after the wait), so a fetch takes those before anything newer.
UNACKNOWLEDGED_RETURN_SECONDS = ACK_WAIT_SECONDS + 2.0
# How long fetches may come back empty before the inbox asks whether its consumer is still
# there: one a server lost (restarted without its store, deleted by hand) only times out.
PRESENCE_SECONDS = 10.0


@dataclass(frozen=True)
class Subscription:
    """The events of one upstream service that this service acts on."""

    service: str
    upstream: str
    handlers: Mapping[str, Handler]

    @property
    def durable(self) -> str:
        return durable_name(self.service, self.upstream)

    @property
    def subject(self) -> str:
        return from_service(self.upstream)

    def consumer_config(self, ack_wait_seconds: float = ACK_WAIT_SECONDS,
                        batch: int = BATCH) -> ConsumerConfig:
        # Up to one batch in flight, handled in stream order by the one inbox that fetched
        # it: a case's events in the order they were published (a decision after the
        # detection it answers). One filter, held by the server to the subject the bus lets
        # this service create its durable with (casetrail.bus.identities).
        return ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            filter_subject=self.subject,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_seconds,
            max_ack_pending=batch,
            max_deliver=-1,  # the inbox counts deliveries itself and dead-letters
        )


async def provision(js: JetStreamContext, subscriptions: list[Subscription]) -> None:
    """Create or update the durable consumers with the settings in code (not left to drift)."""
    for subscription in subscriptions:
        await js.add_consumer(CASES_STREAM, subscription.consumer_config())


def read_message(msg: Msg, upstream: str) -> tuple[Envelope, Any]:
    """The envelope and its data, if the message is what its subject says it is: an event of
    `upstream` (the only service the bus lets publish there) about the subject's case."""
    try:
        envelope = Envelope.from_bytes(msg.data)
        expected = case_subject(envelope.case_id, upstream, envelope.type)
        if envelope.service != upstream or msg.subject != expected:
            raise Unreadable(f"subject {msg.subject} does not match the envelope's service "
                             f"{envelope.service}, case and type (expected {expected})")
        return envelope, read_data(envelope)
    except ValidationError as error:
        # Where and what, on one line; not the offending values.
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                             for e in error.errors())
        raise Unreadable(f"{error.title}: {problems}") from error
    except UnknownEvent as error:
        raise Unreadable(str(error)) from error


# Failures of the store itself (locked, unreachable, a concurrent write): they pass, so the
# message waits and is tried again for as long as it takes, never dead-lettered.
PASSING = (*STORE_UNREACHABLE, InternalError, IntegrityError, sqlalchemy.exc.InternalError,
           sqlalchemy.exc.TimeoutError)
LONGEST_WAIT_SECONDS = 60.0


def _describe(error: Exception) -> str:
    """The reason for the dead-letter queue: domain reasons in full, others by kind only,
    since a database error's text can carry the row it failed on."""
    if isinstance(error, CaseRuleViolated | CaseNotFound | EventNotPublishable):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


def event_type_of(subject: str) -> str:
    """The last token of `case.<case_id>.<service>.<event_type>`."""
    return subject.rpartition(".")[2]


class Inbox:
    def __init__(self, *, subscription: Subscription, app: ServiceApplication,
                 thread: ApplicationThread, js: JetStreamContext, max_deliver: int,
                 redelivery_delay: float, batch: int = BATCH,
                 return_seconds: float = UNACKNOWLEDGED_RETURN_SECONDS,
                 metrics: ServiceMetrics | None = None, stream_replicas: int = 1) -> None:
        self.subscription = subscription
        self.app = app
        self.thread = thread
        self.js = js
        self.max_deliver = max_deliver
        self.redelivery_delay = redelivery_delay
        self.batch = batch
        self.return_seconds = return_seconds
        self.metrics = metrics or ServiceMetrics()
        self.stream_replicas = stream_replicas  # should the streams have to be made again
        self.counts = self.metrics.consumer(subscription.service, subscription.durable)
        self.presence_seconds = PRESENCE_SECONDS
        self._turned_at = time.monotonic()
        self._lost = False

    def idle_seconds(self) -> float:
        """How long since the consumer's loop last turned (fetched, or waited its turn) with
        its consumer on the server."""
        return time.monotonic() - self._turned_at

    async def consume(self, stop: asyncio.Event, fetch_seconds: float = 1.0) -> None:
        """Fetch and handle until stopped: waiting for one message, then taking at once the
        others the server says are waiting. A message not handled by the time it stops is
        given back, in order, for the next process to take."""
        sub = await self.js.pull_subscribe_bind(self.subscription.durable, CASES_STREAM)
        failures = 0
        asked = time.monotonic()
        try:
            await self._after_the_unacknowledged(stop)
            while not stop.is_set():
                if not self._lost:  # a consumer gone from the server is no loop turning
                    self._turned_at = time.monotonic()
                try:
                    msgs = await sub.fetch(1, timeout=fetch_seconds)
                    asked = time.monotonic()
                    if waiting := min(msgs[-1].metadata.num_pending, self.batch - 1):
                        msgs += await _more(sub, waiting, fetch_seconds)
                except TimeoutError:  # nothing came (nats-py's own is one too)
                    if time.monotonic() - asked >= self.presence_seconds:
                        asked = time.monotonic()
                        sub = await self._provisioned_again(sub)
                    continue
                except Exception as error:
                    faults.note(error, self.subscription.durable)
                    if (fresh := await self._provisioned_again(sub)) is not sub:
                        sub, failures = fresh, 0
                        continue
                    # NATS away (restarting, a reconnect): the messages wait on the server.
                    if not failures:
                        log.warning("%s: cannot fetch (%s); trying again",
                                    self.subscription.durable, type(error).__name__)
                    failures += 1
                    await _pause(stop, min(10.0, 0.5 * failures))
                    continue
                failures = 0
                try:
                    await self.deliver_all(msgs, stop)
                except Exception as error:
                    # The bus went away between handling and acknowledging (what was handled
                    # is recognised when it comes again): the rest of the batch comes back
                    # once its wait is over, before anything newer is fetched.
                    faults.note(error, self.subscription.durable)
                    log.warning("%s: a batch was cut short (%s); taking it again",
                                self.subscription.durable, type(error).__name__)
                    await _pause(stop, self.return_seconds)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _provisioned_again(self, sub: JetStreamContext.PullSubscription
                                 ) -> JetStreamContext.PullSubscription:
        """The subscription to fetch with next: a new one if the server had lost the consumer
        (and maybe its streams) and it is provisioned again as at start, from the start of
        the stream (what was handled is recognised by its mark and acknowledged unhandled)."""
        durable = self.subscription.durable
        try:
            await self.js.consumer_info(CASES_STREAM, durable)
            self._lost = False  # there again (maybe made by another replica, or by hand)
            return sub
        except NotFoundError:
            pass
        except Exception:  # NATS away: the loop's waits cover it
            return sub
        if not self._lost:
            log.warning("%s: the consumer is gone from the server; provisioning it again",
                        durable)
            self._lost = True
        try:
            await ensure_streams(self.js, self.stream_replicas)
            await provision(self.js, [self.subscription])
            fresh = await self.js.pull_subscribe_bind(durable, CASES_STREAM)
        except Exception as error:  # NATS away again: asked again later
            faults.note(error, durable)
            return sub
        self._lost = False
        log.info("%s: provisioned again", durable)
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        return fresh

    async def _after_the_unacknowledged(self, stop: asyncio.Event) -> None:
        """Messages a process before this one took and never acknowledged (it was killed)
        come back only once their wait is over, while newer ones could be fetched at once:
        wait for them first, so that no later event of a case is handled before them."""
        with contextlib.suppress(Exception):  # unknown: the loop's own waits cover it
            info = await self.js.consumer_info(CASES_STREAM, self.subscription.durable)
            if info.num_ack_pending:
                log.info("%s: %d messages of a process before wait to come back first",
                         self.subscription.durable, info.num_ack_pending)
                await _pause(stop, self.return_seconds)

    async def deliver_all(self, msgs: Sequence[Msg], stop: asyncio.Event) -> None:
        """Handle fetched messages in stream order: the leading ones that read well with
        their effects in one commit (handle_together), the rest one at a time; on stopping,
        what is left is given back in order."""
        start = 0 if stop.is_set() else await self._deliver_together(msgs)
        for index in range(start, len(msgs)):
            if stop.is_set():
                for left in msgs[index:]:
                    await left.nak()
                return
            await self.deliver(msgs[index], behind=msgs[index + 1:], stop=stop)

    async def _deliver_together(self, msgs: Sequence[Msg]) -> int:
        """How many of the leading messages were handled (and acknowledged) together: those
        up to the first that is unreadable or was delivered too often, if two or more of
        them are for a handler."""
        run: list[tuple[Msg, Taken | None]] = []
        for msg in msgs:
            handler = self.subscription.handlers.get(event_type_of(msg.subject))
            if handler is None:
                run.append((msg, None))
                continue
            if msg.metadata.num_delivered > self.max_deliver:
                break
            try:
                envelope, data = read_message(msg, self.subscription.upstream)
            except Unreadable:
                break
            run.append((msg, Taken(handler, envelope, data,
                                   handled_mark(self.subscription.upstream, envelope, msg.data),
                                   functools.partial(self._span, msg))))
        taken = [item for _, item in run if item is not None]
        if len(taken) < 2:
            return 0
        stored, stopped_by = await self.thread.run(handle_together, self.app, taken)
        if stopped_by is not None:
            self.counts.retried("batch")
            log.info("%s: a batch stopped after %d of %d messages (%s); the rest one at a "
                     "time", self.subscription.durable, stored, len(taken), stopped_by)
        done = 0
        for msg, item in run:
            if item is not None:
                if not stored:
                    break
                stored -= 1
            await msg.ack()
            done += 1
            if item is not None:
                if msg.metadata.num_delivered > 1:
                    self.counts.redelivered.inc()
                self.counts.handled.inc()
        return done

    def _span(self, msg: Msg) -> AbstractContextManager[Span]:
        """The span a message's handling is traced in, a child of the upstream's trace if it
        sent one (telemetry only, read for nothing else)."""
        event_type = event_type_of(msg.subject)
        parent = msg.headers.get(tracing.TRACEPARENT) if msg.headers else None
        return tracing.span(f"handle {event_type}", kind=SpanKind.CONSUMER, parent=parent,
                            attributes={"messaging.system": "nats",
                                        "messaging.destination.name": CASES_STREAM,
                                        "messaging.consumer.group.name":
                                            self.subscription.durable,
                                        "casetrail.event_type": event_type})

    async def deliver(self, msg: Msg, *, behind: Sequence[Msg] = (),
                      stop: asyncio.Event | None = None) -> None:
        """Handle one message until it is handled or dead-lettered (or the inbox stops,
        leaving it to be delivered again); `behind` are the messages fetched after it."""
        handler = self.subscription.handlers.get(event_type_of(msg.subject))
        if handler is None:
            # Not an event this service acts on; an unreadable one on such a subject harms
            # nothing here either.
            await msg.ack()
            return
        with self._span(msg) as span:
            await self._handle(msg, handler, span, behind, stop)

    async def _handle(self, msg: Msg, handler: Handler, span: Span,
                      behind: Sequence[Msg] = (), stop: asyncio.Event | None = None) -> None:
        if msg.metadata.num_delivered > 1:
            self.counts.redelivered.inc()
        try:
            envelope, data = read_message(msg, self.subscription.upstream)
        except Unreadable as error:
            await self._dead_letter(msg, f"unreadable: {error}")
            return
        span.set_attribute(tracing.CASE_ID, str(envelope.case_id))
        mark = handled_mark(self.subscription.upstream, envelope, msg.data)
        if msg.metadata.num_delivered > self.max_deliver and not await self.thread.run(
                handled_before, self.app, mark):
            # Reached when the process died while handling it, every time.
            await self._dead_letter(msg, f"not handled after {self.max_deliver} deliveries")
            return
        failures = waits = 0
        while True:
            try:
                await self.thread.run(handle_once, self.app, handler, envelope, data, mark)
            except ConflictingCopy as conflict:
                # Neither handled again nor dropped unseen: a person decides which copy is
                # true.
                await self._dead_letter(msg, f"conflicting copy: {conflict}")
                return
            except PASSING as error:
                # The store, not the message: waited out for as long as it takes.
                faults.note(error, self.subscription.durable)
                waits += 1
                self.counts.retried("store")
                delay = min(LONGEST_WAIT_SECONDS, self.redelivery_delay * 2 ** min(waits, 10))
                log.warning("%s: store failed on %s %s (%s); again in %.1fs",
                            self.subscription.durable, envelope.type, envelope.event_id,
                            type(error).__name__, delay)
            except Exception as error:
                faults.note(error, self.subscription.durable)
                failures += 1
                attempts = msg.metadata.num_delivered - 1 + failures
                log.warning("%s: %s %s failed (attempt %d): %s", self.subscription.durable,
                            envelope.type, envelope.event_id, attempts, _describe(error))
                if isinstance(error, EventNotPublishable):
                    # Nothing was stored, and the same message would make the same event.
                    await self._dead_letter(msg, f"handler refused: {_describe(error)}")
                    return
                if attempts >= self.max_deliver:
                    await self._dead_letter(
                        msg, f"handler failed {attempts} times: {_describe(error)}")
                    return
                self.counts.retried("handler")
                delay = self.redelivery_delay * attempts
            else:
                await msg.ack()
                self.counts.handled.inc()
                return
            if not await _hold([msg, *behind], delay, stop):
                return  # stopping: the server delivers it again to whoever runs next

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        meta = msg.metadata
        entry = DeadLetter(service=self.subscription.service,
                           consumer=self.subscription.durable, reason=reason,
                           subject=msg.subject, stream=meta.stream,
                           stream_seq=meta.sequence.stream, deliveries=meta.num_delivered,
                           payload=msg.data.decode("utf-8", errors="replace"))
        await self.js.publish(
            dlq_subject(self.subscription.service), entry.to_bytes(),
            stream=DLQ_STREAM,
            headers={MSG_ID_HEADER: f"{self.subscription.durable}:{meta.sequence.stream}"},
        )
        log.error("%s: dead-lettered stream seq %s: %s", self.subscription.durable,
                  meta.sequence.stream, reason)
        await msg.ack()
        self.counts.dead_lettered.inc()


async def _more(sub: JetStreamContext.PullSubscription, waiting: int,
                timeout: float) -> list[Msg]:
    """What the server said was waiting behind the message just fetched: none if it does
    not come (or cannot be fetched), so the message fetched is never left unhandled."""
    try:
        return await sub.fetch(waiting, timeout=timeout)
    except Exception as error:
        log.warning("fetching the messages behind one failed (%s); taking them next",
                    type(error).__name__)
        return []


async def _pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` unless stopped first; say whether it is still running."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return not stop.is_set()


async def _hold(msgs: Sequence[Msg], seconds: float, stop: asyncio.Event | None) -> bool:
    """Wait `seconds` before a message is tried again, telling the server that it and the
    messages behind it are still being worked on, so none is delivered to anyone else
    meanwhile; False if the inbox stopped while waiting."""
    stop = stop or asyncio.Event()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        for msg in msgs:
            await msg.in_progress()
        if not await _pause(stop, min(left, ACK_WAIT_SECONDS / 3)):
            return False
    return True

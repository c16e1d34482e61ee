"""A process's Prometheus metrics, served at /metrics: what its inboxes counted since it
started, and the backlogs and readiness read at the moment of the scrape.

Each process has a registry of its own, not prometheus_client's global one, so the services
a test starts in one process do not share counts. Labels are bounded codes (the service, a
consumer's name, a channel, a reason's code): never a case id, never personal data.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from casetrail.identity.principal import Principal

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

log = logging.getLogger(__name__)

# The text format every Prometheus reads (2.x and 3.x); the names here need no escaping, so
# it is the same text as the newer version's.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

SERVICE = ("service",)
CONSUMER = ("service", "consumer")


class ServiceMetrics:
    """One process's registry and the counters its parts add to."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry()
        # The gauges are cleared and set again at each scrape: one scrape at a time, or a
        # second would clear what the first is about to answer.
        self.scraping = asyncio.Lock()
        self.handled = Counter("casetrail_inbox_handled", "Messages a consumer handled and "
                               "acknowledged", CONSUMER, registry=registry)
        self.redelivered = Counter("casetrail_inbox_redelivered", "Messages the bus delivered "
                                   "again (a process before did not acknowledge them)",
                                   CONSUMER, registry=registry)
        self.retried = Counter("casetrail_inbox_retried", "Tries of a message again after its "
                               "handling failed, by cause (store, handler, or a batch that "
                               "stopped and was taken one at a time)",
                               (*CONSUMER, "cause"), registry=registry)
        self.dead_lettered = Counter("casetrail_inbox_dead_lettered", "Messages a consumer set "
                                     "aside on the dead-letter stream", CONSUMER,
                                     registry=registry)
        self.events_recorded = Gauge("casetrail_events_recorded", "Events in the service's "
                                     "store (its notification log's last id)", SERVICE,
                                     registry=registry)
        self.relay_lag = Gauge("casetrail_relay_lag_events", "Events committed that the relay "
                               "has not published yet", SERVICE, registry=registry)
        self.relay_stalled = Gauge("casetrail_relay_stalled_seconds", "How long the relay has "
                                   "not moved while events wait", SERVICE, registry=registry)
        self.consumer_pending = Gauge("casetrail_consumer_pending_messages", "Messages on the "
                                      "stream a durable consumer has not been given yet",
                                      CONSUMER, registry=registry)
        self.consumer_unacknowledged = Gauge(
            "casetrail_consumer_ack_pending_messages", "Messages a durable consumer was given "
            "and has not acknowledged", CONSUMER, registry=registry)
        self.ready = Gauge("casetrail_ready", "1 when the service is ready, else 0, with why "
                           "not (as /health says)", (*SERVICE, "reason"), registry=registry)

    def consumer(self, service: str, durable: str) -> InboxCounts:
        return InboxCounts(self, service, durable)


class InboxCounts:
    """The counters of one durable consumer."""

    def __init__(self, metrics: ServiceMetrics, service: str, durable: str) -> None:
        self.handled = metrics.handled.labels(service, durable)
        self.redelivered = metrics.redelivered.labels(service, durable)
        self.dead_lettered = metrics.dead_lettered.labels(service, durable)
        self._retried = metrics.retried
        self._labels = (service, durable)

    def retried(self, cause: str) -> None:
        self._retried.labels(*self._labels, cause).inc()


async def observe(runtime: ServiceRuntime) -> None:
    """Set the gauges from the store and the bus as they are now; what cannot be read now
    is left out rather than shown stale (readiness says why)."""
    metrics, service = runtime.metrics, runtime.settings.service
    for gauge in (metrics.events_recorded, metrics.relay_lag, metrics.relay_stalled,
                  metrics.consumer_pending, metrics.consumer_unacknowledged):
        gauge.clear()
    outbox: dict[str, Any] | None = None
    try:
        outbox = await runtime.outbox()
    except Exception as error:
        log.debug("metrics: the store cannot be read (%s)", type(error).__name__)
    # Readiness from the outbox just read: the store is asked once a scrape.
    problem = await runtime.unready(outbox)
    metrics.ready.clear()
    metrics.ready.labels(service, problem["status"] if problem else "ready").set(
        0 if problem else 1)
    if outbox is not None:
        metrics.events_recorded.labels(service).set(outbox["committed"])
        metrics.relay_lag.labels(service).set(outbox["backlog"])
        metrics.relay_stalled.labels(service).set(outbox["stalled_seconds"])
    try:
        consumers = await runtime.consumers()
    except Exception as error:
        log.debug("metrics: the consumers cannot be read (%s)", type(error).__name__)
        return
    for durable, lag in consumers.items():
        pending, unacknowledged = lag["pending"], lag["unacknowledged"]
        if pending is None or unacknowledged is None:
            continue  # the bus cannot say now: left out
        metrics.consumer_pending.labels(service, durable).set(pending)
        metrics.consumer_unacknowledged.labels(service, durable).set(unacknowledged)


def metrics_route(api: FastAPI, runtime: ServiceRuntime, reader: Any) -> None:
    """GET /metrics, for whoever may read /status (counts only, but counts of one school)."""

    @api.get("/metrics", response_class=Response,
             responses={200: {"content": {CONTENT_TYPE: {}},
                              "description": "Prometheus text exposition format"}})
    async def metrics(_: Principal = reader) -> Response:
        """The backlogs, consumers' lag, readiness and the inboxes' counts, for Prometheus."""
        async with runtime.metrics.scraping:
            await observe(runtime)
            latest = generate_latest(runtime.metrics.registry)
        return Response(latest, media_type=CONTENT_TYPE)

"""Running one service: its HTTP API and inbox in one process, its relay in another."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from uuid import UUID

import nats
import nats.errors
import nats.js.errors
import uvicorn
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import TrackingRecorder
from fastapi import FastAPI
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from casetrail import faults, tracing
from casetrail.bus.electing import while_electing
from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.identities import BusLogin
from casetrail.bus.inbox import PASSING, Inbox, Subscription, provision
from casetrail.bus.relay import OutboxRelay, relay_position_name, stuck_at
from casetrail.http import unguarded
from casetrail.identity.access import CaseRelations
from casetrail.identity.access_book import AccessBook, keeping_access
from casetrail.identity.tokens import OtherCredentials, TokenVerifier
from casetrail.ledger.keeper import keeper_of, ledger_warnings
from casetrail.logs import log_as
from casetrail.metrics import ServiceMetrics
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication, tracking_store
from casetrail.traced_requests import traced
from casetrail.worker import ApplicationThread
from contracts.streams import ensure_streams
from contracts.subjects import CASES_STREAM, outbox_subject

log = logging.getLogger(__name__)

# Failures of the bus or the store, which the work waits out.
WAITED_OUT = (OSError, nats.errors.Error, *PASSING)
# What a JetStream cluster answers while it elects a stream's or a consumer's leader.
# A task that runs beside the API until the event is set (timers, dispatchers).
BackgroundTask = Callable[[asyncio.Event], Coroutine[None, None, None]]


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> BackgroundTask:
    """A background task that does `work` every `seconds` until stopped; a failure is logged
    and the work is tried again on the next round."""
    where = getattr(work, "__qualname__", "background work").replace("<locals>.", "")

    async def loop(stop: asyncio.Event) -> None:
        failing: str | None = None
        while not stop.is_set():
            try:
                await work()
            except Exception as error:
                faults.note(error, where)
                # Said once, not every round. The bus or the store away is waited out, a
                # warning by its kind only (a database error's text can carry a row);
                # anything else is a fault, with its traceback.
                said = type(error).__name__
                if said != failing and isinstance(error, WAITED_OUT):
                    log.warning("background work failed (%s); trying again", said)
                elif said != failing:
                    log.exception("background work failed; trying again")
                failing = said
            else:
                if failing is not None:
                    log.warning("background work runs again after: %s", failing)
                failing = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    return loop


def servers(url: str) -> list[str]:
    """NATS_URL may list a cluster's servers, comma-separated."""
    return [part.strip() for part in url.split(",") if part.strip()]


def service_login(settings: ServiceSettings) -> BusLogin:
    return BusLogin(settings.service, settings.nats_seed_file, settings.nats_tls_ca_file)


async def connect(url: str, name: str, login: BusLogin,
                  closed: Callable[[], Awaitable[None]] | None = None) -> Client:
    """A client that reconnects for ever, logging one line per failed attempt; `closed` is
    called if it is closed all the same."""

    async def error(exception: Exception) -> None:
        log.warning("%s: NATS: %r", name, exception)

    return await nats.connect(servers=servers(url), name=name, max_reconnect_attempts=-1,
                              reconnect_time_wait=0.5, error_cb=error, closed_cb=closed,
                              **login.options())


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    app: ServiceApplication
    thread: ApplicationThread
    subscriptions: list[Subscription] = field(default_factory=list)
    background: list[BackgroundTask] = field(default_factory=list)
    # What the service publishes, to tell whether its relay is stuck on an event.
    published: PublishedEvents | None = None
    js: JetStreamContext | None = None
    # Credentials that are not the issuer's JWTs (a receiver's own token), if any.
    other_credentials: OtherCredentials | None = None
    relations: CaseRelations | None = None
    # The process's Prometheus registry and counters (GET /metrics).
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    # The relay's position when first seen, and when: how long it has not moved.
    _relay_seen: tuple[int, float] | None = field(default=None, init=False, repr=False)
    # While running: the bus connection and the consumers, for readiness.
    _nc: Client | None = field(default=None, init=False, repr=False)
    _inboxes: list[Inbox] = field(default_factory=list, init=False, repr=False)
    # What its consumers and background tasks last failed on, for /status.
    last_error: faults.LastError = field(default_factory=faults.LastError, init=False,
                                         repr=False)

    def __post_init__(self) -> None:
        if self.relations is None:
            self.relations = AccessBook(self.app, self.settings.school_id)

    @functools.cached_property
    def verifier(self) -> TokenVerifier:
        return self.settings.token_verifier(self.other_credentials)

    @functools.cached_property
    def relay_positions(self) -> TrackingRecorder:
        return relay_positions_of(self.settings)

    def _outbox(self) -> dict[str, Any]:
        """The outbox's backlog, and the event the relay is stuck on if it is one the bus
        cannot take (the relay stops there rather than skip it)."""
        committed = self.app.recorder.max_notification_id() or 0
        sent = self.relay_positions.max_tracking_id(
            relay_position_name(self.settings.service)) or 0
        stuck = (stuck_at(self.app, self.published, sent)
                 if committed > sent and self.published is not None else None)
        return {"committed": committed, "relayed": sent, "backlog": committed - sent,
                "stuck": stuck}

    async def outbox(self) -> dict[str, Any]:
        """The backlog, what the relay is stuck on, and for how many seconds it has not moved
        while events wait: a relay that is down, or cannot publish at all, shows here even
        though it runs in a process of its own."""
        outbox = await self.thread.run(self._outbox)
        now = time.monotonic()
        if (self._relay_seen is None or self._relay_seen[0] != outbox["relayed"]
                or not outbox["backlog"]):
            self._relay_seen = (outbox["relayed"], now)
        outbox["stalled_seconds"] = round(now - self._relay_seen[1], 1)
        return outbox

    def stalled(self, outbox: dict[str, Any]) -> bool:
        return bool(outbox["stalled_seconds"] > self.settings.relay_stall_seconds)

    async def unready(self, outbox: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Why the service cannot do its work now, if it cannot: NATS not connected, the
        store not answering, the relay stuck or stalled, a consumer whose loop has stood
        still; None when ready. `outbox`, if the caller has just read it, is not read again."""
        if self._nc is not None and not self._nc.is_connected:
            return {"status": "bus_unreachable",
                    "detail": "not connected to NATS: new events wait in the outbox"}
        try:
            outbox = outbox if outbox is not None else await self.outbox()
        except Exception as error:
            # The error's kind only: a database error's text can carry a row.
            return {"status": "store_unreachable", "detail": type(error).__name__}
        if outbox["stuck"]:
            return {"status": "stuck", "stuck": outbox["stuck"]}
        if self.stalled(outbox):
            return {"status": "stalled", "backlog": outbox["backlog"],
                    "stalled_seconds": outbox["stalled_seconds"],
                    "detail": "the relay has not published for a while: is it running, and "
                              "can it reach NATS? (its log says why)"}
        still = [inbox.subscription.durable for inbox in self._inboxes
                 if inbox.idle_seconds() > self.settings.consumer_stall_seconds]
        if still:
            return {"status": "consumer_stalled", "consumers": still,
                    "detail": "a consumer has not fetched for a while (its log says why)"}
        return None

    async def consumers(self) -> dict[str, dict[str, int | None]]:
        """Each durable consumer's messages not yet given to it and not yet acknowledged;
        None while the bus cannot say (/health says why)."""
        inbox: dict[str, dict[str, int | None]] = {}
        for subscription in self.subscriptions:
            assert self.js is not None, "consumers are read only while the runtime runs"
            inbox[subscription.durable] = {"pending": None, "unacknowledged": None}
            if self._nc is not None and not self._nc.is_connected:
                continue
            with contextlib.suppress(*WAITED_OUT, TimeoutError):
                info = await self.js.consumer_info(CASES_STREAM, subscription.durable)
                inbox[subscription.durable] = {"pending": info.num_pending,
                                               "unacknowledged": info.num_ack_pending}
        return inbox

    async def status(self) -> dict[str, Any]:
        """How far behind the outbox and the inbox are: the numbers to alert on; and what
        the service's work last failed on."""
        outbox = await self.outbox()
        return {"service": self.settings.service, "outbox": outbox,
                "inbox": await self.consumers(), "last_error": self.last_error.as_json()}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Consumers and background tasks on, for as long as the context lasts."""
        stop = asyncio.Event()

        async def connection_closed() -> None:
            # nats-py gave up (or was closed under us): a process whose consumers are gone
            # must not look healthy. Exit, and let the supervisor start it afresh.
            if not stop.is_set():
                log.error("%s: NATS connection closed; exiting", self.settings.service)
                os.kill(os.getpid(), signal.SIGTERM)

        nc = await connect(self.settings.nats_url, f"{self.settings.service}-inbox",
                           service_login(self.settings), closed=connection_closed)
        js = self.js = nc.jetstream()

        async def provisioned() -> None:
            await ensure_streams(js, self.settings.stream_replicas)
            await provision(js, self.subscriptions)

        await while_electing(self.settings.service, provisioned)
        inboxes = [Inbox(subscription=subscription, app=self.app, thread=self.thread, js=js,
                         max_deliver=self.settings.max_deliver,
                         redelivery_delay=self.settings.redelivery_delay_seconds,
                         metrics=self.metrics, stream_replicas=self.settings.stream_replicas)
                   for subscription in self.subscriptions]
        self._nc, self._inboxes = nc, inboxes
        noted = faults.noting(self.last_error)
        tasks = [asyncio.create_task(task(stop), context=noted) for task in self.background]
        tasks += [asyncio.create_task(inbox.consume(stop), context=noted) for inbox in inboxes]
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        if self.settings.relay_beside_api and self.published is not None:
            # The positions the status reads are the relay's own: one store of them.
            tasks += noted.run(relaying, self.settings, self.app, self.published,
                               self.relay_positions, nc, stop, wake)

            def woken() -> None:
                wake.set()
        else:
            wake_relay = outbox_subject(self.settings.service)
            pokes: set[asyncio.Task[None]] = set()

            def woken() -> None:  # the relay's process, through NATS
                task = loop.create_task(nc.publish(wake_relay))
                pokes.add(task)
                task.add_done_callback(pokes.discard)

        def committed(_: object) -> None:  # on the application thread
            loop.call_soon_threadsafe(woken)

        self.app.on_commit.append(committed)
        try:
            yield
        finally:
            stop.set()
            wake.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await nc.drain()
            self.thread.shutdown()

    def lifespan(self) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with self.running():
                yield

        return lifespan


@dataclass
class ReadSideRuntime(ServiceRuntime):
    """A process that publishes nothing on CASES (supervision): its store only logs its
    readers' reads, so it has no outbox, no relay and no durable consumers; its background
    tasks follow the bus, and `progress` says how far they have read."""

    progress: Callable[[], dict[str, Any]] = field(default=dict)

    async def outbox(self) -> dict[str, Any]:
        return {"committed": 0, "relayed": 0, "backlog": 0, "stuck": None,
                "stalled_seconds": 0.0}

    async def status(self) -> dict[str, Any]:
        return {"service": self.settings.service, "outbox": await self.outbox(),
                "inbox": self.progress(), "last_error": self.last_error.as_json()}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        stop = asyncio.Event()
        noted = faults.noting(self.last_error)
        tasks = [asyncio.create_task(task(stop), context=noted) for task in self.background]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.thread.shutdown()


def observe_as(process: str, settings: ServiceSettings) -> None:
    """This process's logs and, if the settings say so, its traces."""
    log_as(process)
    tracing.configure(process, settings.traces_exporter, settings.data_dir)


def serve(http: FastAPI, settings: ServiceSettings) -> None:
    observe_as(settings.service, settings)
    uvicorn.run(traced(http), host=settings.http_host, port=settings.http_port,
                log_level="warning",
                proxy_headers=bool(settings.trusted_proxies),
                forwarded_allow_ips=settings.trusted_proxies or None)


def relay_positions_of(settings: ServiceSettings) -> TrackingRecorder:
    """The store of how far the service's relay has published."""
    return tracking_store(f"{settings.service}_relay", settings.relay_store_env())


def relaying(settings: ServiceSettings, app: ServiceApplication, published: PublishedEvents,
             positions: TrackingRecorder, nc: Client, stop: asyncio.Event,
             wake: asyncio.Event) -> list[asyncio.Task[None]]:
    """The relay and, beside it from the same store, the keeper of the log's checkpoints,
    until `stop`."""
    relay = OutboxRelay(app=app, published=published, js=nc.jetstream(),
                        batch=settings.relay_batch, save_seconds=settings.relay_save_seconds,
                        positions=positions)
    log.info("relaying %s from position %d", settings.service, relay.last_relayed())

    async def relayed() -> None:
        await relay.run(stop, wake, settings.relay_poll_seconds)

    tasks = [asyncio.create_task(relayed())]
    keeper = keeper_of(settings, app, published, nc)
    if keeper is not None:
        tasks.append(asyncio.create_task(every(settings.checkpoint_seconds, keeper.commit)(stop)))
    return tasks


async def _relay_until_signalled(settings: ServiceSettings, app: ServiceApplication,
                                 published: PublishedEvents) -> None:
    nc = await connect(settings.nats_url, f"{settings.service}-relay", service_login(settings))
    await while_electing(f"{settings.service}-relay",
                         lambda: ensure_streams(nc.jetstream(), settings.stream_replicas))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def stop_relaying() -> None:
        stop.set()
        wake.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_relaying)

    async def woken(_: Msg) -> None:
        wake.set()

    await nc.subscribe(outbox_subject(settings.service), cb=woken)
    await asyncio.gather(*relaying(settings, app, published, relay_positions_of(settings), nc,
                                   stop, wake))
    await nc.drain()


def relay(settings: ServiceSettings, app: ServiceApplication,
          published: PublishedEvents) -> None:
    observe_as(f"{settings.service}-relay", settings)
    asyncio.run(_relay_until_signalled(settings, app, published))


S = TypeVar("S", bound=ServiceSettings)
A = TypeVar("A", bound=ServiceApplication)


def no_background(*_: object) -> list[BackgroundTask]:
    return []


def no_warnings(_: object) -> list[str]:
    return []


def no_other_credentials(_: object) -> OtherCredentials | None:
    return None


@dataclass(frozen=True)
class ServiceEntry(Generic[S, A]):
    """A service's wiring, as its bootstrap declares it; `python -m services.<name>` runs it."""

    settings: Callable[[], S]
    application: Callable[[S], A]
    published: PublishedEvents
    subscriptions: Callable[[S, A], list[Subscription]]
    build_api: Callable[[ServiceRuntime, A], FastAPI]
    # Given the process's metrics, for what counts its own work (notification's sends).
    background: Callable[[S, A, ApplicationThread, ServiceMetrics],
                         list[BackgroundTask]] = no_background
    # What the settings leave out that the service will run without, for `casetrail up`.
    warnings: Callable[[S], list[str]] = no_warnings
    # Credentials the service takes besides the issuer's tokens (a receiver's own token).
    other_credentials: Callable[[S], OtherCredentials | None] = no_other_credentials

    def checked_application(self, settings: S) -> A:
        """The application, refusing to store any event its bus contract would refuse."""
        app = self.application(settings)

        def publishable(event: DomainEventProtocol[UUID]) -> None:
            envelope = self.published.envelope(event)
            if envelope is not None:
                tracing.note_case(envelope.case_id)  # the work's case, for its trace

        app.checks.append(publishable)
        app.unchecked = self.published.internal
        return app

    def api(self, settings: S) -> FastAPI:
        app = self.checked_application(settings)
        thread = ApplicationThread(settings.service)
        metrics = ServiceMetrics()
        runtime = ServiceRuntime(settings=settings, app=app, thread=thread,
                                 subscriptions=[keeping_access(app, subscription) for
                                                subscription in self.subscriptions(settings,
                                                                                   app)],
                                 background=self.background(settings, app, thread, metrics),
                                 metrics=metrics,
                                 published=self.published,
                                 other_credentials=self.other_credentials(settings))
        api = self.build_api(runtime, app)
        if open_routes := unguarded(api):
            raise RuntimeError(f"routes outside the access matrix: {open_routes}")
        return api

    def main(self, argv: list[str]) -> None:
        command = argv[1] if len(argv) > 1 else "serve"
        settings = self.settings()
        if command == "serve":
            serve(self.api(settings), settings)
        elif command == "relay":
            if settings.relay_beside_api:
                # Two relays of one log would race for its position.
                raise SystemExit(f"{settings.service}'s relay runs beside its API "
                                 "(CASETRAIL_RELAY_BESIDE_API): no relay process is started")
            relay(settings, self.application(settings), self.published)  # it stores nothing
        elif command == "check":
            for warning in [*self.warnings(settings), *ledger_warnings(settings)]:
                print(warning)
        else:
            raise SystemExit(f"usage: python -m services.{settings.service} serve|relay|check")

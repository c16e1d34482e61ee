"""Running one service: its HTTP API and inbox in one process, its relay in another."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import nats
import uvicorn
from eventsourcing.persistence import TrackingRecorder
from fastapi import FastAPI
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.inbox import Inbox, Subscription, provision
from casetrail.bus.relay import OutboxRelay, relay_position_name
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication, tracking_store
from casetrail.worker import ApplicationThread
from contracts.streams import ensure_streams
from contracts.subjects import CASES_STREAM, outbox_subject

log = logging.getLogger(__name__)

# A task that runs beside the API until the event is set (timers, dispatchers).
BackgroundTask = Callable[[asyncio.Event], Coroutine[None, None, None]]


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> BackgroundTask:
    """A background task that does `work` every `seconds` until stopped; a failure is logged
    and the work is tried again on the next round."""

    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await work()
            except Exception:
                log.exception("background work failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    return loop


def servers(url: str) -> list[str]:
    """NATS_URL may list a cluster's servers, comma-separated."""
    return [part.strip() for part in url.split(",") if part.strip()]


async def connect(url: str, name: str) -> Client:
    """A client that reconnects for ever, logging one line per failed attempt."""

    async def error(exception: Exception) -> None:
        log.warning("%s: NATS: %r", name, exception)

    return await nats.connect(servers=servers(url), name=name, max_reconnect_attempts=-1,
                              reconnect_time_wait=0.5, error_cb=error)


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    app: ServiceApplication
    thread: ApplicationThread
    subscriptions: list[Subscription] = field(default_factory=list)
    background: list[BackgroundTask] = field(default_factory=list)
    js: JetStreamContext | None = None

    @functools.cached_property
    def relay_positions(self) -> TrackingRecorder:
        return tracking_store(f"{self.settings.service}_relay", self.settings.relay_store_env())

    async def status(self) -> dict[str, Any]:
        """How far behind the outbox and the inbox are: the numbers to alert on."""
        position = relay_position_name(self.settings.service)
        committed, sent = await self.thread.run(
            lambda: (self.app.recorder.max_notification_id() or 0,
                     self.relay_positions.max_tracking_id(position) or 0))
        inbox = {}
        assert self.js is not None, "status is served only while the runtime is running"
        for subscription in self.subscriptions:
            info = await self.js.consumer_info(CASES_STREAM, subscription.durable)
            inbox[subscription.durable] = {"pending": info.num_pending,
                                           "unacknowledged": info.num_ack_pending}
        return {"service": self.settings.service,
                "outbox": {"committed": committed, "relayed": sent,
                           "backlog": committed - sent},
                "inbox": inbox}

    def _attach(self, broker: NatsBroker, inbox: Inbox) -> None:
        subscription = inbox.subscription

        @broker.subscriber(
            subscription.subject,
            stream=JStream(CASES_STREAM, declare=False),
            durable=subscription.durable,
            config=subscription.consumer_config(),
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            ack_policy=AckPolicy.MANUAL,
        )
        async def on_message(msg: NatsMessage) -> None:
            await inbox.deliver(msg.raw_message)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Consumers and background tasks on, for as long as the context lasts."""
        nc = await connect(self.settings.nats_url, f"{self.settings.service}-inbox")
        js = self.js = nc.jetstream()
        await ensure_streams(js, self.settings.stream_replicas)
        await provision(js, self.subscriptions)
        stop = asyncio.Event()

        async def connection_closed() -> None:
            # nats-py gave up (or was closed under us): a process whose consumers are gone
            # must not look healthy. Exit, and let the supervisor start it afresh.
            if not stop.is_set():
                log.error("%s: NATS connection closed; exiting", self.settings.service)
                os.kill(os.getpid(), signal.SIGTERM)

        # Per-message "Received"/"Processed" lines at DEBUG: INFO would log every event.
        broker = NatsBroker(servers(self.settings.nats_url), logger=log, log_level=logging.DEBUG,
                            max_reconnect_attempts=-1, reconnect_time_wait=1,
                            closed_cb=connection_closed)
        for subscription in self.subscriptions:
            self._attach(broker, Inbox(
                subscription=subscription, app=self.app, thread=self.thread, js=js,
                max_deliver=self.settings.max_deliver,
                redelivery_delay=self.settings.redelivery_delay_seconds))
        loop = asyncio.get_running_loop()
        wake_relay = outbox_subject(self.settings.service)

        pokes: set[asyncio.Task[None]] = set()

        def poke() -> None:
            task = loop.create_task(nc.publish(wake_relay))
            pokes.add(task)
            task.add_done_callback(pokes.discard)

        def committed(_: object) -> None:  # on the application thread
            loop.call_soon_threadsafe(poke)

        self.app.on_commit.append(committed)
        tasks = [asyncio.create_task(task(stop)) for task in self.background]
        await broker.start()
        try:
            yield
        finally:
            stop.set()
            await broker.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            await nc.drain()
            self.thread.shutdown()

    def lifespan(self) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with self.running():
                yield

        return lifespan


def serve(http: FastAPI, settings: ServiceSettings) -> None:
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {settings.service} %(levelname)s %(message)s")
    uvicorn.run(http, host=settings.http_host, port=settings.http_port, log_level="warning")


async def _relay_until_signalled(settings: ServiceSettings, app: ServiceApplication,
                                 published: PublishedEvents) -> None:
    nc = await connect(settings.nats_url, f"{settings.service}-relay")
    js = nc.jetstream()
    await ensure_streams(js, settings.stream_replicas)
    relay = OutboxRelay(app=app, published=published, js=js, batch=settings.relay_batch,
                        positions=tracking_store(f"{settings.service}_relay",
                                                 settings.relay_store_env()))
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
    log.info("relaying %s from position %d", settings.service, relay.last_relayed())
    await relay.run(stop, wake, settings.relay_poll_seconds)
    await nc.drain()


def relay(settings: ServiceSettings, app: ServiceApplication,
          published: PublishedEvents) -> None:
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {settings.service}-relay %(levelname)s %(message)s")
    asyncio.run(_relay_until_signalled(settings, app, published))


S = TypeVar("S", bound=ServiceSettings)
A = TypeVar("A", bound=ServiceApplication)


def no_background(*_: object) -> list[BackgroundTask]:
    return []


def no_warnings(_: object) -> list[str]:
    return []


@dataclass(frozen=True)
class ServiceEntry(Generic[S, A]):
    """A service's wiring, as its bootstrap declares it; `python -m services.<name>` runs it."""

    settings: Callable[[], S]
    application: Callable[[S], A]
    published: PublishedEvents
    subscriptions: Callable[[S, A], list[Subscription]]
    build_api: Callable[[ServiceRuntime, A], FastAPI]
    background: Callable[[S, A, ApplicationThread], list[BackgroundTask]] = no_background
    # What the settings leave out that the service will run without, for `casetrail up`.
    warnings: Callable[[S], list[str]] = no_warnings

    def api(self, settings: S) -> FastAPI:
        app = self.application(settings)
        thread = ApplicationThread(settings.service)
        runtime = ServiceRuntime(settings=settings, app=app, thread=thread,
                                 subscriptions=self.subscriptions(settings, app),
                                 background=self.background(settings, app, thread))
        return self.build_api(runtime, app)

    def main(self, argv: list[str]) -> None:
        command = argv[1] if len(argv) > 1 else "serve"
        settings = self.settings()
        if command == "serve":
            serve(self.api(settings), settings)
        elif command == "relay":
            relay(settings, self.application(settings), self.published)
        elif command == "check":
            for warning in self.warnings(settings):
                print(warning)
        else:
            raise SystemExit(f"usage: python -m services.{settings.service} serve|relay|check")

"""The inbox against a real JetStream server: waiting out the store, dead-lettering the rest,
and never letting one message decide what else counts as handled."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from eventsourcing.persistence import OperationalError, Tracking
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from casetrail import faults
from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.handling import Handler, handled_mark
from casetrail.bus.identities import BusLogin
from casetrail.bus.inbox import Inbox, Subscription, provision
from casetrail.bus.replay import dead_letters
from casetrail.case_read import CaseRead
from casetrail.kernel import (
    CaseNotFound,
    ContractProblem,
    EventMeta,
    EventNotPublishable,
)
from casetrail.service import connect
from casetrail.store import ServiceApplication, store_env
from casetrail.worker import ApplicationThread
from contracts.codes import Channel, Role
from contracts.envelope import Envelope
from contracts.events import intake
from contracts.streams import ensure_streams
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER, case_subject
from tests.application.conftest import envelope


def report() -> Envelope:
    data = intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                 reporter_role=Role.PEER, signs=[], imminent=False)
    return envelope("intake", uuid4(), data)


class Upstream:
    """Publishes intake reports for one test, and hands them to an inbox as JetStream
    delivers them (new messages only, so other tests' messages stay out)."""

    def __init__(self, nc: Client, inbox: Inbox) -> None:
        self.nc = nc
        self.inbox = inbox

    async def publish(self, message: Envelope, *, position: str = "1",
                      msg_id: str | None = None, subject_case: UUID | None = None) -> None:
        """As intake's relay would, with whatever headers and subject the test chooses."""
        await self.nc.jetstream().publish(
            case_subject(subject_case or message.case_id, "intake", message.type),
            message.to_bytes(),
            headers={MSG_ID_HEADER: msg_id or str(message.event_id), POSITION_HEADER: position})

    async def subscribe(self) -> Any:
        return await self.nc.jetstream().pull_subscribe(
            self.inbox.subscription.subject, durable=self.inbox.subscription.durable,
            stream=CASES_STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW,
                                  ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1))

    async def deliver(self, sub: Any, deliveries: int) -> None:
        for _ in range(deliveries):
            for msg in await sub.fetch(1, timeout=10):
                await self.inbox.deliver(msg)


def inbox_for(nc: Client, app: ServiceApplication, handler: Handler) -> Inbox:
    service = f"t{secrets.token_hex(4)}"
    return Inbox(subscription=Subscription(service, "intake", {"ReportAttached": handler}),
                 app=app, thread=ApplicationThread(service), js=nc.jetstream(),
                 max_deliver=2, redelivery_delay=0.01)


async def one_report_waiting(nc: Client, app: ServiceApplication,
                             handler: Handler) -> tuple[Inbox, Upstream, Envelope, Any]:
    """An inbox handling reports with `handler`, and one report published, not delivered."""
    inbox = inbox_for(nc, app, handler)
    upstream, message = Upstream(nc, inbox), report()
    sub = await upstream.subscribe()
    await upstream.publish(message)
    return inbox, upstream, message, sub


def mark_of(message: Envelope) -> Tracking:
    return handled_mark("intake", message, message.to_bytes())


def handled(app: ServiceApplication, message: Envelope) -> bool:
    """The message's effects were saved with its mark."""
    mark = mark_of(message)
    return app.handled_as(mark.application_name) == mark.notification_id


def recording(app: ServiceApplication, handled: list[Envelope]) -> Handler:
    def handler(message: Envelope, _: Any, mark: Tracking) -> None:
        handled.append(message)
        app.record(tracking=mark)

    return handler


@dataclass
class Watched:
    """An inbox whose handler records what it handled, fed by an upstream of the test's own."""

    app: ServiceApplication
    handled: list[Envelope]
    upstream: Upstream
    inbox: Inbox
    sub: Any


@pytest.fixture
async def watched(nc: Client, tmp_path: Path) -> Watched:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    handled: list[Envelope] = []
    inbox = inbox_for(nc, app, recording(app, handled))
    upstream = Upstream(nc, inbox)
    return Watched(app, handled, upstream, inbox, await upstream.subscribe())


async def test_a_store_that_fails_for_a_while_delays_the_message_but_never_loses_it(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    calls: list[Tracking] = []

    def flaky(_: Any, __: Any, tracking: Tracking) -> None:
        calls.append(tracking)
        if len(calls) <= 3:  # more failures than max_deliver: still not dead-lettered
            raise OperationalError("database is locked")
        app.record(tracking=tracking)

    inbox, upstream, message, sub = await one_report_waiting(nc, app, flaky)
    await upstream.deliver(sub, 1)  # waited out here, holding the message
    assert len(calls) == 4
    assert handled(app, message)
    assert await dead_letters(nc, inbox.subscription.service) == []


async def test_a_handler_that_keeps_failing_is_dead_lettered_with_its_reason(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))

    def unknown_case(*_: Any) -> None:
        raise CaseNotFound("no such case")

    inbox, upstream, message, sub = await one_report_waiting(nc, app, unknown_case)
    await upstream.deliver(sub, 1)  # tried again here, then given up
    [letter] = await dead_letters(nc, inbox.subscription.service)
    assert letter["reason"] == "handler failed 2 times: CaseNotFound: no such case"
    assert not handled(app, message)


async def test_a_handler_failure_is_the_services_last_error_by_kind_and_consumer_only(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))

    def failing(*_: Any) -> None:
        raise KeyError("a student's name")

    book = faults.LastError()
    inbox, upstream, _, sub = await one_report_waiting(nc, app, failing)
    noting = faults.NOTED_IN.set(book)  # as a running service starts its consumers
    try:
        await upstream.deliver(sub, 1)
    finally:
        faults.NOTED_IN.reset(noting)
    noted = book.as_json()
    assert noted is not None
    assert noted["kind"] == "KeyError"
    assert noted["where"] == inbox.subscription.durable
    assert "name" not in str(noted)


def counted(inbox: Inbox, name: str, **labels: str) -> float | None:
    """What the inbox's metrics say of this consumer."""
    return inbox.metrics.registry.get_sample_value(name, {
        "service": inbox.subscription.service, "consumer": inbox.subscription.durable,
        **labels})


async def test_a_dead_lettered_message_is_counted_with_the_tries_before_it(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    handled: list[Envelope] = []
    failing = False

    def sometimes(message: Envelope, data: Any, mark: Tracking) -> None:
        if failing:
            raise CaseNotFound("no such case")
        recording(app, handled)(message, data, mark)

    inbox = inbox_for(nc, app, sometimes)
    upstream = Upstream(nc, inbox)
    sub = await upstream.subscribe()
    await upstream.publish(report())
    await upstream.deliver(sub, 1)
    failing = True
    await upstream.publish(report())
    await upstream.deliver(sub, 1)  # tried twice (max_deliver), then set aside
    assert counted(inbox, "casetrail_inbox_handled_total") == 1
    assert counted(inbox, "casetrail_inbox_retried_total", cause="handler") == 1
    assert counted(inbox, "casetrail_inbox_dead_lettered_total") == 1
    assert len(await dead_letters(nc, inbox.subscription.service)) == 1


async def test_a_message_the_bus_delivers_again_is_counted_as_redelivered(
        watched: Watched) -> None:
    await watched.upstream.publish(report())
    [given_back] = await watched.sub.fetch(1, timeout=10)
    await given_back.nak()  # as a process stopping before it handled it
    await watched.upstream.deliver(watched.sub, 1)
    assert counted(watched.inbox, "casetrail_inbox_redelivered_total") == 1
    assert counted(watched.inbox, "casetrail_inbox_handled_total") == 1


async def test_a_message_handled_before_a_crash_is_not_handled_again(
        watched: Watched) -> None:
    message = report()
    watched.app.record(tracking=mark_of(message))  # as if handled before a crash, unacked
    await watched.upstream.publish(message)
    await watched.upstream.deliver(watched.sub, 1)
    assert watched.handled == []


async def test_an_event_republished_beyond_the_duplicate_window_is_handled_once(
        watched: Watched) -> None:
    """A new Msg-Id stands in for the window having passed: JetStream stores it again."""
    message = report()
    await watched.upstream.publish(message)
    await watched.upstream.publish(message, msg_id=f"{message.event_id}-again")
    await watched.upstream.deliver(watched.sub, 2)
    assert watched.handled == [message]


async def test_a_forged_position_header_marks_no_other_message_as_handled(
        watched: Watched) -> None:
    forged, genuine, later = report(), report(), report()
    await watched.upstream.publish(forged, position="1000000000")
    await watched.upstream.publish(genuine, position="1")
    await watched.upstream.publish(later, position="2")
    await watched.upstream.deliver(watched.sub, 3)
    assert watched.handled == [forged, genuine, later]


async def test_another_message_under_a_handled_event_id_is_dead_lettered_not_handled(
        watched: Watched, nc: Client) -> None:
    """A forged copy, or an event re-rendered differently by a new release: which copy is
    true is for a person to see, never decided by handling the event twice."""
    genuine = report()
    altered = genuine.model_copy(update={"data": {**genuine.data, "signs": ["weapon"]}})
    await watched.upstream.publish(genuine)
    await watched.upstream.publish(altered, msg_id="altered")
    await watched.upstream.deliver(watched.sub, 2)
    assert watched.handled == [genuine]
    [letter] = await dead_letters(nc, watched.inbox.subscription.service)
    assert str(letter["reason"]).startswith(
        f"conflicting copy: event {genuine.event_id} was handled before")


async def test_a_message_whose_subject_names_another_case_is_dead_lettered(
        watched: Watched, nc: Client) -> None:
    await watched.upstream.publish(report(), subject_case=uuid4())
    await watched.upstream.deliver(watched.sub, 1)
    assert watched.handled == []
    [letter] = await dead_letters(nc, watched.inbox.subscription.service)
    assert "does not match the envelope" in str(letter["reason"])


async def test_a_message_claiming_another_service_in_its_envelope_is_dead_lettered(
        watched: Watched, nc: Client) -> None:
    claimed = report().model_copy(update={"service": "referral"})
    await watched.upstream.publish(claimed)  # on intake's subject, saying it is referral's
    await watched.upstream.deliver(watched.sub, 1)
    assert watched.handled == []
    [letter] = await dead_letters(nc, watched.inbox.subscription.service)
    assert "does not match the envelope's service referral" in str(letter["reason"])


def refuse_every_event(event: Any) -> None:
    raise EventNotPublishable("CaseViewed", (ContractProblem("data.purpose", "no such code"),))


async def test_a_message_whose_handling_makes_an_event_the_bus_refuses_is_dead_lettered_at_once(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    app.checks.append(refuse_every_event)

    def viewing(_: Any, __: Any, tracking: Tracking) -> None:
        app.record(CaseRead(uuid4(), "case_work", EventMeta.by("system", "t")),
                   tracking=tracking)

    inbox, upstream, message, sub = await one_report_waiting(nc, app, viewing)
    await upstream.deliver(sub, 1)
    [letter] = await dead_letters(nc, inbox.subscription.service)
    assert letter["reason"] == ("handler refused: EventNotPublishable: CaseViewed breaks its "
                                "bus contract: data.purpose: no such code")
    assert letter["deliveries"] == 1
    assert not handled(app, message)
    assert app.recorder.max_notification_id() is None


async def new_messages_durable(inbox: Inbox, nc: Client) -> None:
    """The inbox's durable as the service provisions it, but for new messages only."""
    await nc.jetstream().add_consumer(CASES_STREAM, dataclasses.replace(
        inbox.subscription.consumer_config(), deliver_policy=DeliverPolicy.NEW))


async def consuming(watched: Watched, nc: Client, until: int) -> None:
    """The inbox's own loop, until it has handled `until` messages."""
    await new_messages_durable(watched.inbox, nc)
    stop = asyncio.Event()
    loop = asyncio.create_task(watched.inbox.consume(stop, fetch_seconds=0.2))
    for _ in range(100):
        if len(watched.handled) >= until:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await loop


async def test_messages_waiting_are_taken_together_and_handled_in_stream_order_in_one_commit(
        watched: Watched, nc: Client) -> None:
    messages = [report() for _ in range(5)]
    for message in messages:
        await watched.upstream.publish(message)
    await consuming(watched, nc, until=5)
    assert watched.handled == messages
    assert all(handled(watched.app, message) for message in messages)
    assert watched.app.commits_together == 1
    info = await nc.jetstream().consumer_info(CASES_STREAM,
                                              watched.inbox.subscription.durable)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)


async def test_a_message_that_fails_holds_back_the_ones_behind_it(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    handled: list[Envelope] = []
    tries: list[Envelope] = []
    record = recording(app, handled)

    def failing_once(message: Envelope, data: Any, mark: Tracking) -> None:
        tries.append(message)
        if len(tries) == 1:
            raise CaseNotFound("not yet")
        record(message, data, mark)

    inbox = inbox_for(nc, app, failing_once)
    inbox.max_deliver = 3
    watched = Watched(app, handled, Upstream(nc, inbox), inbox, None)
    await new_messages_durable(inbox, nc)
    messages = [report() for _ in range(3)]
    for message in messages:
        await watched.upstream.publish(message)
    await consuming(watched, nc, until=3)
    assert tries == [messages[0], *messages]
    assert handled == messages
    assert await dead_letters(nc, inbox.subscription.service) == []


async def test_an_event_the_service_does_not_act_on_is_acknowledged_unread(
        watched: Watched, nc: Client) -> None:
    await nc.jetstream().publish(f"case.{uuid4()}.intake.StudentRegistered", b"not json")
    wanted = report()
    await watched.upstream.publish(wanted)
    await consuming(watched, nc, until=1)
    assert watched.handled == [wanted]
    assert await dead_letters(nc, watched.inbox.subscription.service) == []


async def test_a_consumer_after_one_that_was_killed_takes_what_it_left_before_anything_newer(
        watched: Watched, nc: Client) -> None:
    js = nc.jetstream()
    await js.add_consumer(CASES_STREAM, dataclasses.replace(
        watched.inbox.subscription.consumer_config(ack_wait_seconds=1.0),
        deliver_policy=DeliverPolicy.NEW))
    left, newer = report(), report()
    await watched.upstream.publish(left)
    killed = await js.pull_subscribe_bind(watched.inbox.subscription.durable, CASES_STREAM)
    [taken] = await killed.fetch(1, timeout=5)  # and never acknowledged: the process died
    assert taken.subject.endswith("ReportAttached")
    await watched.upstream.publish(newer)
    watched.inbox.return_seconds = 3.0  # the 1 s wait, and the server's check after it
    stop = asyncio.Event()
    loop = asyncio.create_task(watched.inbox.consume(stop, fetch_seconds=0.2))
    for _ in range(200):
        if len(watched.handled) >= 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await loop
    assert watched.handled == [left, newer]


async def handled_in_time(watched: Watched, *messages: Envelope) -> None:
    for _ in range(200):
        if all(message in watched.handled for message in messages):
            return
        await asyncio.sleep(0.05)


async def test_a_consumer_deleted_under_a_running_inbox_comes_back_handling_nothing_twice(
        watched: Watched, nc: Client, caplog: pytest.LogCaptureFixture) -> None:
    await new_messages_durable(watched.inbox, nc)
    watched.inbox.presence_seconds = 0.5
    before, after = report(), report()
    stop = asyncio.Event()
    loop = asyncio.create_task(watched.inbox.consume(stop, fetch_seconds=0.2))
    await watched.upstream.publish(before)
    await handled_in_time(watched, before)
    await nc.jetstream().delete_consumer(CASES_STREAM, watched.inbox.subscription.durable)
    await watched.upstream.publish(after)
    await handled_in_time(watched, after)  # from the start of the stream, as provisioned
    stop.set()
    await loop
    assert (watched.handled.count(before), watched.handled.count(after)) == (1, 1)
    info = await nc.jetstream().consumer_info(CASES_STREAM,
                                              watched.inbox.subscription.durable)
    assert info.config.deliver_policy == DeliverPolicy.ALL
    assert [r.message for r in caplog.records if r.levelno == logging.WARNING] == [
        f"{watched.inbox.subscription.durable}: the consumer is gone from the server; "
        "provisioning it again"]



async def test_an_inbox_outlives_a_server_restarted_without_its_store(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "lost").start()
    nc = await connect(server.url, "integration-test", BusLogin("test"))
    stop = asyncio.Event()
    try:
        await ensure_streams(nc.jetstream())
        app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
        handled: list[Envelope] = []
        inbox = inbox_for(nc, app, recording(app, handled))
        inbox.presence_seconds = 0.5
        watched = Watched(app, handled, Upstream(nc, inbox), inbox, None)
        await provision(nc.jetstream(), [inbox.subscription])
        loop = asyncio.create_task(inbox.consume(stop, fetch_seconds=0.2))
        before, after = report(), report()
        await watched.upstream.publish(before)
        await handled_in_time(watched, before)
        server.stop()
        server = EmbeddedNats(tmp_path / "fresh", port=server.port).start()
        await provisioned_again(nc, inbox.subscription.durable)
        await watched.upstream.publish(after)
        await handled_in_time(watched, after)
        stop.set()
        await loop
        assert handled == [before, after]
    finally:
        stop.set()
        await nc.close()
        server.stop()


# An operator who may do anything, and a service that may use its consumer but not make
# one (as if its bus identity had lost the grant).
NO_PROVISIONING = """authorization {
  users = [
    {user: operator, password: operator}
    {user: service, password: service, permissions: {publish: {deny: [
      "$JS.API.STREAM.CREATE.>", "$JS.API.CONSUMER.CREATE.>",
      "$JS.API.CONSUMER.DURABLE.CREATE.>"]}}}
  ]
}
"""


async def test_an_inbox_whose_consumer_cannot_be_provisioned_again_looks_stalled_until_it_is(
        tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats", more_config=NO_PROVISIONING).start()
    # The server's own test users, not credentials of anything.
    operator = await nats.connect(server.url, user="operator",
                                  password="operator")  # pragma: allowlist secret
    service = await nats.connect(server.url, user="service",
                                 password="service")  # pragma: allowlist secret
    stop = asyncio.Event()
    try:
        js = operator.jetstream()
        await ensure_streams(js)
        app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
        inbox = inbox_for(service, app, recording(app, []))
        inbox.presence_seconds = 0.2
        await provision(js, [inbox.subscription])
        loop = asyncio.create_task(inbox.consume(stop, fetch_seconds=0.1))
        await within(5.0, lambda: inbox.idle_seconds() < 0.5)
        await js.delete_consumer(CASES_STREAM, inbox.subscription.durable)
        # However often it tries to make it again, refused: its loop does not turn, not even
        # between tries (each waits out the JetStream API's 5 s timeout).
        await within(20.0, lambda: inbox.idle_seconds() > 7.0)
        # Made again by someone who may (by hand, or another replica): it turns again.
        await provision(js, [inbox.subscription])
        await within(20.0, lambda: inbox.idle_seconds() < 0.5)
        stop.set()
        await loop
    finally:
        stop.set()
        await service.close()
        await operator.close()
        server.stop()


async def within(seconds: float, holds: Callable[[], bool]) -> None:
    """Until `holds()`, checked every tenth of a second; fails after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not holds():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.1)


async def provisioned_again(nc: Client, durable: str) -> None:
    """Until the consumer is there again (and its stream with it)."""
    for _ in range(200):
        with contextlib.suppress(Exception):
            await nc.jetstream().consumer_info(CASES_STREAM, durable)
            return
        await asyncio.sleep(0.05)

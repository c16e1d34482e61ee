"""The inbox against a real JetStream server: waiting out the store, dead-lettering the rest."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import OperationalError, Tracking
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from casetrail.bus.inbox import Handler, Inbox, Subscription
from casetrail.bus.replay import dead_letters
from casetrail.kernel import (
    CaseNotFound,
    ContractProblem,
    EventMeta,
    EventNotPublishable,
    ReadLogged,
)
from casetrail.store import ServiceApplication, store_env
from casetrail.worker import ApplicationThread
from contracts.codes import Channel, Role
from contracts.events import intake
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER, case_subject
from tests.application.conftest import envelope


class Upstream:
    """Publishes intake reports for one test, and hands them to an inbox as JetStream
    delivers them (new messages only, so other tests' messages stay out)."""

    def __init__(self, nc: Client, service: str) -> None:
        self.nc = nc
        self.service = service
        self.position = 0

    async def publish_report(self) -> None:
        self.position += 1
        case_id = uuid4()
        data = intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                     reporter_role=Role.PEER, signs=[], imminent=False)
        message = envelope("intake", case_id, data)
        await self.nc.jetstream().publish(
            case_subject(case_id, "intake", "ReportAttached"), message.to_bytes(),
            headers={MSG_ID_HEADER: str(message.event_id),
                     POSITION_HEADER: str(self.position)})

    async def run(self, inbox: Inbox, deliveries: int) -> None:
        sub = await self.nc.jetstream().pull_subscribe(
            inbox.subscription.subject, durable=inbox.subscription.durable, stream=CASES_STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW,
                                  ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1))
        await self.publish_report()
        for _ in range(deliveries):
            for msg in await sub.fetch(1, timeout=10):
                await inbox.deliver(msg)


def inbox_for(nc: Client, app: ServiceApplication, handler: Handler,
              service: str) -> Inbox:
    return Inbox(subscription=Subscription(service, "intake", {"ReportAttached": handler}),
                 app=app, thread=ApplicationThread(service), js=nc.jetstream(),
                 max_deliver=2, redelivery_delay=0.01)


async def test_a_store_that_fails_for_a_while_delays_the_message_but_never_loses_it(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    calls: list[Tracking] = []

    def flaky(_: Any, __: Any, tracking: Tracking) -> None:
        calls.append(tracking)
        if len(calls) <= 3:  # more failures than max_deliver: still not dead-lettered
            raise OperationalError("database is locked")
        app.record(tracking=tracking)

    service = f"t{secrets.token_hex(4)}"
    await Upstream(nc, service).run(inbox_for(nc, app, flaky, service), deliveries=4)
    assert len(calls) == 4
    assert app.has_processed("intake", 1)
    assert await dead_letters(nc, service) == []


async def test_a_handler_that_keeps_failing_is_dead_lettered_with_its_reason(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))

    def unknown_case(*_: Any) -> None:
        raise CaseNotFound("no such case")

    service = f"t{secrets.token_hex(4)}"
    await Upstream(nc, service).run(inbox_for(nc, app, unknown_case, service), deliveries=2)
    [letter] = await dead_letters(nc, service)
    assert letter["reason"] == "handler failed 2 times: CaseNotFound: no such case"
    assert not app.has_processed("intake", 1)


async def test_a_redelivered_position_is_not_handled_again(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    app.record(tracking=Tracking("intake", 1))  # as if handled before a crash, unacked
    handled: list[Tracking] = []
    service = f"t{secrets.token_hex(4)}"
    await Upstream(nc, service).run(
        inbox_for(nc, app, lambda _, __, tracking: handled.append(tracking), service),
        deliveries=1)
    assert handled == []


class Noted(ReadLogged):
    """A stand-in aggregate whose events the check below refuses."""


def refuse_every_event(event: Any) -> None:
    raise EventNotPublishable("CaseViewed", (ContractProblem("data.purpose", "no such code"),))


async def test_a_message_whose_handling_makes_an_event_the_bus_refuses_is_dead_lettered_at_once(
        nc: Client, tmp_path: Path) -> None:
    app = ServiceApplication(store_env(url=f"sqlite:///{tmp_path}/events.db"))
    app.checks.append(refuse_every_event)
    case = Noted()

    def viewing(_: Any, __: Any, tracking: Tracking) -> None:
        case.record_view("case_work", EventMeta.by("system", "t"))
        app.record(case, tracking=tracking)

    service = f"t{secrets.token_hex(4)}"
    await Upstream(nc, service).run(inbox_for(nc, app, viewing, service), deliveries=1)
    [letter] = await dead_letters(nc, service)
    assert letter["reason"] == ("handler refused: EventNotPublishable: CaseViewed breaks its "
                                "bus contract: data.purpose: no such code")
    assert letter["deliveries"] == 1
    assert not app.has_processed("intake", 1)
    assert app.recorder.max_notification_id() is None

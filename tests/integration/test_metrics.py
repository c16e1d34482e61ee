"""GET /metrics against a real JetStream server: the relay's lag and a consumer's, read as
they stand when scraped, in Prometheus's text format, for whoever may read /status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client
from prometheus_client.parser import text_string_to_metric_families

from casetrail.bus.identities import BusLogin
from casetrail.bus.inbox import Subscription, provision
from casetrail.service import ServiceRuntime, connect
from casetrail.worker import ApplicationThread
from contracts.codes import Role, Tier
from contracts.streams import ensure_streams
from contracts.subjects import CASES_STREAM, case_subject
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.bootstrap import ENTRY
from tests.application.all_services import settings_of
from tests.application.test_referral import decide
from tests.identity import bearer
from tests.integration.test_inbox import report
from tests.supervision_world import served_supervision

SYSTEM = bearer(Role.SYSTEM)


@pytest.fixture
async def own_nc(own_nats: str) -> AsyncIterator[Client]:
    """A bus of the test's own: a consumer's lag counts every message on its subject."""
    client = await connect(own_nats, "metrics-test", BusLogin("test"))
    await ensure_streams(client.jetstream())
    yield client
    await client.close()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_a_services_metrics_show_its_relay_lag_and_each_consumers_lag(
        own_nc: Client, store_url: tuple[str, str | None], tmp_path: Path) -> None:
    settings = settings_of(ENTRY, store_url, tmp_path)
    app = ENTRY.checked_application(settings)
    assert isinstance(app, ReferralApplication)
    subscription = Subscription(settings.service, "intake", {})
    await provision(own_nc.jetstream(), [subscription])
    for message in (report(), report(), report()):  # as intake's relay would
        await own_nc.jetstream().publish(
            case_subject(message.case_id, "intake", message.type), message.to_bytes())
    decide(app, Tier.SERIOUS)
    decide(app, Tier.GENERAL)
    recorded = app.recorder.max_notification_id() or 0
    thread = ApplicationThread("referral-metrics-test")
    runtime = ServiceRuntime(settings=settings, app=app, thread=thread, published=PUBLISHED,
                             subscriptions=[subscription], js=own_nc.jetstream())
    transport = httpx.ASGITransport(app=ENTRY.build_api(runtime, app))
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as http:
        answer = await http.get("/metrics", headers=SYSTEM)
    thread.shutdown()

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(answer.text)
    service = ("service", "referral")
    consumer = frozenset({service, ("consumer", subscription.durable)})
    assert recorded > 0
    assert found["casetrail_events_recorded", frozenset({service})] == recorded
    assert found["casetrail_relay_lag_events", frozenset({service})] == recorded
    assert found["casetrail_consumer_pending_messages", consumer] == 3
    assert found["casetrail_consumer_ack_pending_messages", consumer] == 0
    assert found["casetrail_ready", frozenset({service, ("reason", "ready")})] == 1
    info = await own_nc.jetstream().consumer_info(CASES_STREAM, subscription.durable)
    assert info.num_pending == 3  # read, not taken


async def test_metrics_are_for_those_who_may_read_the_status_only(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    settings = settings_of(ENTRY, store_url, tmp_path)
    app = ENTRY.checked_application(settings)
    thread = ApplicationThread("referral-metrics-access-test")
    runtime = ServiceRuntime(settings=settings, app=app, thread=thread, published=PUBLISHED)
    transport = httpx.ASGITransport(app=ENTRY.build_api(runtime, app))
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as http:
        anonymous = await http.get("/metrics")
        teacher = await http.get("/metrics", headers=bearer(Role.CLASS_TEACHER))
        auditor = await http.get("/metrics", headers=bearer(Role.AUDITOR))
    thread.shutdown()
    assert (anonymous.status_code, teacher.status_code, auditor.status_code) == (401, 403, 200)


def test_supervision_serves_its_readiness_on_metrics_to_the_auditor(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    with served_supervision(store_url, tmp_path) as served:
        answer = served.http.get("/metrics", headers=bearer(Role.AUDITOR))
        principal = served.http.get("/metrics", headers=bearer(Role.PRINCIPAL))
    assert principal.status_code == 403  # supervision's status is the auditor's and system's
    found = samples(answer.text)
    assert found["casetrail_ready", frozenset({("service", "supervision"),
                                               ("reason", "ready")})] == 1

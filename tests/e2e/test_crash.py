"""SIGKILL in the middle of a flow: every case still completes, each effect exactly once."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.identities import OPERATOR
from casetrail.bus.replay import read_all
from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import register_guardians
from casetrail.service import connect
from casetrail.store import ServiceApplication, store_env
from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM
from services.assessment.adapters.published import PUBLISHED as ASSESSMENT
from services.assessment.bootstrap import build_assessment
from services.intake.adapters.published import PUBLISHED as INTAKE
from services.intake.bootstrap import build_intake
from services.notification.adapters.published import PUBLISHED as NOTIFICATION
from services.notification.bootstrap import build_notification
from services.notification.domain.policy import NotificationPolicy
from services.referral.adapters.published import PUBLISHED as REFERRAL
from services.referral.bootstrap import build_referral
from tests.conftest import CIPHER_KEY, PSEUDONYM_KEY
from tests.identity import cast
from tests.system import System, running_services, secured_nats

pytestmark = pytest.mark.e2e

CASES_PER_RUN = 30
# Each crisis case, once complete, has exactly one of each of these on CASES.
ONCE_PER_CASE = ["intake.CaseDetected", "assessment.TierProposed",
                 "assessment.CrisisPathStarted", "notification.GuardianNoticeIssued",
                 "notification.GuardianNoticeDispatched", "referral.TierNoted",
                 "referral.FollowUpsScheduled"]


async def families_on_file(desk: Desk, count: int) -> list[str]:
    """Students whose primary guardian is on file with an SMS number: a notice with nobody to
    reach fails at once (no_contact) instead of being dispatched."""
    run = secrets.token_hex(3)
    students = [f"crash-{run}-{n}" for n in range(count)]
    await asyncio.gather(*(register_guardians(desk, student, primary="sms")
                           for student in students))
    return students


async def report_crisis_cases(desk: Desk, students: list[str]) -> list[UUID]:
    received = await asyncio.gather(*(
        desk.report(student, signs=["suicide_attempt"], imminent=True,
                    name="王小明", description="free text")
        for student in students))
    return [UUID(r["case_id"]) for r in received]


async def wait_until_complete(desk: Desk, case_ids: list[UUID]) -> None:
    await asyncio.gather(*(desk.event(case_id, "notification", "GuardianNoticeDispatched",
                                      timeout=120) for case_id in case_ids))
    await asyncio.gather(*(desk.event(case_id, "referral", "FollowUpsScheduled",
                                      timeout=120) for case_id in case_ids))


def service_stores(data: Path) -> list[tuple[ServiceApplication, PublishedEvents]]:
    """Each service's own store in the data directory (SQLite), as its bootstrap builds it;
    the caller closes them."""

    def env(service: str) -> dict[str, str]:
        return store_env(url=f"sqlite:///{data / service}.db", cipher_key=CIPHER_KEY)

    return [
        (build_intake(env("intake"), PSEUDONYM_KEY.encode()), INTAKE),
        (build_assessment(env("assessment")), ASSESSMENT),
        (build_notification(env("notification"), NotificationPolicy(),
                            pseudonym_key=PSEUDONYM_KEY.encode()), NOTIFICATION),
        (build_referral(env("referral"), ZoneInfo("Asia/Shanghai")), REFERRAL),
    ]


def stored_event_ids(system: System) -> dict[str, set[UUID]]:
    """What each service committed to its own store and means to publish."""
    ids: dict[str, set[UUID]] = {}
    for app, published in service_stores(system.data_dir):
        notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
        envelopes = (published.envelope(app.mapper.to_domain_event(n)) for n in notifications)
        ids[published.service] = {e.event_id for e in envelopes if e is not None}
        app.close()
    return ids


async def assert_on_cases_exactly_once(system: System, nc: Client,
                                       case_ids: list[UUID]) -> list[Envelope]:
    """Every stored event on CASES once, and each case's one-per-case events; returns CASES."""
    deadline = time.monotonic() + 60
    while True:
        bodies = await read_all(nc, CASES_STREAM, "case.>", timeout=2.0)
        on_bus = [Envelope.from_bytes(body) for body in bodies]
        missing = {service: ids - {e.event_id for e in on_bus}
                   for service, ids in stored_event_ids(system).items()}
        if not any(missing.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert not any(missing.values()), f"stored but not on CASES: {missing}"
    copies = Counter(e.event_id for e in on_bus)
    assert max(copies.values()) == 1, "an event reached CASES twice"
    for case_id in case_ids:
        kinds = Counter(f"{e.service}.{e.type}" for e in on_bus if e.case_id == case_id)
        assert {kind: kinds[kind] for kind in ONCE_PER_CASE} == dict.fromkeys(ONCE_PER_CASE, 1)
    return on_bus


async def assert_every_effect_exactly_once(system: System, nc: Client,
                                           case_ids: list[UUID]) -> None:
    on_bus = await assert_on_cases_exactly_once(system, nc, case_ids)
    sent = [json.loads(line) for line in
            (system.data_dir / "guardian-messages.jsonl").read_text().splitlines()]
    per_message: Counter[Any] = Counter(message["message_id"] for message in sent)
    assert max(per_message.values()) == 1, "a guardian got the same notice twice"
    notified = {e.case_id for e in on_bus if e.type == "GuardianNoticeIssued"}
    assert set(case_ids) <= notified


@pytest.mark.parametrize("victim", ["assessment", "notification", "intake-relay",
                                    "assessment-relay"])
async def test_a_process_killed_mid_flow_loses_nothing_and_repeats_nothing(
        victim: str, system: System, desk: Desk, nc: Client) -> None:
    students = await families_on_file(desk, CASES_PER_RUN + 5)
    first = asyncio.create_task(report_crisis_cases(desk, students[:CASES_PER_RUN]))
    await asyncio.sleep(0.3)
    process = system.cluster.processes[victim]
    process.kill()
    case_ids = await first
    case_ids += await report_crisis_cases(desk, students[CASES_PER_RUN:])  # while it is down
    system.cluster.start(process.service, process.role)
    await wait_until_complete(desk, case_ids)
    await assert_every_effect_exactly_once(system, nc, case_ids)


async def test_reports_taken_while_nats_is_down_flow_once_it_is_back(tmp_path: Path) -> None:
    """The outbox at work: intake commits without the bus, its relay catches up later."""
    nats = secured_nats(tmp_path).start()
    try:
        with running_services(tmp_path, nats.url) as system:
            nc = await connect(nats.url, "e2e-restart", system.login(OPERATOR))
            async with httpx.AsyncClient(timeout=30.0) as http:
                desk = Desk(system.runtime, nc, http, cast())
                students = await families_on_file(desk, 7)
                before = await report_crisis_cases(desk, students[:2])
                await wait_until_complete(desk, before)
                nats.stop()
                during = await report_crisis_cases(desk, students[2:5])
                nats = secured_nats(tmp_path, nats.port).start()
                after = await report_crisis_cases(desk, students[5:])
                await wait_until_complete(desk, during + after)
                await assert_every_effect_exactly_once(system, nc, before + during + after)
            await nc.close()
    finally:
        nats.stop()


@pytest.mark.parametrize("victim", ["intake", "assessment"])
async def test_an_api_killed_with_its_relay_beside_it_loses_nothing_and_repeats_nothing(
        victim: str, tmp_path: Path) -> None:
    """With CASETRAIL_RELAY_BESIDE_API the relay dies with its API: what the API committed
    and had not yet relayed goes out once the process is back."""
    nats = secured_nats(tmp_path).start()
    try:
        with running_services(tmp_path, nats.url,
                              {"CASETRAIL_RELAY_BESIDE_API": "true"}) as system:
            assert not any(p.role == "relay" for p in system.cluster.processes.values())
            nc = await connect(nats.url, "e2e-beside", system.login(OPERATOR))
            async with httpx.AsyncClient(timeout=30.0) as http:
                desk = Desk(system.runtime, nc, http, cast())
                students = await families_on_file(desk, CASES_PER_RUN + 5)
                first = asyncio.create_task(report_crisis_cases(desk, students[:CASES_PER_RUN]))
                await asyncio.sleep(0.3)
                process = system.cluster.processes[victim]
                process.kill()
                if victim != "intake":
                    case_ids = await first
                    case_ids += await report_crisis_cases(desk, students[CASES_PER_RUN:])
                    system.cluster.start(process.service, process.role)
                else:  # the reports wait, retried with their keys, until intake is back
                    system.cluster.start(process.service, process.role)
                    case_ids = await first
                    case_ids += await report_crisis_cases(desk, students[CASES_PER_RUN:])
                await wait_until_complete(desk, case_ids)
                await assert_every_effect_exactly_once(system, nc, case_ids)
            await nc.close()
    finally:
        nats.stop()

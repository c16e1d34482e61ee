"""Crisis cases driven through the real system, and the checks that each effect happened
once, nothing is missing and each case is in order (the crash and cluster tests share them)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from nats.aio.client import Client

from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.replay import read_all
from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import register_guardians
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
from tests.system import System

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


def service_stores(system: System) -> list[tuple[ServiceApplication, PublishedEvents]]:
    """Each service's own store, where the system's settings put it (SQLite in its data
    directory unless `<SERVICE>_STORE_URL` says otherwise), as its bootstrap builds it; the
    caller closes them."""

    def env(service: str) -> dict[str, str]:
        settings = system.cluster.env
        url = (settings.get(f"{service.upper()}_STORE_URL")
               or f"sqlite:///{system.data_dir / service}.db")
        return store_env(url=url, schema=settings.get(f"{service.upper()}_STORE_SCHEMA"),
                         cipher_key=CIPHER_KEY)

    return [
        (build_intake(env("intake"), PSEUDONYM_KEY.encode()), INTAKE),
        (build_assessment(env("assessment")), ASSESSMENT),
        (build_notification(env("notification"), NotificationPolicy(),
                            pseudonym_key=PSEUDONYM_KEY.encode()), NOTIFICATION),
        (build_referral(env("referral"), ZoneInfo("Asia/Shanghai")), REFERRAL),
    ]


def stored_events(system: System) -> dict[str, list[Envelope]]:
    """What each service committed to its own store and means to publish, in its order."""
    stored: dict[str, list[Envelope]] = {}
    for app, published in service_stores(system):
        notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
        envelopes = (published.envelope(app.mapper.to_domain_event(n)) for n in notifications)
        stored[published.service] = [e for e in envelopes if e is not None]
        app.close()
    return stored


async def assert_on_cases_exactly_once(system: System, nc: Client,
                                       case_ids: list[UUID]) -> list[Envelope]:
    """Every stored event on CASES once, each case's events of a service in the order that
    service stored them, and each case's one-per-case events; returns CASES."""
    deadline = time.monotonic() + 60
    while True:
        bodies = await read_all(nc, CASES_STREAM, "case.>", timeout=2.0)
        on_bus = [Envelope.from_bytes(body) for body in bodies]
        stored = stored_events(system)
        missing = {service: {e.event_id for e in events} - {e.event_id for e in on_bus}
                   for service, events in stored.items()}
        if not any(missing.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert not any(missing.values()), f"stored but not on CASES: {missing}"
    copies = Counter(e.event_id for e in on_bus)
    assert max(copies.values()) == 1, "an event reached CASES twice"
    for case_id in case_ids:
        for service, events in stored.items():
            assert ([e.event_id for e in on_bus if (e.case_id, e.service) == (case_id, service)]
                    == [e.event_id for e in events if e.case_id == case_id]), \
                f"{service}'s events of case {case_id} out of order on CASES"
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

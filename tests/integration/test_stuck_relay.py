"""An event already in a store that the bus cannot take (old data, stored before events were
checked): the relay stops there and says so once, /status names it, /health is 503, and the
events behind it wait their turn instead of being skipped."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.relay import OutboxRelay
from casetrail.bus.replay import case_timeline
from casetrail.kernel import EventMeta
from casetrail.store import tracking_store
from contracts.codes import Role, Tier
from contracts.events import referral as contract
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.bootstrap import ENTRY
from services.referral.domain.visits import CaseVisits, semester
from tests.application.all_services import settings_of
from tests.application.conftest import served
from tests.application.test_referral import decide
from tests.identity import bearer

TEAM = EventMeta.by("class_teacher", "ct-1")
SYSTEM = bearer(Role.SYSTEM)


def repaired(event: CaseVisits.HomeVisitRecorded) -> contract.HomeVisitRecorded:
    """What a fixed release might publish for such old visits: the date put right."""
    made_on = event.made_on.replace(year=2026)
    return contract.HomeVisitRecorded(visit_id=event.visit_id, semester=semester(made_on),
                                      made_on=made_on)


async def test_a_relay_stuck_on_an_event_the_bus_cannot_take_says_so_and_skips_nothing(
        nc: Client, store_url: tuple[str, str | None], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_of(ENTRY, store_url, tmp_path)
    unchecked = ENTRY.application(settings)  # as a store written before the check was
    assert isinstance(unchecked, ReferralApplication)
    old_case = decide(unchecked, Tier.SERIOUS)
    unchecked.record_home_visit(old_case, date(1, 1, 1), None, TEAM)
    poison = unchecked.recorder.max_notification_id() or 0
    later_case = decide(unchecked, Tier.GENERAL)
    relay = OutboxRelay(app=unchecked, published=PUBLISHED, js=nc.jetstream(),
                        positions=tracking_store("referral_relay", settings.relay_store_env()))
    with caplog.at_level(logging.ERROR, logger="casetrail.bus.relay"):
        for _ in range(3):
            await relay.relay_once()
    assert relay.last_relayed() == poison - 1
    stuck_lines = [r for r in caplog.records if "stuck at position" in r.getMessage()]
    assert len(stuck_lines) == 1
    assert await case_timeline(nc, later_case) == []  # not overtaken

    async with served(settings, unchecked, ENTRY.build_api, published=PUBLISHED) as http:
        status = (await http.get("/status", headers=SYSTEM)).json()["outbox"]
        health = await http.get("/health")
    stuck: dict[str, Any] = status["stuck"]
    assert stuck["position"] == poison
    assert stuck["event_type"] == "HomeVisitRecorded"
    assert "data.semester" in stuck["reason"] and "0-1" not in stuck["reason"]
    assert status["backlog"] == status["committed"] - poison + 1
    assert health.status_code == 503
    assert health.json()["stuck"] == stuck

    fixed = PublishedEvents("referral", {**PUBLISHED.published,
                                         CaseVisits.HomeVisitRecorded: repaired},
                            PUBLISHED.internal)
    restarted = OutboxRelay(app=unchecked, published=fixed, js=nc.jetstream(),
                            positions=tracking_store("referral_relay",
                                                     settings.relay_store_env()))
    await restarted.relay_once()
    assert restarted.stuck is None
    assert "HomeVisitRecorded" in [e.type for e in await case_timeline(nc, old_case)]
    assert await case_timeline(nc, later_case) != []
    async with served(settings, unchecked, ENTRY.build_api, published=fixed) as http:
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/status", headers=SYSTEM)).json()["outbox"]["backlog"] == 0



async def test_a_relay_that_does_not_move_while_events_wait_makes_the_service_unready(
        nc: Client, store_url: tuple[str, str | None], tmp_path: Path) -> None:
    """A relay down, or unable to reach NATS: its API cannot see its log, but sees that the
    position stands still while events wait."""
    settings = settings_of(ENTRY, store_url, tmp_path, {"relay_stall_seconds": 0.3})
    app = ENTRY.checked_application(settings)
    assert isinstance(app, ReferralApplication)
    async with served(settings, app, ENTRY.build_api, published=PUBLISHED) as http:
        assert (await http.get("/health")).status_code == 200  # nothing waits yet
        decide(app, Tier.SERIOUS)
        assert (await http.get("/health")).status_code == 200  # the wait starts now
        await asyncio.sleep(0.5)
        stalled = await http.get("/health")
        assert stalled.status_code == 503
        assert stalled.json()["status"] == "stalled"
        status = (await http.get("/status", headers=SYSTEM)).json()
        assert status["outbox"]["stalled_seconds"] >= 0.3
        relay = OutboxRelay(app=app, published=PUBLISHED, js=nc.jetstream(),
                            positions=tracking_store("referral_relay",
                                                     settings.relay_store_env()))
        await relay.relay_once()
        assert (await http.get("/health")).status_code == 200


async def health_becomes(http: httpx.AsyncClient, status: int, seconds: float = 15.0
                         ) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + seconds
    while (answer := await http.get("/health")).status_code != status:
        assert asyncio.get_running_loop().time() < deadline, answer.json()
        await asyncio.sleep(0.1)
    return answer


async def test_a_service_that_loses_nats_is_unready_until_it_is_back(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path / "nats").start()
    try:
        settings = settings_of(ENTRY, store_url, tmp_path, {"NATS_URL": nats.url})
        api = ENTRY.api(settings)
        runtime = api.state.runtime
        async with runtime.running(), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api), base_url="http://referral") as http:
            await health_becomes(http, 200)
            nats.stop()
            unready = await health_becomes(http, 503)
            assert unready.json()["status"] == "bus_unreachable"
            nats.start()
            await health_becomes(http, 200)
    finally:
        nats.stop()

"""No accepted command leaves an event the bus can never take, against the real processes:
the home visit of year 1 that once wedged referral's outbox is refused; and an event of that
kind already in the store (old data) is named by /status and /health while nothing behind
it overtakes it. The second test leaves referral's relay stuck: keep it last here."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.replay import case_timeline
from casetrail.cli.cast import AUDITOR, CLASS_TEACHER
from casetrail.cli.commands import RequestRefused
from casetrail.cli.desk import Desk
from casetrail.kernel import EventMeta
from services.referral.application import ReferralApplication
from services.referral.bootstrap import ENTRY
from services.referral.config import ReferralSettings
from tests.conftest import CIPHER_KEY, DATA_MASTER_KEY
from tests.system import System

pytestmark = pytest.mark.e2e

async def decided_case(desk: Desk) -> UUID:
    """A serious case, the class teacher assigned to it to visit the family."""
    case_id = await desk.decided_case(f"s-{secrets.token_hex(4)}", "serious",
                                      "seen by the team", signs=["self_harm"])
    await desk.assign(case_id, CLASS_TEACHER, working_in=("referral",))
    return case_id


async def home_visit(desk: Desk, case_id: UUID, made_on: str) -> dict[str, Any]:
    return await desk.post("referral", f"/cases/{case_id}/home-visits", {"made_on": made_on},
                           by=CLASS_TEACHER)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def test_a_home_visit_of_year_one_is_refused_and_referrals_events_keep_flowing(
        desk: Desk, system: System) -> None:
    case_id = await decided_case(desk)
    with pytest.raises(RequestRefused) as refused:
        await home_visit(desk, case_id, "0001-01-01")
    assert refused.value.status_code == 422
    assert [e["loc"] for e in refused.value.detail or []] == [["body", "made_on"]]
    visit = await home_visit(desk, case_id, today())
    await desk.event(case_id, "referral", "HomeVisitRecorded", visit_id=visit["visit_id"])
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{system.cluster.url('referral')}/health")).status_code == 200


def stored_before_the_check(system: System, case_id: UUID) -> int:
    """A visit of year 1 written to referral's store as a release without the check did;
    its log position."""
    settings = ReferralSettings.model_validate({
        "CASETRAIL_DATA_DIR": str(system.data_dir), "CASETRAIL_CIPHER_KEY": CIPHER_KEY,
        "data_master_key": DATA_MASTER_KEY})
    app = ENTRY.application(settings)
    assert isinstance(app, ReferralApplication)
    try:
        app.record_home_visit(case_id, date(1, 1, 1), None, EventMeta.by("class_teacher", "t"))
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


async def test_an_old_event_the_bus_cannot_take_is_named_and_nothing_overtakes_it(
        desk: Desk, system: System, nc: Client) -> None:
    old_case, later_case = await decided_case(desk), await decided_case(desk)
    poison = await asyncio.to_thread(stored_before_the_check, system, old_case)
    later = await home_visit(desk, later_case, today())
    referral = system.cluster.url("referral")
    async with httpx.AsyncClient() as http:
        for _ in range(50):  # the relay meets it within a poll or two
            health = await http.get(f"{referral}/health")
            if health.status_code == 503:
                break
            await asyncio.sleep(0.2)
        assert health.status_code == 503, health.text
        status = (await http.get(f"{referral}/status",
                                 headers=desk.cast.headers(AUDITOR))).json()["outbox"]
    assert status["stuck"]["position"] == poison
    assert status["stuck"]["event_type"] == "HomeVisitRecorded"
    assert "data.semester" in status["stuck"]["reason"]
    assert status["backlog"] >= 2  # the visit of year 1 and the one recorded after it
    await asyncio.sleep(2)  # several relay polls: still nothing after it, one log line
    visits = [e for e in await case_timeline(nc, later_case) if e.type == "HomeVisitRecorded"]
    assert visits == [], later
    log = (system.data_dir / "logs" / "referral-relay.log").read_text()
    assert log.count(f"stuck at position {poison}") == 1

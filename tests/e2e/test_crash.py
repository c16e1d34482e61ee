"""SIGKILL in the middle of a flow: every case still completes, each effect exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.identities import OPERATOR
from casetrail.cli.desk import Desk
from casetrail.service import connect
from tests.crisis_flow import (
    assert_every_effect_exactly_once,
    families_on_file,
    report_crisis_cases,
    wait_until_complete,
)
from tests.identity import cast
from tests.system import System, running_services, secured_nats

pytestmark = pytest.mark.e2e

CASES_PER_RUN = 30


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

"""The reference liaison client of deploy/fhir, run as a hospital runs it, against the
referral service in process: it acknowledges, accepts, schedules, admits and discharges
with feedback, or declines, and prints the facade's refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from casetrail.cli.liaison import reference_client
from casetrail.service import ServiceRuntime
from casetrail.worker import ApplicationThread
from contracts.codes import Tier
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.domain.aftercare import Aftercare
from services.referral.entrypoints.http import build_api
from tests.application.test_referral import decide, directory, refer
from tests.identity import token

BASE = "http://referral"
liaison_client = reference_client()


@pytest.fixture
def app(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
def transport(app: ReferralApplication) -> Iterator[httpx.ASGITransport]:
    thread = ApplicationThread("liaison-client-test")
    runtime = ServiceRuntime(settings=ReferralSettings(), app=app, thread=thread)
    yield httpx.ASGITransport(app=build_api(runtime, app))
    thread.shutdown()


def hospital_a() -> list[str]:
    return ["--base", BASE, "--token",
            token("receiver_liaison", school=None, receiver="hospital-a")]


def status_of(app: ReferralApplication, referral_id: str) -> str:
    case = app.get_case(app.board.cases_of[UUID(referral_id)], Aftercare)
    return case.referral(UUID(referral_id)).status


async def test_a_hospital_acknowledges_admits_and_discharges_with_feedback(
        app: ReferralApplication, transport: httpx.ASGITransport,
        capsys: pytest.CaptureFixture[str]) -> None:
    referral_id = str(refer(app, decide(app, Tier.CRISIS), "hospital-a"))
    async with httpx.AsyncClient(transport=transport) as http:
        client = liaison_client.LiaisonClient(http, BASE, hospital_a()[3])
        assert await client.acknowledge_new() == [referral_id]
    for answer in ("accepted", "scheduled", "admitted"):
        assert await liaison_client.main([*hospital_a(), "answer", referral_id, answer],
                                         transport) == 0
        assert status_of(app, referral_id) == answer
    capsys.readouterr()
    done = await liaison_client.main([*hospital_a(), "answer", referral_id, "discharged",
                                      "--summary", "DocumentReference/ds-1",
                                      "--recommendations", "half days"], transport)
    assert done == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "completed" and printed["output"][1]["valueString"] == "half days"
    assert status_of(app, referral_id) == "discharged"


async def test_a_hospital_declines_and_is_told_why_a_later_answer_is_refused(
        app: ReferralApplication, transport: httpx.ASGITransport,
        capsys: pytest.CaptureFixture[str]) -> None:
    referral_id = str(refer(app, decide(app, Tier.CRISIS), "hospital-a"))
    assert await liaison_client.main([*hospital_a(), "answer", referral_id, "rejected",
                                      "--reason", "no_capacity"], transport) == 0
    assert status_of(app, referral_id) == "declined"
    capsys.readouterr()
    assert await liaison_client.main([*hospital_a(), "answer", referral_id, "accepted"],
                                     transport) == 1
    refused = capsys.readouterr().err
    assert refused.startswith("refused 409:") and "is final" in refused

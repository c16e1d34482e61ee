"""The receiver's FHIR facade in process: a hospital's FHIR client reads its Tasks, updates
them through the R4 workflow, and gets an OperationOutcome for each of its mistakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from contracts.codes import Tier
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api
from tests.application.conftest import served
from tests.application.test_referral import decide, directory, refer
from tests.identity import bearer

FHIR_JSON = "application/fhir+json"


def liaison(receiver: str = "hospital-a", subject: str = "liaison-1") -> dict[str, str]:
    return bearer("receiver_liaison", subject=subject, school=None, receiver=receiver)


def task(status: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Task", "intent": "order", "status": status, **more}


@pytest.fixture
def app(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
async def http(app: ReferralApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(ReferralSettings(), app, build_api) as client:
        yield client


def referred(app: ReferralApplication, receiver: str = "hospital-a") -> UUID:
    return refer(app, decide(app, Tier.CRISIS), receiver)


def outcome_of(response: httpx.Response) -> OperationOutcome:
    assert response.headers["content-type"].startswith(FHIR_JSON), response.text
    return OperationOutcome.model_validate(response.json())


async def test_every_refusal_under_fhir_is_an_operation_outcome(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = referred(app)
    url = f"/fhir/Task/{referral_id}"
    unsigned = await http.put(url, json=task("accepted"))
    assert unsigned.status_code == 401
    assert outcome_of(unsigned).issue[0].code == "login"
    assert "www-authenticate" in unsigned.headers
    other = await http.put(url, json=task("accepted"), headers=liaison("hospital-b"))
    assert (other.status_code, outcome_of(other).issue[0].code) == (403, "forbidden")
    unknown = await http.put(f"/fhir/Task/{uuid4()}", json=task("accepted"),
                             headers=liaison())
    assert (unknown.status_code, outcome_of(unknown).issue[0].code) == (404, "not-found")
    early = await http.put(url, json=task("completed"), headers=liaison())
    assert (early.status_code, outcome_of(early).issue[0].code) == (409, "business-rule")


async def test_a_bad_task_is_a_422_naming_the_field_and_the_rule_never_the_value(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = referred(app)
    refused = await http.put(f"/fhir/Task/{referral_id}",
                             json=task("accepted", authoredOn="王小明-secret"), headers=liaison())
    assert refused.status_code == 422
    [issue] = outcome_of(refused).issue
    assert issue.code == "invalid" and issue.expression == ["Task.authoredOn"]
    assert "王小明-secret" not in refused.text


async def test_the_rest_of_the_api_keeps_its_json_errors(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    refused = await http.get(f"/cases/{uuid4()}")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert "detail" in refused.json()

"""Notification's HTTP API: bodies checked (422 naming the field), rules (409), who may (403)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contracts.codes import Role
from services.notification.application import NotificationApplication
from services.notification.config import NotificationSettings
from services.notification.entrypoints.http import build_api
from tests.application.conftest import assigned, deliver, envelope, served
from tests.application.test_notification import SCHOOL_ID, crisis_path, new_app
from tests.identity import bearer

TEAM = {"role": "crisis_team", "id": "t-1"}
READER = bearer("crisis_team", subject="t-2")
MOTHER = {"rank": 1, "relation": "mother", "name": "王芳", "phone": "+86 139 0000 0001",
          "preferred_channel": "phone", "language": "zh"}
FATHER = {"rank": 2, "relation": "father", "name": "李强", "phone": "+86 139 0000 0002",
          "email": "li@example.cn", "preferred_channel": "email", "language": "en"}


@pytest.fixture
def app(env: dict[str, str]) -> NotificationApplication:
    return new_app(env)


@pytest.fixture
async def client(app: NotificationApplication,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "test-pseudonym-key")
    async with served(NotificationSettings(), app, build_api) as c:
        yield c


def crisis(app: NotificationApplication) -> UUID:
    """A case on the crisis path, with the psychology teacher p-1 and the class teacher c-1
    assigned to it."""
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    assigned(app, case_id, "p-1")
    assigned(app, case_id, "c-1", Role.CLASS_TEACHER)
    return case_id


def by(actor: dict[str, str]) -> dict[str, str]:
    return bearer(actor["role"], subject=actor["id"])


async def put_guardians(client: httpx.AsyncClient, *guardians: dict[str, Any],
                        actor: dict[str, str] = TEAM) -> httpx.Response:
    return await client.put(f"/students/{SCHOOL_ID}/guardians",
                            json={"guardians": list(guardians)}, headers=by(actor))


async def test_the_guardians_are_put_on_file_and_read_back_by_an_entitled_reader(
        client: httpx.AsyncClient) -> None:
    assert (await put_guardians(client, MOTHER, FATHER)).json() == {"guardian_ranks": [1, 2]}
    read = await client.get(f"/students/{SCHOOL_ID}/guardians", headers=READER)
    assert [g["name"] for g in read.json()["guardians"]] == ["王芳", "李强"]
    refused = await client.get(f"/students/{SCHOOL_ID}/guardians",
                               headers=bearer("peer", subject="s-9"))
    assert refused.status_code == 403


@pytest.mark.parametrize(("guardians", "field"), [
    ([{**MOTHER, "preferred_channel": "email"}], "email"),
    ([{**MOTHER, "phone": "call me"}], "phone"),
    ([MOTHER, {**FATHER, "rank": 1}], "one guardian per rank"),
    ([{**MOTHER, "language": "fr"}], "language"),
    ([FATHER], "the primary guardian"),
])
async def test_a_bad_guardian_entry_is_refused_naming_the_field(
        client: httpx.AsyncClient, guardians: list[dict[str, Any]], field: str) -> None:
    response = await put_guardians(client, *guardians)
    assert response.status_code == 422
    assert field in response.text


async def test_a_student_may_not_keep_the_guardian_directory(
        client: httpx.AsyncClient) -> None:
    response = await put_guardians(client, MOTHER, actor={"role": "student", "id": "s-1"})
    assert response.status_code == 403


async def test_the_team_calls_the_guardian_on_the_list_and_records_the_plan(
        client: httpx.AsyncClient, app: NotificationApplication) -> None:
    await put_guardians(client, MOTHER, FATHER)
    case_id = crisis(app)
    plan = {"measures": ["safety_plan"], "agreed": True, "guardian_rank": 1,
            "notes": "母亲同意"}
    early = await client.post(f"/cases/{case_id}/intervention-plan", json=plan, headers=by(TEAM))
    assert early.status_code == 409
    [call] = (await client.get("/calls/pending", headers=READER)).json()["calls"]
    assert (call["case_id"], call["phone"]) == (str(case_id), MOTHER["phone"])
    called = await client.post(f"/cases/{case_id}/calls", json={
        "guardian_rank": 1, "outcome": "reached"}, headers=by(TEAM))
    assert called.status_code == 201
    recorded = await client.post(f"/cases/{case_id}/intervention-plan", json=plan, headers=by(TEAM))
    assert recorded.status_code == 201
    record = (await client.get(f"/cases/{case_id}", headers=READER)).json()
    assert [c["outcome"] for c in record["calls"]] == ["reached"]
    assert record["notices"][0]["acknowledged"] is True
    assert record["plan"]["plan_id"] == recorded.json()["plan_id"]


async def test_an_unknown_call_outcome_is_refused(client: httpx.AsyncClient,
                                                  app: NotificationApplication) -> None:
    response = await client.post(f"/cases/{crisis(app)}/calls", json={
        "guardian_rank": 1, "outcome": "left_voicemail"}, headers=by(TEAM))
    assert response.status_code == 422
    assert "outcome" in response.text


async def test_a_plan_without_measures_is_refused(client: httpx.AsyncClient,
                                                  app: NotificationApplication) -> None:
    response = await client.post(f"/cases/{crisis(app)}/intervention-plan", json={
        "measures": [], "agreed": True, "guardian_rank": 1}, headers=by(TEAM))
    assert response.status_code == 422
    assert "measures" in response.text


@pytest.mark.parametrize(("path", "body"), [
    ("acknowledgements", {"guardian_rank": 1, "channel": "phone"}),
    ("calls", {"guardian_rank": 1, "outcome": "reached"}),
    ("intervention-plan", {"measures": ["safety_plan"], "agreed": True, "guardian_rank": 1}),
])
async def test_a_student_may_not_record_an_acknowledgement_a_call_or_a_plan(
        client: httpx.AsyncClient, app: NotificationApplication, path: str,
        body: dict[str, Any]) -> None:
    response = await client.post(f"/cases/{crisis(app)}/{path}", json=body,
                                 headers=bearer("student", subject="s-1"))
    assert response.status_code == 403


async def test_a_guardian_signs_nothing_in_the_staff_api_the_gateways_take_their_replies(
        client: httpx.AsyncClient, app: NotificationApplication) -> None:
    case_id = crisis(app)
    guardian = {"role": "guardian", "id": "g-1"}
    confirmed = await client.post(f"/cases/{case_id}/acknowledgements", json={
        "guardian_rank": 1, "channel": "sms"}, headers=by(guardian))
    assert confirmed.status_code == 403
    plan = await client.post(f"/cases/{case_id}/intervention-plan", json={
        "measures": ["safety_plan"], "agreed": True, "guardian_rank": 1}, headers=by(guardian))
    assert plan.status_code == 403


async def test_a_class_teacher_records_a_call_but_the_plan_is_the_psych_teachers(
        client: httpx.AsyncClient, app: NotificationApplication) -> None:
    case_id = crisis(app)
    teacher = {"role": "class_teacher", "id": "c-1"}
    called = await client.post(f"/cases/{case_id}/calls", json={
        "guardian_rank": 1, "outcome": "reached"}, headers=by(teacher))
    assert called.status_code == 201
    body = {"measures": ["safety_plan"], "agreed": True, "guardian_rank": 1}
    refused = await client.post(f"/cases/{case_id}/intervention-plan",
                                json={**body}, headers=by(teacher))
    assert refused.status_code == 403
    planned = await client.post(f"/cases/{case_id}/intervention-plan", json=body,
                                headers=bearer("psych_teacher", subject="p-1"))
    assert planned.status_code == 201

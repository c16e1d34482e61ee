"""The console in front of the real services (in process, on SQLite and PostgreSQL): a step
sent from its form is the service's own command, with the service's own answer, and sent
twice with the form's key it is done once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from contracts.codes import Role
from services.console.adapters.service_apis import ServicesOverHttp
from services.console.bootstrap import build
from services.console.config import ConsoleSettings
from services.console.entrypoints.session import SESSION_COOKIE
from tests.application.all_services import Served, all_served
from tests.identity import ISSUER, SCHOOL, token
from tests.supervision_world import served_supervision


@pytest.fixture
def services(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[dict[str, Served]]:
    with (all_served(store_url, tmp_path) as running,
          served_supervision(store_url, tmp_path) as supervision):
        yield {**running, "supervision": supervision}


@pytest.fixture
def console(services: dict[str, Served]) -> TestClient:
    """The console's own adapter, its calls served in process by each service's API."""
    ISSUER.ensure()
    settings = ConsoleSettings(CASETRAIL_OIDC_JWKS_FILE=ISSUER.jwks_file,
                               CASETRAIL_SCHOOL_ID=SCHOOL)
    client = httpx.AsyncClient(mounts={
        f"http://{name}": httpx.ASGITransport(app=served.http.app)
        for name, served in services.items()})
    apis = ServicesOverHttp({name: f"http://{name}" for name in services}, 5.0, client)
    app = build(settings, apis, None, settings.token_verifier())
    return TestClient(app, follow_redirects=False)


def as_(console: TestClient, role: Role, subject: str) -> TestClient:
    console.cookies.set(SESSION_COOKIE, token(role, subject=subject))
    return console


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"the form has no {name}"
    return found.group(1)


def reported(console: TestClient) -> str:
    """A concern reported through the console's form; the case's id."""
    form = as_(console, Role.CLASS_TEACHER, "teacher-1").get("/report").text
    sent = console.post("/report", data={
        "csrf": hidden(form, "csrf"), "idempotency_key": hidden(form, "idempotency_key"),
        "student.school_student_id": "S-7", "student.name": "王小明",
        "channel": "staff_observation", "signs": ["emotional_abnormality", "grade_swing"]})
    assert sent.status_code == 303, sent.text
    found = re.match(r"/cases/([0-9a-f-]{36})\?done=report_concern", sent.headers["location"])
    assert found, sent.headers["location"]
    return found.group(1)


def assign_form(console: TestClient, case_id: str) -> str:
    form: str = console.get(f"/cases/{case_id}/actions/assign").text
    return form


def test_a_concern_reported_in_the_console_opens_a_case_in_intake(
        console: TestClient, services: dict[str, Served]) -> None:
    case_id = reported(console)

    page = as_(console, Role.CRISIS_TEAM, "team-1").get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "王小明" in page.text
    record = services["intake"].http.get(
        f"/cases/{case_id}", headers={"Authorization": f"Bearer {token(Role.CRISIS_TEAM)}"})
    assert record.json()["reports"][0]["signs"] == ["emotional_abnormality", "grade_swing"]


def test_the_head_assigns_the_psychology_teacher_once_though_the_form_is_sent_twice(
        console: TestClient, services: dict[str, Served]) -> None:
    case_id = reported(console)
    form = assign_form(as_(console, Role.CRISIS_TEAM_HEAD, "head-1"), case_id)
    step = {"csrf": hidden(form, "csrf"), "idempotency_key": hidden(form, "idempotency_key"),
            "assignee_id": "psy-1", "assignee_role": "psych_teacher"}

    first = console.post(f"/cases/{case_id}/actions/assign", data=step)
    again = console.post(f"/cases/{case_id}/actions/assign", data=step)

    assert first.status_code == again.status_code == 303
    record = services["intake"].http.get(
        f"/cases/{case_id}", headers={"Authorization": f"Bearer {token(Role.CRISIS_TEAM)}"})
    assert [a["assignee_id"] for a in record.json()["assignees"]] == ["psy-1"]


def test_a_step_the_role_may_not_take_shows_the_services_refusal(
        console: TestClient, services: dict[str, Served]) -> None:
    case_id = reported(console)
    form = assign_form(as_(console, Role.CLASS_TEACHER, "teacher-1"), case_id)

    refused = console.post(f"/cases/{case_id}/actions/assign", data={
        "csrf": hidden(form, "csrf"), "idempotency_key": hidden(form, "idempotency_key"),
        "assignee_id": "psy-1"})

    assert refused.status_code == 200
    assert 'data-test="refusal"' in refused.text
    assert "may not assign a member of staff to a case" in refused.text


def test_a_missing_field_is_named_beside_it_and_the_form_keeps_its_key(
        console: TestClient) -> None:
    case_id = reported(console)
    form = assign_form(as_(console, Role.CRISIS_TEAM_HEAD, "head-1"), case_id)
    key = hidden(form, "idempotency_key")

    refused = console.post(f"/cases/{case_id}/actions/assign", data={
        "csrf": hidden(form, "csrf"), "idempotency_key": key})

    assert refused.status_code == 200
    assert re.search(r'id="f-assignee_id"[^>]*aria-invalid="true"', refused.text)
    assert 'class="field-error"' in refused.text
    assert hidden(refused.text, "idempotency_key") == key


def test_a_form_without_the_sessions_token_is_refused(console: TestClient) -> None:
    case_id = reported(console)
    as_(console, Role.CRISIS_TEAM_HEAD, "head-1")

    forged = console.post(f"/cases/{case_id}/actions/assign",
                          data={"csrf": "guess", "assignee_id": "psy-1"})

    assert forged.status_code == 403


def test_without_a_session_the_pages_ask_to_sign_in(console: TestClient) -> None:
    asked = console.get("/worklist")

    assert asked.status_code == 303
    assert asked.headers["location"].startswith("/sign-in?next=/worklist")

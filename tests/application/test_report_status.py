"""A reporter polls their own report: where it stands, as codes and times, and nothing of the
student or the case; anyone who did not make it is refused, and every read is logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from tests.application.intake_api import TEACHER, by, report, served
from tests.application.reads import position, reads_after
from tests.identity import OTHER_SCHOOL, bearer

GUARDIAN = {"role": "guardian", "id": "g-1"}
OTHER_TEACHER = {"role": "class_teacher", "id": "ct-2"}
GRADE_LEADER = {"role": "grade_leader", "id": "gl-1"}


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env) as client:
        yield client


def intake_of(client: TestClient) -> IntakeApplication:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    app = runtime.app
    assert isinstance(app, IntakeApplication)
    return app


def guardian_report(client: TestClient) -> str:
    answer = client.post("/reports", json={"student": {"school_student_id": "S-1",
                                                       "name": "张三"},
                                           "channel": "guardian",
                                           "description": "她说不想活了"},
                         headers=by(GUARDIAN)).json()
    assert set(answer) == {"report_id", "received"}
    report_id: str = answer["report_id"]
    return report_id


def status(client: TestClient, report_id: str, who: dict[str, str],
           **params: str) -> dict[str, Any]:
    response = client.get(f"/reports/{report_id}", headers=by(who), params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_guardian_polls_the_report_they_made_and_learns_only_that_it_was_received(
        client: TestClient) -> None:
    report_id = guardian_report(client)
    answer = status(client, report_id, GUARDIAN)
    assert answer["report_id"] == report_id and answer["status"] == "received"
    assert answer["level"] == "school" and answer["attached_to_case"] is True
    assert [s["step"] for s in answer["steps"]] == ["received"]
    assert set(answer) == {"report_id", "status", "level", "received_at", "steps",
                           "attached_to_case"}
    assert set(answer["steps"][0]) == {"step", "level", "at"}
    assert "张三" not in str(answer) and "不想活" not in str(answer)


def test_the_reporter_sees_the_report_forwarded_and_then_acknowledged_with_times(
        client: TestClient) -> None:
    made = report(client)
    report_id, case_id = made["report_id"], made["case_id"]
    assert status(client, report_id, TEACHER)["status"] == "received"
    client.post(f"/cases/{case_id}/reports/{report_id}/forwards",
                json={"to_level": "grade"}, headers=by(TEACHER)).raise_for_status()
    forwarded = status(client, report_id, TEACHER)
    assert (forwarded["status"], forwarded["level"]) == ("forwarded", "grade")
    client.post(f"/cases/{case_id}/reports/{report_id}/acknowledgements",
                json={"level": "grade"}, headers=by(GRADE_LEADER)).raise_for_status()
    acknowledged = status(client, report_id, TEACHER)
    assert acknowledged["status"] == "acknowledged"
    assert [(s["step"], s["level"]) for s in acknowledged["steps"]] == [
        ("received", "class"), ("forwarded", "grade"), ("acknowledged", "grade")]
    assert all(s["at"] for s in acknowledged["steps"])


def test_someone_who_reported_to_the_same_case_may_not_read_another_persons_report(
        client: TestClient) -> None:
    theirs = guardian_report(client)
    report(client, reporter=OTHER_TEACHER)
    refused = client.get(f"/reports/{theirs}", headers=by(OTHER_TEACHER))
    assert refused.status_code == 403
    assert "only a report they made" in refused.json()["detail"]


@pytest.mark.parametrize("role", ["class_teacher", "peer", "student", "district_officer",
                                  "grade_leader"])
def test_no_one_but_its_reporter_the_schools_team_and_the_auditor_reads_a_report(
        client: TestClient, role: str) -> None:
    report_id = guardian_report(client)
    refused = client.get(f"/reports/{report_id}", headers=bearer(role, subject="x-9"))
    assert refused.status_code == 403


def test_a_report_that_does_not_exist_is_not_found(client: TestClient) -> None:
    assert client.get(f"/reports/{uuid4()}", headers=by(GUARDIAN)).status_code == 404


@pytest.mark.parametrize("role", ["crisis_team", "crisis_team_head", "principal"])
def test_the_schools_team_reads_any_report_of_the_school_with_its_case(
        client: TestClient, role: str) -> None:
    report_id = guardian_report(client)
    answer = status(client, report_id, {"role": role, "id": f"{role}-9"})
    assert answer["status"] == "received" and answer["case_id"]


def test_the_crisis_team_of_another_school_may_not_read_the_report(
        client: TestClient) -> None:
    report_id = guardian_report(client)
    elsewhere = bearer("crisis_team", subject="t-2", school=OTHER_SCHOOL)
    assert client.get(f"/reports/{report_id}", headers=elsewhere).status_code == 403


def test_the_auditor_reads_a_reports_status(client: TestClient) -> None:
    report_id = guardian_report(client)
    assert status(client, report_id, {"role": "auditor", "id": "a-1"})["status"] == "received"


def test_a_poll_is_a_read_of_the_case_logged_as_the_reports_status_with_who_and_why(
        client: TestClient) -> None:
    report_id = guardian_report(client)
    intake = intake_of(client)
    before = position(intake)
    status(client, report_id, GUARDIAN, purpose="follow_up")
    [read] = reads_after(intake, before)
    case_id = intake.report_owner(UUID(report_id)).case_id
    assert (read.record, read.what, read.subject, read.role, read.purpose) == (
        case_id, "report_status", "g-1", "guardian", "follow_up")


def test_a_refused_poll_logs_no_read(client: TestClient) -> None:
    report_id = guardian_report(client)
    intake = intake_of(client)
    before = position(intake)
    assert client.get(f"/reports/{report_id}", headers=by(OTHER_TEACHER)).status_code == 403
    assert reads_after(intake, before) == []

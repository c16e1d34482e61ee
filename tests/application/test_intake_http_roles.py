"""Intake's HTTP API: who may do what, and what a reporter learns of the student's case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.application.intake_api import READ_AS, TEACHER, report, served

GUARDIAN = {"role": "guardian", "id": "g-1"}
PEER = {"role": "peer", "id": "pe-1"}


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env) as client:
        yield client


def post_report(client: TestClient, reporter: dict[str, str], channel: str) -> dict[str, Any]:
    response = client.post("/reports", json={
        "student": {"school_student_id": "S-1"}, "reporter": reporter, "channel": channel})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(("reporter", "channel"), [
    (GUARDIAN, "guardian"), (PEER, "peer"), ({"role": "subject_teacher", "id": "st-1"},
                                             "staff_observation")])
def test_a_reporter_who_may_not_read_cases_learns_only_that_the_report_was_received(
        client: TestClient, reporter: dict[str, str], channel: str) -> None:
    first = report(client)
    answer = post_report(client, reporter, channel)
    assert set(answer) == {"report_id", "received"} and answer["received"] is True
    record = client.get(f"/cases/{first['case_id']}", headers=READ_AS).json()
    assert answer["report_id"] in [r["report_id"] for r in record["reports"]]


def test_a_case_reader_who_reports_gets_the_case_and_whether_it_was_opened(
        client: TestClient) -> None:
    post_report(client, GUARDIAN, "guardian")
    answer = post_report(client, TEACHER, "staff_observation")
    assert answer["opened"] is False and answer["case_id"]
    assert "previous_case_id" in answer


def test_an_incident_reported_by_someone_who_may_not_read_cases_gives_only_a_receipt(
        client: TestClient) -> None:
    dorm = {"role": "dorm_staff", "id": "d-1"}
    answer = client.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm", "reporter": dorm}).json()
    assert set(answer) == {"report_id", "received"}
    by_teacher = client.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm", "reporter": TEACHER})
    assert {"case_id", "incident_id", "checklist"} <= set(by_teacher.json())

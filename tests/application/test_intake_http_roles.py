"""Intake's HTTP API: who may do what, and what a reporter learns of the student's case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.application.intake_api import PSYCH, READ_AS, TEACHER, by, report, served

GUARDIAN = {"role": "guardian", "id": "g-1"}
PEER = {"role": "peer", "id": "pe-1"}


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env) as client:
        yield client


def post_report(client: TestClient, reporter: dict[str, str], channel: str) -> dict[str, Any]:
    response = client.post("/reports", json={
        "student": {"school_student_id": "S-1"}, "channel": channel}, headers=by(reporter))
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


def test_a_reader_of_every_case_of_the_school_who_reports_learns_whether_it_was_opened(
        client: TestClient) -> None:
    post_report(client, GUARDIAN, "guardian")
    answer = post_report(client, {"role": "crisis_team", "id": "t-2"}, "staff_observation")
    assert answer["opened"] is False and answer["case_id"]
    assert "previous_case_id" in answer


def test_a_class_teacher_who_reports_gets_the_case_to_forward_in_but_not_its_history(
        client: TestClient) -> None:
    """Whether the student had a case open, or one before, is not a reporter's to learn."""
    post_report(client, GUARDIAN, "guardian")
    answer = post_report(client, TEACHER, "staff_observation")
    assert answer["case_id"] and answer["received"] is True
    assert "opened" not in answer and "previous_case_id" not in answer


def test_an_incident_reported_by_someone_who_may_not_read_cases_gives_only_a_receipt(
        client: TestClient) -> None:
    dorm = {"role": "dorm_staff", "id": "d-1"}
    answer = client.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm"}, headers=by(dorm)).json()
    assert set(answer) == {"report_id", "received"}
    by_teacher = client.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm"}, headers=by(TEACHER))
    assert {"case_id", "incident_id", "checklist"} <= set(by_teacher.json())


@pytest.mark.parametrize("role", ["psych_teacher", "class_teacher", "crisis_team", "principal",
                                  "grade_leader"])
def test_staff_who_know_the_student_may_flag_key_concerns_and_see_no_case_id(
        client: TestClient, role: str) -> None:
    report(client)
    flagged = client.put("/students/S-1/key-concerns", json={
        "key_concerns": ["poverty"]}, headers=by({"role": role, "id": "s-1"}))
    assert flagged.status_code == 200
    assert flagged.json() == {"key_concerns": ["poverty"]}


@pytest.mark.parametrize("role", ["peer", "guardian", "subject_teacher", "hotline_operator"])
def test_no_one_else_may_flag_a_student_for_key_concern(client: TestClient, role: str) -> None:
    flagged = client.put("/students/S-1/key-concerns", json={
        "key_concerns": ["poverty"]}, headers=by({"role": role, "id": "x-1"}))
    assert flagged.status_code == 403


def test_clearing_the_flags_of_an_unknown_student_answers_none_and_keeps_no_record(
        client: TestClient) -> None:
    cleared = client.put("/students/S-404/key-concerns", json={"key_concerns": []},
                         headers=by(PSYCH))
    assert cleared.json() == {"key_concerns": []}
    assert client.get("/students/S-404", headers=READ_AS).status_code == 404


GRADE_LEADER = {"role": "grade_leader", "id": "gl-1"}
PRINCIPAL = {"role": "principal", "id": "pr-1"}


def chain_of(client: TestClient) -> str:
    received = report(client)
    return f"/cases/{received['case_id']}/reports/{received['report_id']}"


def test_the_report_climbs_with_each_level_acting_in_its_turn(client: TestClient) -> None:
    path = chain_of(client)
    steps = [("forwards", {"to_level": "grade"}, TEACHER),
             ("acknowledgements", {"level": "grade"}, GRADE_LEADER),
             ("forwards", {"to_level": "school"}, GRADE_LEADER),
             ("acknowledgements", {"level": "school"}, PRINCIPAL)]
    for kind, body, who in steps:
        assert client.post(f"{path}/{kind}", json=body, headers=by(who)).status_code == 201


def test_a_class_teacher_may_not_forward_a_report_from_the_grade_level(
        client: TestClient) -> None:
    path = chain_of(client)
    client.post(f"{path}/forwards", json={"to_level": "grade"}, headers=by(TEACHER))
    refused = client.post(f"{path}/forwards", json={"to_level": "school"}, headers=by(TEACHER))
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("a class_teacher may not forward a report from the "
                                        "grade level")


@pytest.mark.parametrize("actor", [{"role": "guardian", "id": "g-1"}, {"role": "peer", "id": "x"}])
def test_someone_outside_the_staff_may_not_forward_a_report(
        client: TestClient, actor: dict[str, str]) -> None:
    path = chain_of(client)
    assert client.post(f"{path}/forwards", json={"to_level": "grade"},
                       headers=by(actor)).status_code == 403


@pytest.mark.parametrize(("level", "actor"), [
    ("grade", TEACHER), ("grade", PRINCIPAL), ("class", GRADE_LEADER),
    ("class", {"role": "subject_teacher", "id": "st-1"})])
def test_only_the_levels_own_people_acknowledge_a_report_there(
        client: TestClient, level: str, actor: dict[str, str]) -> None:
    path = chain_of(client)
    if level == "grade":
        client.post(f"{path}/forwards", json={"to_level": "grade"}, headers=by(TEACHER))
    refused = client.post(f"{path}/acknowledgements", json={"level": level}, headers=by(actor))
    assert refused.status_code == 403

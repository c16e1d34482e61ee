"""Intake's list of cases: each reader sees the cases they may read, newest first, and the
read of those shown is logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from casetrail.kernel import EventMeta
from contracts.codes import Channel, ClosureReason, ReopenReason, Role
from contracts.events import referral
from services.intake.application import IntakeApplication
from services.intake.domain.case import Concern
from tests.application.conftest import deliver, envelope
from tests.application.intake_api import PSYCH, READ_AS, by, served_app
from tests.application.reads import position, reads_after
from tests.identity import OTHER_SCHOOL, bearer

HEAD = EventMeta.by("crisis_team_head", "head-1")


@pytest.fixture
def intake(env: dict[str, str]) -> Iterator[tuple[TestClient, IntakeApplication]]:
    with served_app(env) as served:
        yield served


def listed(client: TestClient, headers: dict[str, str] = READ_AS,
           **params: Any) -> list[dict[str, Any]]:
    response = client.get("/cases", headers=headers, params=params)
    assert response.status_code == 200, response.text
    cases: list[dict[str, Any]] = response.json()
    return cases


def case_ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["case_id"] for case in cases]


def three_students(app: IntakeApplication) -> list[str]:
    """Three cases, reported in this order, each through its own channel."""
    return [str(app.report_concern(
        student_ref=f"S-{n}", student_name=f"学生{n}",
        concern=Concern(uuid4(), channel, [], imminent=False, description="..."),
        meta=EventMeta.by("crisis_team", "t-1")).case_id)
        for n, channel in enumerate([Channel.STAFF_OBSERVATION, Channel.PEER,
                                     Channel.GUARDIAN], start=1)]


def closed(app: IntakeApplication, case_id: str) -> UUID:
    message = envelope("referral", UUID(case_id),
                       referral.CaseClosed(reason=ClosureReason.RESOLVED))
    assert deliver(app, app.on_case_closed, message)
    return message.event_id


def test_the_crisis_team_sees_the_schools_open_cases_newest_first_with_name_and_channel(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    first, second, third = three_students(app)
    cases = listed(client)
    assert case_ids(cases) == [third, second, first]
    assert cases[2]["student"] == {"name": "学生1"}
    assert [case["channel"] for case in cases] == ["guardian", "peer", "staff_observation"]
    assert {(case["status"], case["reopened"]) for case in cases} == {("open", False)}
    assert cases[0]["detected_at"] >= cases[1]["detected_at"] >= cases[2]["detected_at"]


def test_a_psychology_teacher_sees_only_the_cases_assigned_to_her(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    first, second, _ = three_students(app)
    app.assign(UUID(second), PSYCH["id"], Role.PSYCH_TEACHER, HEAD)
    assert case_ids(listed(client, by(PSYCH))) == [second]
    assert listed(client, bearer("psych_teacher", subject="p-2")) == []
    app.assign(UUID(first), "ct-9", Role.CLASS_TEACHER, HEAD)
    assert case_ids(listed(client, bearer("class_teacher", subject="ct-9"))) == [first]


def test_a_reader_of_another_school_is_refused_and_sees_nothing(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    three_students(app)
    response = client.get("/cases", headers=bearer("crisis_team", subject="t-x",
                                                    school=OTHER_SCHOOL))
    assert response.status_code == 403 and "case_id" not in response.text


def test_a_role_that_may_not_read_cases_may_not_list_them(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    three_students(app)
    response = client.get("/cases", headers=bearer("subject_teacher", subject="st-1"))
    assert response.status_code == 403 and "list the cases" in response.json()["detail"]


def test_closed_and_reopened_cases_are_listed_by_state(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    first, second, third = three_students(app)
    closed(app, first)
    closing = closed(app, second)
    assert deliver(app, app.on_case_reopened, envelope("referral", UUID(second),
                   referral.CaseReopened(reason=ReopenReason.RELAPSE,
                                         closed_event_id=closing)))
    assert case_ids(listed(client)) == [third, second]
    assert case_ids(listed(client, state="closed")) == [first]
    everything = listed(client, state="all")
    assert case_ids(everything) == [third, second, first]
    assert [(case["status"], case["reopened"]) for case in everything] == [
        ("open", False), ("open", True), ("closed", False)]


def test_the_limit_keeps_the_newest_cases_the_reader_may_read(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    first, second, _ = three_students(app)
    app.assign(UUID(first), PSYCH["id"], Role.PSYCH_TEACHER, HEAD)
    app.assign(UUID(second), PSYCH["id"], Role.PSYCH_TEACHER, HEAD)
    assert case_ids(listed(client, limit=2)) == case_ids(listed(client))[:2]
    assert case_ids(listed(client, by(PSYCH), limit=1)) == [second]


def test_the_read_is_logged_with_the_cases_shown_who_read_them_and_why(
        intake: tuple[TestClient, IntakeApplication]) -> None:
    client, app = intake
    first, second, third = three_students(app)
    app.assign(UUID(first), PSYCH["id"], Role.PSYCH_TEACHER, HEAD)
    before = position(app)
    listed(client, by(PSYCH), purpose="safety_review")
    [logged] = reads_after(app, before)
    assert (logged.what, logged.subject, logged.role, logged.purpose, logged.case_ids) == (
        "case_list", PSYCH["id"], "psych_teacher", "safety_review", (UUID(first),))
    before = position(app)
    listed(client, limit=2)
    [logged] = reads_after(app, before)
    assert logged.case_ids == (UUID(third), UUID(second))


@pytest.mark.parametrize(("param", "value"), [
    ("state", "pending"), ("limit", "0"), ("limit", "501"), ("limit", "many")])
def test_a_bad_state_or_limit_is_refused_naming_the_field_and_not_echoing_it(
        intake: tuple[TestClient, IntakeApplication], param: str, value: str) -> None:
    client, _ = intake
    response = client.get("/cases", headers=READ_AS, params={param: value})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", param]]
    assert "input" not in response.json()["detail"][0]

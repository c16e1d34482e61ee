"""District officers get the school's figures and nothing else: counts without ids or names,
small ones suppressed, and a 403 on every read of a case or a student."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from tests.application.intake_api import report, served
from tests.identity import bearer

DISTRICT = bearer("district_officer", subject="d-1", school=None)
SERVICES = Path(__file__).parents[2] / "services"


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env) as client:
        yield client


def test_the_district_sees_how_many_cases_by_channel_with_small_counts_suppressed(
        client: TestClient) -> None:
    made = [report(client, student={"school_student_id": f"S-{n}", "name": "张三"})
            for n in range(6)]
    guardian = client.post("/reports", json={"student": {"school_student_id": "S-9"},
                                             "channel": "guardian"},
                           headers=bearer("guardian", subject="g-1"))
    assert guardian.status_code == 201
    response = client.get("/figures", headers=DISTRICT)
    assert response.status_code == 200
    figures = response.json()
    assert figures["cases"] == 7
    assert figures["by_channel"] == {"guardian": "<5", "staff_observation": "withheld"}
    assert figures["by_state"] == {"open": 7}
    assert sum(figures["by_month"].values()) == 7
    shown = str(figures)
    assert "张三" not in shown and "S-1" not in shown
    assert not any(m["case_id"] in shown or m["report_id"] in shown for m in made)


@pytest.mark.parametrize("role", ["principal", "crisis_team_head", "auditor"])
def test_the_schools_leaders_and_the_auditor_read_the_figures_too(
        client: TestClient, role: str) -> None:
    assert client.get("/figures", headers=bearer(role)).json()["cases"] == 0


@pytest.mark.parametrize("role", ["crisis_team", "class_teacher", "psych_teacher", "guardian"])
def test_no_one_else_reads_the_figures(client: TestClient, role: str) -> None:
    assert client.get("/figures", headers=bearer(role)).status_code == 403


def test_a_district_officer_reads_no_case_no_student_no_transfer_no_report(
        client: TestClient) -> None:
    made = report(client)
    for path in (f"/cases/{made['case_id']}", "/students/S-1", f"/transfers/{uuid4()}",
                 f"/reports/{made['report_id']}"):
        assert client.get(path, headers=DISTRICT).status_code == 403, path


def test_in_no_service_may_a_district_officer_do_anything_but_read_the_figures() -> None:
    allowed = {(toml.parent.name, action)
               for toml in sorted(SERVICES.glob("*/access.toml"))
               for action, entry in tomllib.loads(toml.read_text()).items()
               if "district_officer" in entry.get("roles", {})}
    assert allowed == {("intake", "read_figures"), ("supervision", "read_figures")}

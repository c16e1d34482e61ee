"""District officers and auditors read the supervisors' figures from supervision, as JSON,
CSV or XLSX, and nothing in them names a case or a student; no one else reads them."""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from contracts.case_state import PartAnswer
from contracts.envelope import Envelope
from services.supervision.adapters.case_stream import CasesReplica
from services.supervision.bootstrap import build, supervisor_figures
from services.supervision.config import SupervisionSettings
from tests.identity import SCHOOL, bearer
from tests.supervision_trails import STUDENT, full_case

DISTRICT = bearer("district_officer", subject="d-1", school=None)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
SERVICES = Path(__file__).parents[2] / "services"


class NoServiceAsked:
    """The figures ask no service for its part of a case."""

    async def part(self, service: str, case_id: UUID, as_of: datetime, credentials: str,
                   purpose: str) -> PartAnswer:
        raise AssertionError("the figures asked a service for a case")


@pytest.fixture
def trails() -> list[list[Envelope]]:
    return [full_case() for _ in range(6)]


@pytest.fixture
def client(tmp_path: Path, trails: list[list[Envelope]]) -> Iterator[TestClient]:
    settings = SupervisionSettings.model_validate(
        {"store_url": f"sqlite:///{tmp_path / 'supervision.db'}", "data_dir": tmp_path})
    replica = CasesReplica()
    figures = supervisor_figures(settings, replica)
    replica.followers.append(lambda envelope, _: figures.take(envelope, SCHOOL))
    for trail in trails:
        for envelope in trail:
            replica.take(envelope.to_bytes())
    replica.caught_up = True
    # No lifespan: the API without its CASES follower, which these requests do not need.
    api = build(settings, replica, NoServiceAsked(), figures=figures)
    yield TestClient(api)
    api.state.runtime.thread.shutdown()


def test_a_district_officer_gets_the_figures_of_the_schools_district(
        client: TestClient) -> None:
    response = client.get("/figures", params={**MARCH, "by": "district"}, headers=DISTRICT)
    assert response.status_code == 200, response.text
    (district,) = response.json()["groups"]
    assert district["district"] == "district-1"  # as services/supervision/districts.toml
    assert district["cases"] == 6
    assert district["referrals"]["succeeded_share"] == 1.0


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_no_case_id_and_no_student_appear_anywhere_in_the_answer(
        client: TestClient, trails: list[list[Envelope]], fmt: str) -> None:
    response = client.get("/figures", params={**MARCH, "format": fmt}, headers=DISTRICT)
    assert response.status_code == 200, response.text
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        text = repr(list(sheet.iter_rows(values_only=True)))
    else:
        text = response.content.decode("utf-8-sig")
    assert SCHOOL in text
    ids = {str(value) for trail in trails for envelope in trail
           for value in (envelope.case_id, envelope.event_id, *envelope.data.values())}
    assert not any(value in text for value in ids if len(value) >= 32)
    assert STUDENT not in text


def test_a_sheet_comes_as_a_download_with_chinese_and_english_headers(
        client: TestClient) -> None:
    response = client.get("/figures", params={**MARCH, "format": "csv"}, headers=DISTRICT)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert "指标 / measure" in header and "学校或学区 / school or district" in header


def test_the_auditor_reads_the_figures_too(client: TestClient) -> None:
    response = client.get("/figures", params=MARCH, headers=bearer("auditor", school=None))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["class_teacher", "principal", "crisis_team_head"])
def test_no_one_else_reads_the_figures(client: TestClient, role: str) -> None:
    assert client.get("/figures", params=MARCH, headers=bearer(role)).status_code == 403


def test_a_range_that_ends_before_it_starts_is_refused_naming_the_field(
        client: TestClient) -> None:
    response = client.get("/figures", params={"from": "2026-03-31", "to": "2026-03-01"},
                          headers=DISTRICT)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "from"]


def test_a_district_officer_may_read_only_the_figures_in_supervision() -> None:
    access = tomllib.loads((SERVICES / "supervision" / "access.toml").read_text())
    assert [action for action, entry in access.items()
            if "district_officer" in entry.get("roles", {})] == ["read_figures"]

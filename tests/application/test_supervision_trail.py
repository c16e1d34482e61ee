"""The auditor's replay of a case (supervision GET /cases/{id}/trail?as_of=): the state from
CASES at the moment, the events up to it, each service's own part beside it, asked with the
auditor's own token so that each service logs the read, and the fields where they differ;
supervision logs the read too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from casetrail.store import ServiceApplication
from contracts.codes import Tier
from tests.application.all_services import all_served
from tests.application.pipeline import AUDITOR, Pipeline
from tests.application.reads import position, reads_after
from tests.identity import bearer
from tests.supervision_world import Disagreeing, InProcessStates, ListedTrail, supervision


@pytest.fixture
def pipeline(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[Pipeline]:
    with all_served(store_url, tmp_path) as running:
        yield Pipeline(running)


@pytest.fixture
def audited(pipeline: Pipeline, store_url: tuple[str, str | None],
            tmp_path: Path) -> Iterator[tuple[TestClient, ServiceApplication]]:
    with supervision(store_url, tmp_path, ListedTrail(pipeline.trail),
                     InProcessStates(pipeline.services)) as running:
        yield running


def test_the_trail_at_a_moment_shows_the_state_the_events_and_every_store_agreeing(
        pipeline: Pipeline, audited: tuple[TestClient, ServiceApplication]) -> None:
    case_id = pipeline.reported()
    detected = pipeline.now
    pipeline.decided(case_id, Tier.SERIOUS)
    pipeline.acknowledged(case_id)
    http, _ = audited
    view = http.get(f"/cases/{case_id}/trail", headers=AUDITOR,
                    params={"as_of": pipeline.now.isoformat(), "purpose": "audit"}).json()
    assert view["differences"] == []
    assert {answer["status"] for answer in view["stores"].values()} == {"answered"}
    assert view["state"]["assessment"]["tier"] == "serious"
    assert view["state"]["told"][0]["acknowledged_by"]["role"] == "crisis_team"
    assert all(e["recorded_at"] <= view["as_of"] for e in view["events"])

    earlier = http.get(f"/cases/{case_id}/trail", headers=AUDITOR,
                       params={"as_of": detected.isoformat()}).json()
    assert earlier["state"]["stage"] == "detected" and earlier["differences"] == []
    assert len(earlier["events"]) < len(view["events"])


def test_every_service_and_supervision_log_the_auditors_read_of_the_trail(
        pipeline: Pipeline, audited: tuple[TestClient, ServiceApplication]) -> None:
    case_id = pipeline.reported()
    pipeline.decided(case_id, Tier.SERIOUS)
    http, store = audited
    before = {name: position(s.app) for name, s in pipeline.services.items()}
    own = position(store)
    answer = http.get(f"/cases/{case_id}/trail", headers=AUDITOR,
                      params={"purpose": "inspection"})
    assert answer.status_code == 200, answer.text
    for name, service in pipeline.services.items():
        [read] = reads_after(service.app, before[name])
        assert (read.what, read.subject, read.role, read.purpose) == (
            "case_state", "a-1", "auditor", "inspection"), name
    [logged] = reads_after(store, own)
    assert (logged.what, logged.subject, logged.purpose, logged.case_ids) == (
        "case_trail", "a-1", "inspection", (case_id,))


def test_a_store_that_disagrees_with_cases_is_named_with_the_field_and_both_values(
        pipeline: Pipeline, store_url: tuple[str, str | None], tmp_path: Path) -> None:
    case_id = pipeline.reported()
    pipeline.decided(case_id, Tier.SERIOUS)
    states = Disagreeing(InProcessStates(pipeline.services), "assessment", "tier", "general")
    with supervision(store_url, tmp_path, ListedTrail(pipeline.trail), states) as (http, _):
        view = http.get(f"/cases/{case_id}/trail", headers=AUDITOR).json()
    assert view["differences"] == [{"service": "assessment", "field": "tier",
                                    "cases_says": "serious", "store_says": "general"}]


def test_a_case_cases_does_not_hold_is_not_found_and_a_replay_still_reading_asks_to_retry(
        pipeline: Pipeline, store_url: tuple[str, str | None], tmp_path: Path,
        audited: tuple[TestClient, ServiceApplication]) -> None:
    http, _ = audited
    assert http.get(f"/cases/{uuid4()}/trail", headers=AUDITOR).status_code == 404
    with supervision(store_url, tmp_path / "early", ListedTrail([], caught_up=False),
                     InProcessStates(pipeline.services)) as (early, _):
        waiting = early.get(f"/cases/{uuid4()}/trail", headers=AUDITOR)
    assert waiting.status_code == 503 and waiting.headers["retry-after"] == "1"


def test_only_the_auditor_replays_a_case(
        pipeline: Pipeline, audited: tuple[TestClient, ServiceApplication]) -> None:
    case_id = pipeline.reported()
    http, _ = audited
    for role in ("crisis_team_head", "principal", "district_officer"):
        refused = http.get(f"/cases/{case_id}/trail", headers=bearer(role))
        assert refused.status_code == 403, role

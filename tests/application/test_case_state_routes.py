"""Each service answers the auditor its own part of a case as its store had it at a time
(GET /cases/{id}/state?as_of=), the read logged; a case driven through the four services
reads the same from their stores as from the envelopes they published, at every moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from contracts.case_state import PartAnswer
from contracts.codes import Tier
from services.supervision.domain.case_state import case_state, up_to
from services.supervision.domain.comparison import differences
from tests.application.all_services import Running, all_served
from tests.application.pipeline import AUDITOR, Pipeline
from tests.application.reads import position, reads_after
from tests.identity import bearer


@pytest.fixture
def pipeline(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[Pipeline]:
    with all_served(store_url, tmp_path) as running:
        yield Pipeline(running)


def state(service: Running, case_id: UUID, as_of: datetime) -> Any:
    answer = service.http.get(f"/cases/{case_id}/state", headers=AUDITOR,
                              params={"as_of": as_of.isoformat(), "purpose": "audit"})
    assert answer.status_code in (200, 404), answer.text
    return answer.json() if answer.status_code == 200 else None


def stores_at(pipeline: Pipeline, case_id: UUID, as_of: datetime) -> dict[str, PartAnswer]:
    answers = {}
    for name, service in pipeline.services.items():
        part = state(service, case_id, as_of)
        answers[name] = (PartAnswer(status="answered", part=part) if part is not None
                         else PartAnswer(status="no_record"))
    return answers


def test_the_stores_and_their_published_events_agree_at_every_moment_of_a_case(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    moments = [pipeline.now]
    pipeline.decided(case_id, Tier.SERIOUS)
    moments.append(pipeline.now)
    pipeline.acknowledged(case_id)
    moments.append(pipeline.now)
    pipeline.referred_and_accepted(case_id)
    moments.append(pipeline.now)
    for moment in moments:
        events = up_to(pipeline.trail, moment)
        replayed = case_state(case_id, [e for e in events if e.case_id == case_id], moment,
                              today=moment.date())
        assert differences(replayed, stores_at(pipeline, case_id, moment)) == [], moment
    final = case_state(case_id, pipeline.trail, pipeline.now, today=pipeline.now.date())
    assert final.stage == "referred" and final.assessment.tier is Tier.SERIOUS
    assert final.notification.notices[0].acknowledged
    assert final.referral.referrals[0].status == "accepted"


def test_a_services_part_as_of_a_moment_leaves_out_what_it_stored_after(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    before = pipeline.now
    pipeline.decided(case_id, Tier.SERIOUS)
    assessment = pipeline.services["assessment"]
    assert state(assessment, case_id, before)["tier"] is None
    decided = state(assessment, case_id, pipeline.now)
    assert decided["tier"] == "serious"
    assert decided["decided"]["by"] == {"role": "crisis_team", "id": "t-1"}


def test_a_case_a_store_had_not_yet_recorded_at_the_moment_is_not_found_there(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    intake = pipeline.services["intake"]
    assert state(intake, case_id, pipeline.trail[0].recorded_at - timedelta(seconds=1)) is None
    assert state(intake, case_id, pipeline.now)["source"] == "staff_observation"


def test_every_read_of_a_services_part_is_logged_with_the_auditor_and_purpose(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    pipeline.decided(case_id, Tier.SERIOUS)  # notification's record opens with its notice
    for service in pipeline.services.values():
        before = position(service.app)
        assert state(service, case_id, datetime.now(UTC)) is not None
        [read] = reads_after(service.app, before)
        assert (read.record, read.what, read.subject, read.role, read.purpose) == (
            case_id, "case_state", "a-1", "auditor", "audit")


def test_only_the_auditor_may_read_a_services_part_as_of_a_moment(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    refused = pipeline.services["intake"].http.get(
        f"/cases/{case_id}/state", headers=bearer("crisis_team_head", subject="head-1"))
    assert refused.status_code == 403 and "who may" in refused.json()["detail"]

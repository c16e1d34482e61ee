"""An event the bus contract refuses is never stored: the command is refused (422 naming the
event type and the rule, never the value) with nothing saved, instead of a wedged outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEventProtocol

from casetrail.kernel import ContractProblem, EventMeta, EventNotPublishable
from contracts.codes import Tier
from services.referral.application import ReferralApplication
from services.referral.domain.visits import CaseVisits
from tests.application.all_services import Running, all_served
from tests.application.test_referral import decide
from tests.identity import bearer

TEAM = EventMeta.by("crisis_team", "lead")


@pytest.fixture
def referral(store_url: tuple[str, str | None],
                   tmp_path: Path) -> Iterator[Running]:
    with all_served(store_url, tmp_path) as running:
        yield running["referral"]


def stored(app: ReferralApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_home_visit_the_bus_contract_refuses_is_not_stored(
        referral: Running) -> None:
    app = referral.app
    assert isinstance(app, ReferralApplication)
    case_id = decide(app, Tier.SERIOUS)
    before = stored(app)
    with pytest.raises(EventNotPublishable) as refused:
        app.record_home_visit(case_id, date(1, 1, 1), None, TEAM)  # semester "0-1"
    assert refused.value.event_type == "HomeVisitRecorded"
    assert [p.field for p in refused.value.problems] == ["data.semester"]
    assert "0-1" not in str(refused.value)
    assert stored(app) == before
    assert app.get_case(case_id, CaseVisits).home_visits == []


def refuse_home_visits(event: DomainEventProtocol[UUID]) -> Any:
    """A contract stricter than today's, as a later version might be."""
    if isinstance(event, CaseVisits.HomeVisitRecorded):
        raise EventNotPublishable("HomeVisitRecorded", (
            ContractProblem("data.made_on", "must be a school day"),))


def test_a_command_whose_event_the_bus_would_refuse_is_a_422_naming_it_with_nothing_saved(
        referral: Running) -> None:
    app = referral.app
    assert isinstance(app, ReferralApplication)
    case_id = decide(app, Tier.SERIOUS)
    app.checks.append(refuse_home_visits)
    before = stored(app)
    refused = referral.http.post(f"/cases/{case_id}/home-visits", json={
        "made_on": date.today().isoformat(), "notes": "家访记录"},
        headers=bearer("crisis_team"))
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["event", "HomeVisitRecorded", "data", "made_on"]
    assert "must be a school day" in problem["msg"]
    assert "家访记录" not in refused.text
    assert stored(app) == before


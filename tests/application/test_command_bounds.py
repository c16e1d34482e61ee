"""Every command's input is bounded as a school would bound it: dates in a sensible window,
lists and strings of sensible length. Out of bounds is a 422 naming the field, whatever the
case (bodies are read before the case is looked up), and never echoing the value."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from tests.application.all_services import Running, all_served
from tests.identity import bearer

TEAM = bearer("crisis_team", subject="t-1")
CASE = uuid4()
TODAY = datetime.now(UTC).date()
LONG_AGO = "0001-01-01"
FAR_AHEAD = (TODAY + timedelta(days=800)).isoformat()
TWO_YEARS_AGO = (TODAY - timedelta(days=800)).isoformat()
CONSENT = {"given_by_guardian_rank": 1, "given_at": datetime.now(UTC).isoformat(),
           "scope": ["risk_tier"], "receiver_type": "hospital_green_channel"}
RETURN_PLAN = {"study_support": ["reduced_timetable"], "review_on": TODAY.isoformat(),
               "responsible": [{"role": "class_teacher", "id": "ct-1"}]}
PLAN = {"measures": ["safety_plan"], "agreed": True, "guardian_rank": 1}

OUT_OF_BOUNDS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("referral", f"/cases/{CASE}/home-visits", {"made_on": LONG_AGO},
     ["body", "made_on"]),
    ("referral", f"/cases/{CASE}/home-visits", {"made_on": TWO_YEARS_AGO},
     ["body", "made_on"]),
    ("referral", f"/cases/{CASE}/return-plan", {**RETURN_PLAN, "review_on": FAR_AHEAD},
     ["body", "review_on"]),
    ("referral", f"/cases/{CASE}/return-plan", {**RETURN_PLAN, "review_on": LONG_AGO},
     ["body", "review_on"]),
    ("referral", f"/cases/{CASE}/return-plan",
     {**RETURN_PLAN, "study_support": ["reduced_timetable"] * 50}, ["body", "study_support"]),
    ("referral", f"/cases/{CASE}/return-plan",
     {**RETURN_PLAN, "responsible": [{"role": "class_teacher", "id": "ct-1"}] * 50},
     ["body", "responsible"]),
    ("referral", f"/cases/{CASE}/consents", {**CONSENT, "scope": ["risk_tier"] * 50},
     ["body", "scope"]),
    ("referral", f"/cases/{CASE}/consents",
     {**CONSENT, "receiver_type": None, "receivers": ["h"] * 50}, ["body", "receivers"]),
    ("referral", f"/cases/{CASE}/consents", {**CONSENT, "given_at": FAR_AHEAD + "T00:00:00Z"},
     ["body", "given_at"]),
    ("referral", f"/cases/{CASE}/referrals",
     {"receiver_id": "hospital-a", "packet": {"patient": {"birth_date": LONG_AGO}}},
     ["body", "packet", "patient", "birth_date"]),
    ("referral", f"/cases/{CASE}/referrals",
     {"receiver_id": "hospital-a", "packet": {"patient": {"birth_date": FAR_AHEAD}}},
     ["body", "packet", "patient", "birth_date"]),
    ("notification", f"/cases/{CASE}/intervention-plan", {**PLAN, "review_on": LONG_AGO},
     ["body", "review_on"]),
    ("notification", f"/cases/{CASE}/intervention-plan", {**PLAN, "review_on": FAR_AHEAD},
     ["body", "review_on"]),
    ("notification", f"/cases/{CASE}/intervention-plan",
     {**PLAN, "measures": ["safety_plan"] * 50}, ["body", "measures"]),
    ("intake", "/screenings",
     {"instrument": "asq", "held_on": LONG_AGO}, ["body", "held_on"]),
    ("intake", "/screenings",
     {"instrument": "asq", "held_on": FAR_AHEAD}, ["body", "held_on"]),
    ("assessment", f"/cases/{CASE}/instruments",
     {"instrument": "asq", "answers": {"q" * 1000: "yes"}},
     ["body", "answers"]),
    ("assessment", f"/cases/{CASE}/instruments",
     {"instrument": "asq", "answers": {"q1": "y" * 1000}},
     ["body", "answers", "q1"]),
]


@pytest.fixture
def services(store_url: tuple[str, str | None],
                   tmp_path: Path) -> Iterator[dict[str, Running]]:
    with all_served(store_url, tmp_path) as running:
        yield running


@pytest.mark.parametrize(("service", "path", "body", "field"), OUT_OF_BOUNDS,
                         ids=[f"{s}:{'.'.join(f[1:])}" for s, _, _, f in OUT_OF_BOUNDS])
def test_an_input_out_of_a_schools_bounds_is_refused_naming_the_field(
        services: dict[str, Running], service: str, path: str, body: dict[str, Any],
        field: list[str]) -> None:
    refused = services[service].http.post(path, json=body, headers=TEAM)
    assert refused.status_code == 422, refused.text
    locs = [error["loc"][:len(field)] for error in refused.json()["detail"]]
    assert field in locs, refused.text

"""Assessment's HTTP API in process (no bus): bodies, 422 naming the field, 409 for rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contracts.codes import KeyConcern, Sign
from services.assessment.application import AssessmentApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.config import AssessmentSettings
from services.assessment.entrypoints.http import build_api
from tests.application.conftest import assigned, deliver, detected, envelope, served
from tests.identity import bearer

LEAD = {"role": "crisis_team", "id": "lead"}
PSYCH = {"role": "psych_teacher", "id": "p1"}


@pytest.fixture
def app(env: dict[str, str]) -> AssessmentApplication:
    return build_assessment(env)


@pytest.fixture
async def http(app: AssessmentApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(AssessmentSettings(), app, build_api) as client:
        yield client


def reported(app: AssessmentApplication, *signs: Sign,
             key_concerns: list[KeyConcern] | None = None) -> UUID:
    """A case intake detected, with the psychology teacher p1 assigned to it."""
    case_id = uuid4()
    deliver(app, app.on_case_detected,
            envelope("intake", case_id, detected(*signs, key_concerns=key_concerns)))
    assigned(app, case_id, PSYCH["id"])
    return case_id


async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any],
               by: dict[str, str] = LEAD) -> httpx.Response:
    return await http.post(path, json=body, headers=bearer(by["role"], subject=by["id"]))


async def test_an_instrument_is_scored_and_the_case_shows_it_with_the_new_proposal(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.GRADE_SWING, key_concerns=[KeyConcern.LEFT_BEHIND])
    answers = {"q1": "no", "q2": "yes", "q3": "no", "q4": "no", "q5": "no"}
    response = await post(http, f"/cases/{case_id}/instruments", {
        "instrument": "asq", "answers": answers, "language": "zh"}, by=PSYCH)
    assert response.status_code == 201
    assert response.json()["result"]["band"] == "non_acute_positive"

    case = (await http.get(f"/cases/{case_id}",
                           headers=bearer("psych_teacher", subject="p1"))).json()
    assert case["proposal"] == {"tier": "crisis", "reasons": [
        "instrument:asq:non_acute_positive", "key_concern:left_behind"]}
    assert case["key_concerns"] == ["left_behind"]
    [given] = case["instruments"]
    assert (given["instrument"], given["band"], given["language"]) == (
        "asq", "non_acute_positive", "zh")
    assert "answers" not in given  # the raw answers stay in the store, not in the view


async def test_answers_that_cannot_be_scored_are_refused_naming_the_item(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.GRADE_SWING)
    response = await post(http, f"/cases/{case_id}/instruments", {
        "instrument": "phq_a", "answers": {"q1": 2}}, by=PSYCH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "answers", "q2"]
    response = await post(http, f"/cases/{case_id}/instruments", {
        "instrument": "bdi", "answers": {}}, by=PSYCH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "instrument"]


async def test_a_decision_in_the_old_body_counts_its_participants_as_internal(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    response = await post(http, f"/cases/{case_id}/decision", {
        "tier": "serious", "rationale": "self-harm, guardians informed",
        "participants": [LEAD, PSYCH]})
    assert response.status_code == 201
    decision = response.json()["decision"]
    assert [p["affiliation"] for p in decision["participants"]] == ["internal", "internal"]
    assert decision["previous_tier"] is None


async def test_overriding_the_proposal_is_refused_unless_explicit(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    body = {"tier": "general", "rationale": "a scratch, not self-harm",
            "participants": [LEAD, {"role": "external_professional", "id": "dr-1",
                                    "affiliation": "external",
                                    "organisation": "district-centre"}]}
    refused = await post(http, f"/cases/{case_id}/decision", body)
    assert refused.status_code == 409
    assert "overrides_proposal" in refused.json()["detail"]
    accepted = await post(http, f"/cases/{case_id}/decision",
                          body | {"overrides_proposal": True})
    assert accepted.status_code == 201
    assert accepted.json()["decision"]["overrides_proposal"] is True


async def test_an_external_participant_without_their_organisation_is_refused(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    response = await post(http, f"/cases/{case_id}/decision", {
        "tier": "serious", "rationale": "agreed",
        "participants": [{"role": "external_professional", "id": "dr-1",
                          "affiliation": "external"}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "participants", 0]


async def test_an_instruments_form_is_served_in_the_language_asked(
        http: httpx.AsyncClient) -> None:
    psych = bearer("psych_teacher")
    form = (await http.get("/instruments/cssrs_screener", params={"language": "en"},
                           headers=psych)).json()
    assert form["language"] == "en"
    assert [item["key"] for item in form["items"]][-2:] == ["q6", "q6_recency"]
    q3 = form["items"][2]
    assert (q3["required"], q3["asked_after_yes_to"]) == (False, "q2")
    zh = (await http.get("/instruments/asq", headers=psych)).json()
    assert zh["language"] == "zh"
    assert zh["items"][0]["text"].endswith("？")


async def test_a_rationale_of_only_blanks_is_refused_naming_the_rationale(
        app: AssessmentApplication, http: httpx.AsyncClient) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    response = await post(http, f"/cases/{case_id}/decision", {
        "tier": "serious", "rationale": " \n\t ", "participants": [LEAD]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "rationale"]


@pytest.mark.parametrize("role", ["crisis_team", "principal", "psych_teacher"])
async def test_the_crisis_team_the_principal_and_the_psychology_teacher_may_decide(
        app: AssessmentApplication, http: httpx.AsyncClient, role: str) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    response = await post(http, f"/cases/{case_id}/decision", {
        "tier": "serious", "rationale": "agreed",
        "participants": [LEAD]}, by={"role": role, "id": PSYCH["id"]})
    assert response.status_code == 201


@pytest.mark.parametrize("role", ["class_teacher", "guardian", "external_professional",
                                  "auditor"])
async def test_no_one_else_may_decide_a_cases_tier(
        app: AssessmentApplication, http: httpx.AsyncClient, role: str) -> None:
    case_id = reported(app, Sign.SELF_HARM)
    response = await post(http, f"/cases/{case_id}/decision", {
        "tier": "serious", "rationale": "agreed",
        "participants": [LEAD]}, by={"role": role, "id": "x1"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"a {role} may not decide a case's tier")
    assert "who may: crisis_team" in response.json()["detail"]


ASQ_NO = {"q1": "no", "q2": "no", "q3": "no", "q4": "no"}


@pytest.mark.parametrize(("role", "status"), [
    ("psych_teacher", 201), ("crisis_team", 201), ("external_professional", 201),
    ("class_teacher", 403), ("principal", 403), ("guardian", 403)])
async def test_only_psychology_teachers_the_crisis_team_and_outside_clinicians_give_instruments(
        app: AssessmentApplication, http: httpx.AsyncClient, role: str, status: int) -> None:
    case_id = reported(app, Sign.GRADE_SWING)
    response = await post(http, f"/cases/{case_id}/instruments", {
        "instrument": "asq", "answers": ASQ_NO}, by={"role": role, "id": PSYCH["id"]})
    assert response.status_code == status

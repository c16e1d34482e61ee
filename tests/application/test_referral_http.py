"""Referral's HTTP API in process (no bus): who may do what (403 saying who may), who reads
packets, and bad dates refused naming the field (422)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from contracts.codes import (
    Channel,
    ClosureReason,
    FollowUpOutcome,
    ReferralResponse,
    Role,
    Sign,
    Tier,
)
from contracts.events import intake
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.domain.aftercare import Aftercare
from services.referral.entrypoints.http import build_api
from tests.application.conftest import assigned, deliver, envelope, served
from tests.application.test_referral import (
    LIAISON,
    PATIENT,
    TEAM,
    consented,
    decide,
    directory,
    refer,
    school_today,
)
from tests.identity import bearer


def actor(role: str) -> dict[str, str]:
    return {"role": role, "id": f"{role}-1"}


def as_(role: str) -> dict[str, str]:
    """The Authorization header of `actor(role)`."""
    return bearer(role, subject=f"{role}-1",
                  receiver="district-centre" if role == "receiver_liaison" else None)


def decided(app: ReferralApplication, tier: Tier) -> UUID:
    """A case assessment decided, with its psychology and class teachers assigned."""
    case_id = decide(app, tier)
    for role in (Role.PSYCH_TEACHER, Role.CLASS_TEACHER):
        assigned(app, case_id, actor(role.value)["id"], role)
    return case_id


@pytest.fixture
def app(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
async def http(app: ReferralApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(ReferralSettings(), app, build_api) as client:
        yield client


def discharged(app: ReferralApplication) -> UUID:
    case_id = decided(app, Tier.SERIOUS)
    referral_id = refer(app, case_id, "district-centre")
    for answer in (ReferralResponse.ACCEPTED, ReferralResponse.DISCHARGED):
        app.record_answer(case_id, referral_id, answer, LIAISON)
    return case_id


async def test_the_packet_and_the_task_are_declared_as_the_fhir_json_they_answer_with(
        http: httpx.AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    for path, method, refusals in (
            ("/cases/{case_id}/referrals/{referral_id}/packet", "get", "application/json"),
            # The facade's refusals are OperationOutcomes; the packet's JSON like the API's.
            ("/fhir/Task/{referral_id}", "put", "application/fhir+json")):
        responses = paths[path][method]["responses"]
        assert list(responses["200"]["content"]) == ["application/fhir+json"]
        assert list(responses["404"]["content"]) == [refusals]


ON_RECORD = {"consent_id": "the guardians' consent, recorded"}


@pytest.mark.parametrize(("role", "body", "allowed"), [
    ("class_teacher", ON_RECORD, False),
    ("grade_leader", ON_RECORD, False),
    ("psych_teacher", ON_RECORD, True),
    ("principal", ON_RECORD, True),
    ("psych_teacher", {"basis": "safety_override", "rationale": "knife in bag"}, False),
    ("crisis_team", {"basis": "safety_override", "rationale": "knife in bag"}, True),
])
async def test_referrals_are_made_by_the_psychology_staff_and_leaders_the_override_by_the_team(
        app: ReferralApplication, http: httpx.AsyncClient, role: str, body: dict[str, Any],
        allowed: bool) -> None:
    case_id = decided(app, Tier.CRISIS)
    if body is ON_RECORD:
        body = {"consent_id": str(consented(app, case_id))}
    made = await http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", **body}, headers=as_(role))
    assert made.status_code == (201 if allowed else 403), made.text
    if not allowed:
        assert made.json()["detail"].startswith(f"a {role} may not ")
        assert "who may: " in made.json()["detail"]


@pytest.mark.parametrize(("role", "allowed"), [
    ("crisis_team", True), ("psych_teacher", True), ("class_teacher", False),
    ("principal", False), ("receiver_liaison", False)])
async def test_an_answer_given_by_phone_is_recorded_by_the_team_or_the_psych_teacher(
        app: ReferralApplication, http: httpx.AsyncClient, role: str, allowed: bool) -> None:
    case_id = decided(app, Tier.SERIOUS)
    referral_id = refer(app, case_id, "district-centre")
    answered = await http.post(f"/cases/{case_id}/referrals/{referral_id}/answers",
                               json={"response": "accepted"}, headers=as_(role))
    assert answered.status_code == (201 if allowed else 403), answered.text


@pytest.mark.parametrize("role", ["psych_teacher", "class_teacher", "grade_leader"])
async def test_closure_and_reopening_are_for_the_crisis_team_or_the_principal(
        app: ReferralApplication, http: httpx.AsyncClient, role: str) -> None:
    case_id = discharged(app)
    app.record_follow_up(case_id, FollowUpOutcome.IMPROVING, TEAM)
    refused = await http.post(f"/cases/{case_id}/closure",
                              json={"reason": "resolved"}, headers=as_(role))
    assert refused.status_code == 403
    assert "the crisis team" in refused.json()["detail"]
    closed = await http.post(f"/cases/{case_id}/closure",
                             json={"reason": "resolved"}, headers=as_("principal"))
    assert closed.status_code == 201, closed.text
    refused = await http.post(f"/cases/{case_id}/reopen",
                              json={"reason": "relapse"}, headers=as_(role))
    assert refused.status_code == 403
    reopened = await http.post(f"/cases/{case_id}/reopen",
                               json={"reason": "relapse"}, headers=as_("crisis_team"))
    assert reopened.status_code == 201


@pytest.mark.parametrize(("role", "allowed"), [
    ("class_teacher", True), ("grade_leader", True), ("psych_teacher", True),
    ("receiver_liaison", False), ("auditor", False)])
async def test_follow_ups_returns_and_home_visits_are_recorded_by_those_who_follow_the_student(
        app: ReferralApplication, http: httpx.AsyncClient, role: str, allowed: bool) -> None:
    case_id = discharged(app)
    today = school_today().isoformat()
    steps: list[tuple[str, dict[str, Any]]] = [
            ("follow-ups", {"outcome": "stable"}),
            ("return-plan", {"study_support": ["reduced_timetable"], "review_on": today,
                             "responsible": [actor("class_teacher")]}),
            ("home-visits", {"made_on": today})]
    for path, body in steps:
        recorded = await http.post(f"/cases/{case_id}/{path}",
                                   json={**body}, headers=as_(role))
        assert recorded.status_code == (201 if allowed else 403), (path, recorded.text)


@pytest.mark.parametrize(("role", "allowed"), [
    ("psych_teacher", True), ("crisis_team", True), ("principal", True), ("auditor", True),
    ("class_teacher", False), ("grade_leader", False)])
async def test_the_packet_is_read_only_by_psychology_staff_leaders_and_auditors(
        app: ReferralApplication, http: httpx.AsyncClient, role: str, allowed: bool) -> None:
    case_id = decided(app, Tier.CRISIS)
    referral_id = refer(app, case_id, packet={"patient": PATIENT})
    packet = await http.get(f"/cases/{case_id}/referrals/{referral_id}/packet",
                            headers=as_(role))
    assert packet.status_code == (200 if allowed else 403)
    record = await http.get(f"/cases/{case_id}", headers=as_(role))
    assert record.status_code == 200
    [shown] = record.json()["referrals"]
    assert shown["disclosed"] == ["student_identity", "risk_tier"]
    assert shown["packet"] == ({"patient": PATIENT} if allowed else None)
    assert (PATIENT["name"] in record.text) is allowed


async def test_a_review_before_the_return_to_school_is_refused_naming_review_on(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = discharged(app)
    back = datetime.now(UTC) - timedelta(days=10)
    for review_on, status in [(back - timedelta(days=2), 422), (back + timedelta(days=5), 201)]:
        planned = await http.post(f"/cases/{case_id}/return-plan", json={
            "study_support": ["reduced_timetable"], "responsible": [actor("class_teacher")],
            "review_on": review_on.date().isoformat(), "at": back.isoformat()},
            headers=as_("crisis_team"))
        assert planned.status_code == status, planned.text
    assert planned.status_code == 201
    refused = await http.post(f"/cases/{case_id}/return-plan", json={
        "study_support": ["reduced_timetable"], "responsible": [actor("class_teacher")],
        "review_on": (school_today() - timedelta(days=1)).isoformat()}, headers=as_("crisis_team"))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "review_on"]


async def test_a_referral_on_the_basis_of_consent_without_a_consent_is_refused_naming_consent(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.SERIOUS)
    refused = await http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "district-centre", "basis": "consent"}, headers=as_("crisis_team"))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "consent_id"]
    assert app.get_case(case_id, Aftercare).referrals == []


async def test_a_home_visit_not_yet_made_is_refused_naming_made_on(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.GENERAL)
    refused = await http.post(f"/cases/{case_id}/home-visits", json={
        "made_on": (school_today() + timedelta(days=1)).isoformat()}, headers=as_("class_teacher"))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "made_on"]


async def test_the_teams_flagged_list_shows_a_report_after_closure_with_its_reason(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.NONE)
    app.close_case(case_id, ClosureReason.NO_FURTHER_ACTION, TEAM)
    attached = intake.ReportAttached(report_id=uuid4(), channel=Channel.STAFF_OBSERVATION,
                                     reporter_role=Role.CLASS_TEACHER, signs=[Sign.SELF_HARM],
                                     imminent=False, key_concerns=[])
    deliver(app, app.on_report_attached, envelope("intake", case_id, attached))
    [entry] = (await http.get("/referrals/flagged", headers=as_("crisis_team"))).json()
    assert (entry["case_id"], entry["closed"], entry["reasons"]) == (
        str(case_id), True, ["concern_after_closure"])
    assert entry["reports_after_closure"] == [str(attached.report_id)]

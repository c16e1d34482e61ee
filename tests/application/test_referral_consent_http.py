"""The guardians' consents over HTTP with tokens: who records and withdraws them, the case
record showing them, a referral under a withdrawn one refused (409 naming the rule), and the
auditor's view of every disclosure made without consent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from contracts.codes import Tier
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api
from tests.application.conftest import published, served
from tests.application.test_referral import PATIENT, directory
from tests.application.test_referral_http import as_, decided
from tests.identity import bearer

GIVEN = {"given_by_guardian_rank": 1, "relationship": "father",
         "given_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
         "scope": ["student_identity", "risk_tier", "signs_observed", "student_pseudonym"],
         "receiver_type": "hospital_green_channel"}


@pytest.fixture
def app(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
async def http(app: ReferralApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(ReferralSettings(), app, build_api, PUBLISHED) as client:
        yield client


async def record(http: httpx.AsyncClient, case_id: UUID, role: str = "crisis_team",
                 **changes: Any) -> httpx.Response:
    return await http.post(f"/cases/{case_id}/consents", json={**GIVEN, **changes},
                           headers=as_(role))


@pytest.mark.parametrize(("role", "allowed"), [
    ("crisis_team", True), ("crisis_team_head", True), ("principal", True),
    ("psych_teacher", True), ("class_teacher", False), ("grade_leader", False),
    ("auditor", False), ("receiver_liaison", False)])
async def test_the_team_its_head_the_principal_or_the_assigned_psych_teacher_record_a_consent(
        app: ReferralApplication, http: httpx.AsyncClient, role: str, allowed: bool) -> None:
    case_id = decided(app, Tier.CRISIS)  # its psychology teacher assigned
    made = await record(http, case_id, role)
    assert made.status_code == (201 if allowed else 403), made.text
    if allowed:
        withdrawn = await http.post(
            f"/cases/{case_id}/consents/{made.json()['consent_id']}/withdrawal", json={},
            headers=as_(role))
        assert withdrawn.status_code == 201, withdrawn.text


async def test_a_psych_teacher_not_assigned_to_the_case_records_no_consent(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    refused = await http.post(f"/cases/{case_id}/consents", json=GIVEN,
                              headers=bearer("psych_teacher", subject="someone-else"))
    assert refused.status_code == 403


async def test_the_case_record_shows_its_consents_and_who_recorded_and_withdrew_them(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    consent_id = (await record(http, case_id, "psych_teacher")).json()["consent_id"]
    await http.post(f"/cases/{case_id}/consents/{consent_id}/withdrawal", json={},
                    headers=as_("crisis_team_head"))
    case = (await http.get(f"/cases/{case_id}", headers=as_("crisis_team"))).json()
    [consent] = case["consents"]
    assert consent["consent_id"] == consent_id
    assert (consent["relationship"], consent["receiver_type"], consent["scope"]) == (
        "father", "hospital_green_channel", GIVEN["scope"])
    assert consent["recorded_by"] == {"role": "psych_teacher", "id": "psych_teacher-1"}
    assert consent["withdrawn_by"] == {"role": "crisis_team_head", "id": "crisis_team_head-1"}
    assert consent["withdrawn_at"] is not None


async def test_after_the_withdrawal_a_referral_under_it_is_a_409_naming_the_rule(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    consent_id = (await record(http, case_id)).json()["consent_id"]
    body = {"receiver_id": "hospital-a", "consent_id": consent_id,
            "packet": {"patient": PATIENT}}
    first = await http.post(f"/cases/{case_id}/referrals", json=body,
                            headers=as_("crisis_team"))
    assert first.status_code == 201, first.text
    await http.post(f"/cases/{case_id}/consents/{consent_id}/withdrawal", json={},
                    headers=as_("crisis_team"))
    later = await http.post(f"/cases/{case_id}/referrals", json={
        **body, "receiver_id": "hospital-b"}, headers=as_("crisis_team"))
    assert later.status_code == 409
    assert "was withdrawn" in later.json()["detail"]
    packet = await http.get(
        f"/cases/{case_id}/referrals/{first.json()['referral_id']}/packet",
        headers=as_("crisis_team"))
    assert packet.status_code == 409
    audited = await http.get(
        f"/cases/{case_id}/referrals/{first.json()['referral_id']}/packet",
        headers=as_("auditor"), params={"purpose": "audit"})
    assert audited.status_code == 200
    case = (await http.get(f"/cases/{case_id}", headers=as_("crisis_team"))).json()
    assert [r["referral_id"] for r in case["referrals"]] == [first.json()["referral_id"]]
    types = [e.type for e in published(app, PUBLISHED)]
    assert types.index("ConsentRecorded") < types.index("ReferralMade") < types.index(
        "ConsentWithdrawn")


async def test_a_consent_naming_neither_receivers_nor_a_type_is_refused_naming_the_field(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    refused = await record(http, case_id, receiver_type=None)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "receivers"]
    both = await record(http, case_id, receivers=["hospital-a"])
    assert both.status_code == 422


async def test_a_consent_carries_no_name_in_its_body(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    refused = await record(http, case_id, guardian_name="王芳")
    assert refused.status_code == 422
    assert "王芳" not in refused.text


async def test_every_disclosure_without_consent_is_in_the_auditors_view_and_flagged_on_it(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    case_id = decided(app, Tier.CRISIS)
    override = await http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", "basis": "safety_override",
        "rationale": "knife in the dormitory", "packet": {"patient": PATIENT}},
        headers=as_("crisis_team"))
    assert override.status_code == 201, override.text
    view = await http.get("/referrals/without-consent", headers=as_("auditor"))
    assert view.status_code == 200
    [entry] = view.json()
    assert (entry["case_id"], entry["referral_id"], entry["without_consent"],
            entry["rationale"]) == (str(case_id), override.json()["referral_id"], True,
                                    "knife in the dormitory")
    case = (await http.get(f"/cases/{case_id}", headers=as_("auditor"))).json()
    assert [r["without_consent"] for r in case["referrals"]] == [True]
    [made] = published(app, PUBLISHED, "ReferralMade")
    assert made.data["without_consent"] is True
    assert (await http.get("/referrals/without-consent",
                           headers=as_("psych_teacher"))).status_code == 403

"""A hospital's system plays its part over real HTTP: it receives the referral's FHIR packet
at its webhook, and answers by updating the Task with its token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import SecretStr

from casetrail.service import ServiceRuntime
from casetrail.worker import ApplicationThread
from contracts.codes import Role, Tier
from contracts.events import assessment
from services.referral.adapters.delivery import WebhookPoster
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.directory import Directory
from services.referral.domain.visits import semester
from services.referral.entrypoints.fhir import receiver_tokens
from services.referral.entrypoints.http import build_api
from services.referral.entrypoints.timers import deliverer
from tests.application.conftest import deliver, envelope
from tests.application.reads import position, reads_after
from tests.application.test_referral import school_today
from tests.identity import bearer
from tests.receivers import Hospital, serving

TOKENS = {"hospital-a": "a-secret-of-hospital-a", "hospital-b": "b-secret"}
CONSENT = {"given_by_guardian_rank": 1, "given_at": "2026-11-24T08:00:00+08:00",
           "scope": ["student_identity", "risk_tier", "signs_observed"],
           "receiver_type": "hospital_green_channel"}


@dataclass
class School:
    app: ReferralApplication
    thread: ApplicationThread
    http: httpx.AsyncClient
    poster: WebhookPoster

    async def deliver_due(self) -> None:
        await deliverer(self.app, self.thread, self.poster, no_wait)()


def no_wait(_: int) -> timedelta:
    return timedelta(0)


@pytest.fixture
def hospital() -> Iterator[tuple[Hospital, str]]:
    played = Hospital(refuse=1)
    with serving(played) as url:
        yield played, url


@pytest.fixture
async def school(tmp_path: Path, hospital: tuple[Hospital, str]) -> AsyncIterator[School]:
    _, url = hospital
    directory = Directory.model_validate({"receivers": [
        {"id": rid, "type": "hospital_green_channel", "name": rid, "order": n,
         "answer_within_minutes": 60, "endpoint": url}
        for n, rid in enumerate(TOKENS, start=1)]})
    settings = ReferralSettings(receiver_tokens={k: SecretStr(v) for k, v in TOKENS.items()},
                                store_url=f"sqlite:///{tmp_path / 'referral.db'}")
    app = build_referral(settings.event_store_env(), settings.timezone(),
                              directory=directory)
    thread = ApplicationThread("referral-test")
    api = build_api(ServiceRuntime(settings=settings, app=app, thread=thread,
                                   other_credentials=receiver_tokens(settings)), app)
    async with httpx.AsyncClient(timeout=10) as outgoing, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api), base_url="http://school") as http:
        yield School(app, thread, http, WebhookPoster(outgoing, settings.receiver_tokens))
    thread.shutdown()


def crisis_case(app: ReferralApplication) -> UUID:
    case_id = uuid4()
    decided = assessment.TierDecided(student_key="0" * 32, tier=Tier.CRISIS,
                                     proposed_tier=Tier.CRISIS, overrides_proposal=False,
                                     participant_roles=[Role.CRISIS_TEAM])
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided))
    return case_id


TEAM = bearer(Role.CRISIS_TEAM)


def task(status: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Task", "status": status, "intent": "order", **more}


async def on_record(school: School, case_id: UUID) -> str:
    """The guardians' consent (CONSENT) recorded in the case: its id."""
    recorded = await school.http.post(f"/cases/{case_id}/consents", json=CONSENT,
                                      headers=TEAM)
    assert recorded.status_code == 201, recorded.text
    consent_id: str = recorded.json()["consent_id"]
    return consent_id


def receiver_bearer(receiver_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[receiver_id]}"}


async def test_the_hospital_receives_the_packet_and_answers_through_its_task(
        school: School, hospital: tuple[Hospital, str]) -> None:
    played, _ = hospital
    case_id = await school.thread.run(crisis_case, school.app)
    made = await school.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", "consent_id": await on_record(school, case_id),
        "packet": {"patient": {"name": "王小明", "school_student_id": "S-9"}}}, headers=TEAM)
    assert made.status_code == 201, made.text
    referral_id = made.json()["referral_id"]

    await school.deliver_due()  # the hospital is busy: 503, recorded, tried again
    await school.deliver_due()
    [(bundle, headers)] = played.received
    assert headers["authorization"] == f"Bearer {TOKENS['hospital-a']}"
    assert headers["if-none-exist"] == f"identifier=urn:casetrail:referral|{referral_id}"
    kinds = [e.resource.get_resource_type() for e in Bundle.model_validate(bundle).entry or []
             if e.resource is not None]
    assert kinds == ["Patient", "ServiceRequest", "Task", "Consent"]
    [sent] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    assert "authoredOn" in sent  # when the referral was made, as its event recorded it
    referral = (await school.thread.run(school.app.get_case, case_id, Aftercare)
                ).referral(UUID(referral_id))
    assert (referral.delivered, referral.delivery_attempts) == (True, 2)

    url = f"/fhir/Task/{referral_id}"
    assert (await school.http.put(url, json=task("accepted"))).status_code == 401
    assert (await school.http.put(url, json=task("accepted"),
                                  headers={"Authorization": "Bearer guess"})).status_code == 401
    assert (await school.http.put(url, json=task("accepted"),
                                  headers=receiver_bearer("hospital-b"))).status_code == 403
    refused = await school.http.put(url, json=task("accepted", focus="x"),
                                    headers=receiver_bearer("hospital-a"))
    assert refused.status_code == 422
    out_of_order = await school.http.put(url, json=task("completed"),
                                         headers=receiver_bearer("hospital-a"))
    assert out_of_order.status_code == 409
    for sent, expected in [
            (task("accepted"), "accepted"),
            (task("in-progress", businessStatus={"coding": [{"code": "admitted"}]}),
             "in-progress"),
            (task("completed"), "completed")]:
        answered = await school.http.put(url, json=sent, headers=receiver_bearer("hospital-a"))
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == expected
    record = await school.http.get(f"/cases/{case_id}", headers=TEAM)
    assert record.json()["referrals"][0]["status"] == "discharged"


async def test_a_decline_through_the_task_reroutes_to_the_next_hospital(
        school: School, hospital: tuple[Hospital, str]) -> None:
    played, _ = hospital
    played.refuse = 0
    case_id = await school.thread.run(crisis_case, school.app)
    made = await school.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", "consent_id": await on_record(school, case_id)}, headers=TEAM)
    referral_id = made.json()["referral_id"]
    declined = await school.http.put(
        f"/fhir/Task/{referral_id}", headers=receiver_bearer("hospital-a"),
        json=task("rejected", statusReason={"coding": [{"code": "no_capacity"}]}))
    assert declined.json()["statusReason"]["coding"][0]["code"] == "no_capacity"
    await school.deliver_due()
    [(bundle, headers)] = played.received  # the declined packet was never sent again
    assert headers["authorization"] == f"Bearer {TOKENS['hospital-b']}"
    flagged = await school.http.get("/referrals/flagged", headers=TEAM)
    [entry] = flagged.json()
    assert entry["referrals"][0]["decline_reason"] == "no_capacity"
    assert entry["referrals"][0]["rerouted_to"] is not None
    [owner] = [e["resource"]["owner"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "Task"]
    assert owner["identifier"]["value"] == "hospital-b"


async def test_the_directory_is_listed_without_its_tokens(school: School) -> None:
    listed = (await school.http.get("/receivers", headers=TEAM)).json()
    assert [r["id"] for r in listed] == list(TOKENS)
    assert listed[0]["may_receive"][0] == "student_identity"
    assert not any(token in str(listed) for token in TOKENS.values())


async def test_a_packet_part_without_consent_is_refused_naming_the_field(
        school: School) -> None:
    case_id = await school.thread.run(crisis_case, school.app)
    refused = await school.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", "packet": {"guardian": {"phone": "13800000000"}}},
        headers=TEAM)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "consent_id"]


async def test_the_packet_can_be_read_for_carrying_by_hand_and_the_read_is_logged(
        school: School) -> None:
    case_id = await school.thread.run(crisis_case, school.app)
    made = await school.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-b", "consent_id": await on_record(school, case_id)}, headers=TEAM)
    referral_id = made.json()["referral_id"]
    before = await school.thread.run(position, school.app)
    packet = await school.http.get(f"/cases/{case_id}/referrals/{referral_id}/packet",
                                   headers=TEAM)
    assert packet.headers["content-type"] == "application/fhir+json"
    Bundle.model_validate(packet.json())
    [read] = await school.thread.run(reads_after, school.app, before)
    assert (read.record, read.what) == (case_id, "referral_packet")


async def test_the_team_works_from_its_lists_through_return_and_reopening(
        school: School) -> None:
    case_id = await school.thread.run(crisis_case, school.app)
    made = await school.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "hospital-a", "consent_id": await on_record(school, case_id)}, headers=TEAM)
    referral_id = made.json()["referral_id"]
    today = school_today()
    review_on = (today + timedelta(days=30)).isoformat()
    too_early = await school.http.post(f"/cases/{case_id}/return-plan", json={
        "study_support": ["reduced_timetable"], "review_on": review_on,
        "responsible": [{"role": "class_teacher", "id": "t-1"}]}, headers=TEAM)
    assert too_early.status_code == 409
    for response in ("accepted", "discharged"):
        await school.http.post(f"/cases/{case_id}/referrals/{referral_id}/answers",
                               json={"response": response}, headers=TEAM)
    planned = await school.http.post(f"/cases/{case_id}/return-plan", json={
        "study_support": ["reduced_timetable", "catch_up_tutoring"],
        "review_on": review_on, "responsible": [{"role": "class_teacher", "id": "t-1"}],
        "notes": "mornings only for two weeks"}, headers=TEAM)
    assert planned.status_code == 201, planned.text
    visit = await school.http.post(f"/cases/{case_id}/home-visits", json={
        "made_on": today.isoformat()}, headers=TEAM)
    assert visit.json()["semester"] == semester(today)
    await school.http.post(f"/cases/{case_id}/follow-ups",
                           json={"outcome": "improving"}, headers=TEAM)
    await school.http.post(f"/cases/{case_id}/closure",
                           json={"reason": "resolved"}, headers=TEAM)
    reopened = await school.http.post(f"/cases/{case_id}/reopen",
                                      json={"reason": "relapse"}, headers=TEAM)
    assert reopened.status_code == 201
    record = (await school.http.get(f"/cases/{case_id}", headers=TEAM)).json()
    assert record["closed"] is False
    assert record["closures"][0]["reopened_because"] == "relapse"
    assert record["return_plans"][0]["study_support"] == ["reduced_timetable",
                                                          "catch_up_tutoring"]
    for path in ("/referrals/flagged", "/follow-ups/overdue", "/home-visits/due"):
        listed = await school.http.get(path, headers=TEAM)
        assert listed.status_code == 200 and listed.json() == []
        assert (await school.http.get(path, headers=bearer(Role.PEER))).status_code == 403

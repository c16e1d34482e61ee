"""A retried command does not do the work twice: the Idempotency-Key of every POST and PUT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from casetrail.idempotency import prior, request_id
from casetrail.kernel import EventMeta
from casetrail.service import ServiceRuntime
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication, store_env
from casetrail.worker import ApplicationThread
from contracts.codes import Sign, Tier
from services.assessment.adapters.published import PUBLISHED as ASSESSMENT
from services.assessment.application import AssessmentApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.config import AssessmentSettings
from services.assessment.domain.decision import Decision
from services.assessment.entrypoints.http import build_api as assessment_api
from services.intake.adapters.published import PUBLISHED as INTAKE
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api as intake_api
from services.notification.bootstrap import build_notification
from services.notification.config import NotificationSettings
from services.notification.domain.policy import NotificationPolicy
from services.notification.entrypoints.http import build_api as notification_api
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api as referral_api
from tests.application.conftest import deliver, detected, envelope, published, served
from tests.conftest import CIPHER_KEY
from tests.identity import bearer

LEAD = {"role": "crisis_team", "id": "lead"}
READ_AS = bearer("crisis_team", subject="lead")
NAME = "张三"


def report_body(student: str = "S-1") -> dict[str, Any]:
    return {"student": {"school_student_id": student, "name": NAME},
            "channel": "staff_observation", "signs": ["grade_swing"]}


def decision_body(tier: str = "serious") -> dict[str, Any]:
    return {"tier": tier, "rationale": "team meeting", "participants": [LEAD],
            "overrides_proposal": True}


def key() -> dict[str, str]:
    """A new logical action by the crisis team's lead: its key, and the lead's token, sent
    the same with every retry (the key's fingerprint covers both)."""
    return {"Idempotency-Key": str(uuid4()), **bearer(LEAD["role"], subject=LEAD["id"])}


@pytest.fixture
def intake(store_url: tuple[str, str | None]) -> Iterator[IntakeApplication]:
    url, schema = store_url
    app = build_intake(store_env(url=url, schema=schema, cipher_key=CIPHER_KEY), b"k")
    yield app
    app.close()


@pytest.fixture
async def intake_http(intake: IntakeApplication) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k"})
    async with served(settings, intake, intake_api) as client:
        yield client


@pytest.fixture
def assessment(env: dict[str, str]) -> Iterator[AssessmentApplication]:
    app = build_assessment(env)
    yield app
    app.close()


@pytest.fixture
async def assessment_http(assessment: AssessmentApplication
                          ) -> AsyncIterator[httpx.AsyncClient]:
    async with served(AssessmentSettings(), assessment, assessment_api) as client:
        yield client


def assessed_case(app: AssessmentApplication) -> UUID:
    case_id = uuid4()
    deliver(app, app.on_case_detected,
            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
    return case_id


async def case_reports(http: httpx.AsyncClient, case_id: str) -> list[Any]:
    reports: list[Any] = (await http.get(f"/cases/{case_id}", headers=READ_AS)).json()["reports"]
    return reports


async def test_a_retried_report_with_its_key_gets_the_first_answer_and_adds_no_report(
        intake: IntakeApplication, intake_http: httpx.AsyncClient) -> None:
    headers = key()
    first = await intake_http.post("/reports", json=report_body(), headers=headers)
    again = await intake_http.post("/reports", json=report_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await case_reports(intake_http, first.json()["case_id"])) == 1
    # The key's record never goes on the bus.
    assert [e.type for e in published(intake, INTAKE, "CaseDetected")] == ["CaseDetected"]


async def test_a_retried_decision_with_its_key_is_decided_once(
        assessment: AssessmentApplication, assessment_http: httpx.AsyncClient) -> None:
    case_id = assessed_case(assessment)
    headers = key()
    answers = [await assessment_http.post(f"/cases/{case_id}/decision", json=decision_body(),
                                          headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1].json() == answers[2].json() == answers[0].json()
    assert len(published(assessment, ASSESSMENT, "TierDecided")) == 1


async def test_the_same_key_with_another_body_is_refused_naming_the_header_and_changes_nothing(
        assessment: AssessmentApplication, assessment_http: httpx.AsyncClient) -> None:
    case_id = assessed_case(assessment)
    headers = key()
    path = f"/cases/{case_id}/decision"
    assert (await assessment_http.post(path, json=decision_body("serious"),
                                       headers=headers)).status_code == 201
    other = await assessment_http.post(path, json=decision_body("crisis"), headers=headers)
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert "crisis" not in other.text
    elsewhere = await assessment_http.post(f"/cases/{assessed_case(assessment)}/decision",
                                           json=decision_body("serious"), headers=headers)
    assert elsewhere.status_code == 422
    assert len(published(assessment, ASSESSMENT, "TierDecided")) == 1


async def test_a_retry_with_a_refreshed_token_of_the_same_person_gets_the_first_answer(
        intake_http: httpx.AsyncClient) -> None:
    headers = key()
    first = await intake_http.post("/reports", json=report_body(), headers=headers)
    # An hour later the client signed in again: a new token, the same person.
    refreshed = {**headers, **bearer(LEAD["role"], subject=LEAD["id"],
                                     lifetime=timedelta(minutes=30))}
    assert refreshed["Authorization"] != headers["Authorization"]
    again = await intake_http.post("/reports", json=report_body(), headers=refreshed)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await case_reports(intake_http, first.json()["case_id"])) == 1


async def test_another_person_sending_the_same_key_is_refused_and_learns_nothing(
        intake_http: httpx.AsyncClient) -> None:
    headers = key()
    first = await intake_http.post("/reports", json=report_body(), headers=headers)
    other = {**headers, **bearer(LEAD["role"], subject="someone-else")}
    refused = await intake_http.post("/reports", json=report_body(), headers=other)
    assert refused.status_code == 422
    assert first.json()["case_id"] not in refused.text


async def test_a_request_without_a_token_is_a_401_whatever_its_key_was_sent_with_before(
        assessment: AssessmentApplication, assessment_http: httpx.AsyncClient) -> None:
    case_id = assessed_case(assessment)
    headers = key()
    path = f"/cases/{case_id}/decision"
    assert (await assessment_http.post(path, json=decision_body(),
                                       headers=headers)).status_code == 201
    unsigned = {"Idempotency-Key": headers["Idempotency-Key"]}
    for body in (decision_body(), decision_body("crisis")):
        answer = await assessment_http.post(path, json=body, headers=unsigned)
        assert answer.status_code == 401, answer.text
        assert "Idempotent-Replayed" not in answer.headers


async def test_without_a_key_each_request_is_a_new_report(
        intake_http: httpx.AsyncClient) -> None:
    lead = bearer(LEAD["role"], subject=LEAD["id"])
    first = await intake_http.post("/reports", json=report_body(), headers=lead)
    second = await intake_http.post("/reports", json=report_body(), headers=lead)
    assert first.status_code == second.status_code == 201
    assert len(await case_reports(intake_http, first.json()["case_id"])) == 2


async def test_a_request_still_in_progress_with_the_same_key_is_refused_with_409(
        assessment: AssessmentApplication, assessment_http: httpx.AsyncClient) -> None:
    case_id = assessed_case(assessment)
    headers = key()
    both = await asyncio.gather(*(
        assessment_http.post(f"/cases/{case_id}/decision", json=decision_body(),
                             headers=headers) for _ in range(2)))
    assert sorted(a.status_code for a in both) == [201, 409]
    busy = next(a for a in both if a.status_code == 409)
    assert "in progress" in busy.json()["detail"]
    assert busy.headers["Retry-After"]
    assert len(published(assessment, ASSESSMENT, "TierDecided")) == 1


def decision_from(body: dict[str, Any]) -> Decision:
    return Decision(tier=Tier(body["tier"]), rationale=body["rationale"],
                    participants=body["participants"],
                    overrides_proposal=body["overrides_proposal"])


def lead_meta() -> EventMeta:
    return EventMeta.by(LEAD["role"], LEAD["id"])


def decision_that_breaks_after_its_work(runtime: ServiceRuntime,
                                        app: AssessmentApplication) -> FastAPI:
    """Assessment's API with one more route: it decides, then fails to build its answer."""
    api = assessment_api(runtime, app)

    @api.post("/cases/{case_id}/broken-decision", status_code=201)
    async def broken(case_id: UUID) -> dict[str, Any]:
        await runtime.thread.run(app.decide, case_id, decision_from(decision_body()),
                                 meta=lead_meta())
        raise RuntimeError("the answer could not be built")

    return api


async def test_a_command_whose_answer_fails_after_its_work_saves_nothing_so_its_retry_is_once(
        assessment: AssessmentApplication) -> None:
    case_id = assessed_case(assessment)
    headers = key()
    async with served(AssessmentSettings(), assessment,
                      decision_that_breaks_after_its_work) as http:
        with pytest.raises(RuntimeError, match="could not be built"):
            await http.post(f"/cases/{case_id}/broken-decision", headers=headers)
        assert published(assessment, ASSESSMENT, "TierDecided") == []
        assert prior(assessment, request_id("assessment", headers["Idempotency-Key"])) is None
        retried = await http.post(f"/cases/{case_id}/decision", json=decision_body(),
                                  headers=headers)
    assert retried.status_code == 201
    assert len(published(assessment, ASSESSMENT, "TierDecided")) == 1


async def test_the_kept_answer_is_encrypted_at_rest_like_all_event_state(
        intake: IntakeApplication, intake_http: httpx.AsyncClient) -> None:
    headers = key()
    answered = await intake_http.post("/reports", json=report_body(), headers=headers)
    assert answered.status_code == 201
    stored = intake.recorder.select_events(request_id("intake", headers["Idempotency-Key"]))
    assert [e.topic.rsplit(".", 1)[-1] for e in stored] == ["Accepted", "Answered"]
    assert all(NAME.encode() not in e.state and b"case_id" not in e.state for e in stored)
    kept = prior(intake, request_id("intake", headers["Idempotency-Key"]))
    assert kept is not None and kept.answer is not None and kept.answer.status == 201


async def test_a_kept_answer_names_no_student_so_erasing_the_student_leaves_none_readable(
        intake: IntakeApplication, intake_http: httpx.AsyncClient) -> None:
    """A kept answer is not sealed under the student's key: it must hold nothing of theirs."""
    headers = key()
    flagged = await intake_http.put("/students/S-77/key-concerns", headers=headers,
                                    json={"key_concerns": ["left_behind"]})
    assert flagged.status_code == 200, flagged.text
    assert "S-77" not in flagged.text
    kept = prior(intake, request_id("intake", headers["Idempotency-Key"]))
    assert kept is not None and kept.answer is not None and "S-77" not in kept.answer.body


def every_api(env: dict[str, str]) -> list[tuple[FastAPI, ServiceApplication]]:
    intake_settings = IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k"})
    apps: list[tuple[ServiceSettings, ServiceApplication, Any]] = [
        (intake_settings, build_intake(env, b"k"), intake_api),
        (AssessmentSettings(), build_assessment(env), assessment_api),
        (NotificationSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k"}),
         build_notification(env, NotificationPolicy(), pseudonym_key=b"k"), notification_api),
        (ReferralSettings(), build_referral(env, ZoneInfo("Asia/Shanghai")), referral_api),
    ]
    return [(build(ServiceRuntime(settings=s, app=a, thread=ApplicationThread("t")), a), a)
            for s, a, build in apps]


def test_every_post_and_put_of_every_service_documents_the_idempotency_key(
        tmp_path: Any) -> None:
    env = store_env(url=f"sqlite:///{tmp_path / 'events.db'}")
    undocumented = []
    for api, app in every_api(env):
        for path, operations in api.openapi()["paths"].items():
            for method in ("post", "put"):
                if method in operations:
                    names = {p["name"] for p in operations[method].get("parameters", [])
                             if p["in"] == "header"}
                    if "Idempotency-Key" not in names:
                        undocumented.append(f"{api.title} {method.upper()} {path}")
        app.close()
    assert undocumented == []


async def test_a_retried_upload_with_its_key_gets_the_first_answer(
        intake_http: httpx.AsyncClient) -> None:
    screening = await intake_http.post("/screenings", json={
        "instrument": "asq", "held_on": date.today().isoformat(), "grade_label": "初二"},
        headers=key())
    upload = intake_http.build_request(
        "POST", f"/screenings/{screening.json()['screening_id']}/imports", headers=key(),
        files={"file": ("a.csv", b"school_student_id,q1,q2,q3,q4,q5\nS-1,no,no,no,no,\n",
                        "text/csv")})
    first = await intake_http.send(upload)
    again = await intake_http.send(upload)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_a_keyed_upload_larger_than_the_service_takes_is_refused_before_it_is_read(
        intake: IntakeApplication) -> None:
    settings = IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k",
                                              "CASETRAIL_MAX_UPLOAD_BYTES": 10_000})
    async with served(settings, intake, intake_api) as client:
        answer = await client.post(
            f"/screenings/{uuid4()}/imports", headers=key(),
            files={"file": ("a.csv", b"school_student_id,q1\n" + b"S-1,no\n" * 2_000,
                            "text/csv")})
    assert answer.status_code == 413
    assert intake.recorder.max_notification_id() is None

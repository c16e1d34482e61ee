"""Intake: a transfer goes up a stage with both consents, recorded first, and is received
only by the school it was sent to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Channel, GuardianRank, SchoolStage
from services.intake.application import IntakeApplication, IntakePolicy, TransferConsent
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case, Concern
from services.intake.domain.transfer import ConsentToTransfer, Transfer
from tests.application.intake_api import report, served
from tests.identity import bearer

SIGNED_IN = bearer("crisis_team", subject="t-1")

TEAM = EventMeta.by("psych_teacher", "p-1")
GIVEN = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"key", IntakePolicy(school_code="primary-3"))


def a_case(intake: IntakeApplication) -> UUID:
    return intake.report_concern(
        student_ref="S-1", student_name=None,
        concern=Concern(report_id=UUID(int=1), channel=Channel.STAFF_OBSERVATION, signs=[],
                        imminent=False, description=""),
        meta=EventMeta.by("class_teacher", "ct-1")).case_id


def send(intake: IntakeApplication, case_id: UUID, *, student_consented: bool = True) -> Transfer:
    return intake.disclose_transfer(
        case_id, to_school="middle-9", to_stage=SchoolStage.MIDDLE,
        consent=TransferConsent(GuardianRank.PRIMARY, GIVEN, student_consented), meta=TEAM)


def test_a_transfer_without_the_students_consent_is_refused_and_nothing_is_sent(
        intake: IntakeApplication) -> None:
    case_id = a_case(intake)
    before = intake.recorder.max_notification_id()
    with pytest.raises(CaseRuleViolated, match="student's consent"):
        send(intake, case_id, student_consented=False)
    assert intake.recorder.max_notification_id() == before


def test_the_consent_is_recorded_on_its_own_before_the_disclosure(
        intake: IntakeApplication) -> None:
    case_id = a_case(intake)
    before = intake.recorder.max_notification_id() or 0
    transfer = send(intake, case_id)
    topics = [n.topic.rsplit(":", 1)[-1] for n in
              intake.recorder.select_notifications(start=before + 1, limit=10)]
    assert topics == ["ConsentToTransfer.Given", "Case.TransferDisclosed",
                      "Transfer.Disclosed"]
    consent = intake.get_case(transfer.consent_id, ConsentToTransfer)
    assert (consent.case_id, consent.guardian_rank, consent.guardian_given_at,
            consent.student_consented) == (case_id, 1, GIVEN, True)
    assert intake.get_case(case_id, Case).transfers[0]["consent_id"] == transfer.consent_id


def test_a_receipt_from_another_school_than_the_one_sent_to_is_refused(
        intake: IntakeApplication) -> None:
    transfer = send(intake, a_case(intake))
    with pytest.raises(CaseRuleViolated, match="sent to another school"):
        intake.receive_transfer(transfer.id, student_ref="M-1", school_code="middle-8",
                                meta=TEAM)
    record = intake.receive_transfer(transfer.id, student_ref="M-1", school_code="middle-9",
                                     meta=TEAM)
    assert record.transfer_id == transfer.id


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env, IntakePolicy(school_code="middle-3",
                                  school_stage=SchoolStage.MIDDLE)) as client:
        client.headers.update(SIGNED_IN)  # the crisis team hands records on and takes them in
        yield client


def transfer_body(**changes: Any) -> dict[str, Any]:
    return {"to_school": "high-1", "to_stage": "high",
            "consent": {"guardian_rank": 1, "guardian_given_at": "2026-01-05T08:00:00Z",
                        "student_consented": True}, **changes}


@pytest.mark.parametrize("stage", ["primary", "middle"])
def test_a_middle_school_sends_a_record_on_to_a_later_stage_only(
        client: TestClient, stage: str) -> None:
    case_id = report(client)["case_id"]
    refused = client.post(f"/cases/{case_id}/transfers", json=transfer_body(to_stage=stage))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "to_stage"]


def test_the_guardians_consent_time_is_also_taken_under_its_earlier_name(
        client: TestClient) -> None:
    case_id = report(client)["case_id"]
    sent = client.post(f"/cases/{case_id}/transfers", json=transfer_body(consent={
        "guardian_rank": 1, "given_at": "2026-01-05T08:00:00Z", "student_consented": True}))
    assert sent.status_code == 201


def test_a_transfer_the_student_did_not_agree_to_is_a_conflict(client: TestClient) -> None:
    case_id = report(client)["case_id"]
    consent: dict[str, Any] = transfer_body()["consent"] | {"student_consented": False}
    refused = client.post(f"/cases/{case_id}/transfers", json=transfer_body(consent=consent))
    assert refused.status_code == 409


def test_a_receipt_must_name_the_school_the_transfer_was_sent_to(client: TestClient) -> None:
    case_id = report(client)["case_id"]
    transfer_id = client.post(f"/cases/{case_id}/transfers",
                              json=transfer_body()).json()["transfer_id"]
    receipt: dict[str, Any] = {"school_student_id": "H-1"}
    path = f"/transfers/{transfer_id}/receipt"
    unnamed = client.post(path, json=receipt)
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["loc"] == ["body", "school_code"]
    assert client.post(path, json=receipt | {"school_code": "high-2"}).status_code == 409
    assert client.post(path, json=receipt | {"school_code": "high-1"}).status_code == 201


def test_the_received_record_shows_the_name_under_the_students_new_school_id(
        intake: IntakeApplication) -> None:
    case_id = intake.report_concern(
        student_ref="S-1", student_name="欧阳小明",
        concern=Concern(report_id=UUID(int=2), channel=Channel.STAFF_OBSERVATION, signs=[],
                        imminent=False, description=""),
        meta=EventMeta.by("class_teacher", "ct-1")).case_id
    transfer = send(intake, case_id)
    record = intake.receive_transfer(transfer.id, student_ref="M-1", school_code="middle-9",
                                     meta=TEAM)
    shown = intake.opened(record.student_key, record.packet)
    assert shown["case_summary"]["student_name"] == "欧阳小明"
    assert intake.opened(record.student_key, record.student_ref) == "M-1"

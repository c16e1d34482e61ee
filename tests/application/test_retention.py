"""Retention: a student is due for erasure once each of their records is past its period,
and the list says so by key and record id, never by name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

from casetrail.kernel import EventMeta, ListReads
from casetrail.pseudonym import Pseudonyms
from contracts.codes import Channel, ClosureReason, ErasureReason
from contracts.events import referral
from services.intake.application import IntakeApplication, IntakePolicy
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Concern
from services.intake.domain.retention import RetentionPolicy
from tests.application.conftest import deliver, envelope
from tests.application.intake_api import report, served
from tests.identity import bearer

KEY = Pseudonyms(b"k").student_key("S-1")
TEACHER = EventMeta.by("class_teacher", "ct-1")
AUDITOR = EventMeta.by("auditor", "au-1")
TWO_YEARS = IntakePolicy(retention=RetentionPolicy(case_years=2))


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"k", TWO_YEARS)


def concern_about_s1(app: IntakeApplication) -> UUID:
    return app.report_concern(student_ref="S-1", student_name="张三", concern=Concern(
        uuid4(), Channel.STAFF_OBSERVATION, [], False, "课堂上哭泣"), meta=TEACHER).case_id


def close(app: IntakeApplication, case_id: UUID, on: datetime) -> None:
    closed = envelope("referral", case_id, referral.CaseClosed(reason=ClosureReason.RESOLVED))
    deliver(app, app.on_case_closed, closed.model_copy(update={"occurred_at": on}))


def due(app: IntakeApplication, on: date) -> list[dict[str, object]]:
    return app.retention_due(on, purpose="retention_review", reader=AUDITOR)


def test_a_closed_case_is_due_once_its_years_from_closure_have_passed(
        intake: IntakeApplication) -> None:
    case_id = concern_about_s1(intake)
    assert due(intake, date(2099, 1, 1)) == []  # an open case is never due
    close(intake, case_id, datetime(2020, 3, 1, 9, tzinfo=UTC))
    assert due(intake, date(2022, 2, 28)) == []
    assert due(intake, date(2022, 3, 1)) == [{
        "student_key": KEY, "due_on": date(2022, 3, 1),
        "records": [{"record_id": case_id, "kind": "case", "due_on": date(2022, 3, 1)}]}]


def test_a_student_whose_later_case_is_open_is_not_due_for_the_older_one(
        intake: IntakeApplication) -> None:
    close(intake, concern_about_s1(intake), datetime(2020, 3, 1, tzinfo=UTC))
    concern_about_s1(intake)
    assert due(intake, date(2030, 1, 1)) == []


def test_an_erased_student_is_due_no_longer(intake: IntakeApplication) -> None:
    close(intake, concern_about_s1(intake), datetime(2020, 3, 1, tzinfo=UTC))
    intake.erase_student(KEY, ErasureReason.RETENTION_ELAPSED,
                         EventMeta.by("principal", "pr-1"))
    assert due(intake, date(2030, 1, 1)) == []


def test_the_auditor_and_the_principal_list_what_is_due_by_key_without_names(
        env: dict[str, str]) -> None:
    with served(env, TWO_YEARS) as client:
        case_id = report(client)["case_id"]
        api = client.app
        assert isinstance(api, FastAPI)
        app = api.state.runtime.app
        close(app, UUID(case_id), datetime(2020, 3, 1, tzinfo=UTC))
        for role in ("auditor", "principal"):
            answer = client.get("/retention", params={"as_of": "2023-01-01"},
                                headers=bearer(role))
            assert answer.status_code == 200, answer.text
            assert answer.json()["due"][0]["student_key"] == KEY
            assert answer.json()["periods_in_years"]["case_years"] == 2
            assert "张三" not in answer.text and "S-1" not in answer.text
        assert client.get("/retention", headers=bearer("class_teacher")).status_code == 403
        today = datetime.now(UTC).date().isoformat()
        logged = app.repository.get(ListReads.create_id("intake", "auditor-1", today))
        assert isinstance(logged, ListReads)

from __future__ import annotations

import base64
import os
from pathlib import Path
from uuid import uuid4

import pytest

from casetrail.kernel import CaseNotFound, CaseRuleViolated, EventMeta
from casetrail.store import store_env
from contracts.codes import Channel, ClosureReason, Sign
from contracts.envelope import Actor
from contracts.events import referral
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case, Concern
from tests.application.conftest import deliver, envelope

TEACHER = EventMeta.by("class_teacher", "t-1")


def concern(*signs: Sign, imminent: bool = False) -> Concern:
    return Concern(uuid4(), Channel.STAFF_OBSERVATION, list(signs), imminent, "free text")


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"key")


def test_a_first_concern_opens_a_case_and_a_second_joins_it(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name="张三",
                                  concern=concern(Sign.SELF_HARM), meta=TEACHER)
    second = intake.report_concern(student_ref="S-1", student_name=None,
                                   concern=concern(Sign.GRADE_SWING), meta=TEACHER)
    other = intake.report_concern(student_ref="S-2", student_name=None,
                                  concern=concern(), meta=TEACHER)
    assert first.opened and not second.opened and other.opened
    assert second.case_id == first.case_id != other.case_id
    assert len(intake.get_case(first.case_id, Case).reports) == 2


def test_after_closure_a_new_concern_opens_a_new_case(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=concern(),
                                  meta=TEACHER)
    closed = envelope("referral", first.case_id,
                      referral.CaseClosed(reason=ClosureReason.RESOLVED))
    assert deliver(intake, intake.on_case_closed, closed)
    with pytest.raises(CaseRuleViolated):
        intake.get_case(first.case_id, Case).attach(concern(), TEACHER)
    again = intake.report_concern(student_ref="S-1", student_name=None, concern=concern(),
                                  meta=TEACHER)
    assert again.opened and again.case_id != first.case_id


def test_the_same_closure_delivered_twice_is_processed_once(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=concern(),
                                  meta=TEACHER)
    closed = envelope("referral", first.case_id,
                      referral.CaseClosed(reason=ClosureReason.RESOLVED))
    assert deliver(intake, intake.on_case_closed, closed)
    before = intake.recorder.max_notification_id()
    assert not deliver(intake, intake.on_case_closed, closed)
    assert intake.recorder.max_notification_id() == before


def test_reading_a_case_is_logged_with_who_and_why(intake: IntakeApplication) -> None:
    received = intake.report_concern(student_ref="S-1", student_name="张三", concern=concern(),
                                     meta=TEACHER)
    reader = EventMeta.by("psych_teacher", "p-7")
    case = intake.read_case(received.case_id, Case, purpose="assessment", reader=reader)
    assert intake.opened(case.student_key, case.student_name) == "张三"
    last = intake.mapper.to_domain_event(intake.recorder.select_notifications(
        start=intake.recorder.max_notification_id() or 0, limit=1)[0])
    logged = PUBLISHED.envelope(last)
    assert logged is not None and logged.type == "CaseViewed"
    assert logged.actor == Actor(role="psych_teacher", id="p-7")
    assert logged.data == {"purpose": "assessment", "what": "case_record"}


def test_an_unknown_case_is_not_found(intake: IntakeApplication) -> None:
    with pytest.raises(CaseNotFound):
        intake.read_case(uuid4(), Case, purpose="audit", reader=TEACHER)


def test_with_a_cipher_key_names_and_descriptions_are_not_stored_in_clear(
        tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    path = tmp_path / "intake.db"
    intake = build_intake(store_env(url=f"sqlite:///{path}", cipher_key=key), b"k")
    received = intake.report_concern(
        student_ref="S-1", student_name="欧阳小明",
        concern=Concern(uuid4(), Channel.HOTLINE, [], False, "宿舍里的纸条"), meta=TEACHER)
    case = intake.get_case(received.case_id, Case)
    assert intake.opened(case.student_key, case.student_name) == "欧阳小明"
    stored = path.read_bytes() + (tmp_path / "intake.db-wal").read_bytes()
    for secret in ("欧阳小明", "宿舍里的纸条", "S-1"):
        assert secret.encode() not in stored

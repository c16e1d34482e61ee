"""Intake: a case and its reports, the student's one open case, and the logged reads."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Channel, Sign
from services.intake.domain.case import Case, Concern
from services.intake.domain.student import Student
from tests.reads_on_the_case import read_on_the_case

KEY = "student-key-1"
SEEN_AT = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def meta(role: str = "crisis_team", actor_id: str = "t1") -> EventMeta:
    return EventMeta.by(role, actor_id, occurred_at=SEEN_AT)


def concern(*signs: Sign, imminent: bool = False,
            channel: Channel = Channel.STAFF_OBSERVATION) -> Concern:
    return Concern(uuid4(), channel, list(signs), imminent, "seen crying in class")


def detected(first: Concern | None = None) -> Case:
    return Case.detect(uuid4(), student_key=KEY, student_ref="S-0001", student_name=None,
                       concern=first or concern(Sign.GRADE_SWING),
                       meta=meta("class_teacher", "ct1"))


# The case.

def test_a_detected_case_holds_its_first_report() -> None:
    first = concern(Sign.SELF_HARM, imminent=True, channel=Channel.HOTLINE)
    case = detected(first)
    assert case.student_key == KEY
    assert case.student_ref == "S-0001"
    assert case.student_name is None
    assert case.closed is False
    assert case.reports == [{
        "report_id": first.report_id, "channel": "hotline", "signs": ["self_harm"],
        "imminent": True, "description": "seen crying in class",
        "reporter_role": "class_teacher", "reporter_id": "ct1", "observed_at": SEEN_AT,
        "level": "school", "screen": None,
        "path": [{"step": "reported", "level": "school", "by_role": "class_teacher",
                  "by_id": "ct1", "at": SEEN_AT}],
    }]


def test_a_second_concern_is_attached_to_the_open_case() -> None:
    case = detected()
    second = concern(Sign.FAMILY_CHANGE, channel=Channel.GUARDIAN)
    case.attach(second, meta("guardian", "g1"))
    assert [r["report_id"] for r in case.reports][1] == second.report_id
    assert case.reports[1]["channel"] == "guardian"
    assert case.reports[1]["reporter_role"] == "guardian"
    assert [type(e) for e in case.collect_events()] == [Case.Detected, Case.ReportAttached]


def test_attaching_a_concern_to_a_closed_case_is_refused() -> None:
    case = detected()
    case.note_closed(meta())
    with pytest.raises(CaseRuleViolated, match="closed"):
        case.attach(concern(Sign.WEAPON, imminent=True), meta())
    assert len(case.reports) == 1
    assert not any(isinstance(e, Case.ReportAttached) for e in case.collect_events())


def test_noting_the_closure_twice_records_it_once() -> None:
    case = detected()
    case.note_closed(meta())
    case.note_closed(meta())
    assert case.closed is True
    assert [type(e) for e in case.collect_events()] == [Case.Detected, Case.ClosureNoted]


# The student.

def opened_student(case_id: UUID) -> Student:
    student = Student.register(KEY, meta())
    student.open_case(case_id, meta())
    return student


def test_a_student_has_the_same_id_for_the_same_key() -> None:
    assert Student.id_for(KEY) == Student.id_for(KEY)
    assert Student.id_for(KEY) != Student.id_for("student-key-2")
    assert Student.register(KEY, meta()).id == Student.id_for(KEY)


def test_a_registered_student_has_no_open_case() -> None:
    assert Student.register(KEY, meta()).open_case_id is None


def test_releasing_the_open_case_frees_the_student() -> None:
    case_id = uuid4()
    student = opened_student(case_id)
    assert student.open_case_id == case_id
    student.release(case_id, meta())
    assert student.open_case_id is None
    assert [type(e) for e in student.collect_events()] == [
        Student.Registered, Student.CaseOpened, Student.CaseReleased]


def test_releasing_another_case_leaves_the_open_case_in_place() -> None:
    case_id = uuid4()
    student = opened_student(case_id)
    student.release(uuid4(), meta())
    assert student.open_case_id == case_id
    assert not any(isinstance(e, Student.CaseReleased) for e in student.collect_events())


def test_releasing_a_case_twice_records_it_once() -> None:
    case_id = uuid4()
    student = opened_student(case_id)
    student.release(case_id, meta())
    student.release(case_id, meta())
    released = [e for e in student.collect_events() if isinstance(e, Student.CaseReleased)]
    assert len(released) == 1


# Logged reads.

def test_a_read_stored_on_the_case_before_reads_had_their_own_record_changes_nothing() -> None:
    case = detected()
    [created] = case.collect_events()
    reader = EventMeta.by("auditor", "a1", occurred_at=datetime(2024, 6, 1, tzinfo=UTC))
    viewed = read_on_the_case(case.id, 2, "audit of the term", reader, reader.occurred_at)
    loaded = viewed.mutate(created.mutate(None))
    assert isinstance(loaded, Case)
    assert loaded.version == 2 and viewed.what == "case_record"
    assert loaded.closed is False and len(loaded.reports) == 1

"""Intake: key concerns, incidents and their checklist, reopening, transfers, consent, and
what of it all reaches the bus."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Channel, IncidentKind, Instrument, KeyConcern, SchoolStage, Sign
from services.intake.adapters.published import PUBLISHED
from services.intake.domain.case import Case, Concern
from services.intake.domain.screening import ConsentRecord, Screening
from services.intake.domain.student import Student
from services.intake.domain.transfer import (
    Transfer,
    TransferredRecord,
    entitled_packet,
    is_later_stage,
)
from tests.unit.test_contracts import event_classes

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"


def by(role: str = "crisis_team", actor_id: str = "t1") -> EventMeta:
    return EventMeta.by(role, actor_id, occurred_at=AT)


def case_of(*key_concerns: KeyConcern, description: str = "哭泣") -> Case:
    concern = Concern(uuid4(), Channel.GUARDIAN, [Sign.SELF_HARM], False, description,
                      key_concerns=list(key_concerns))
    return Case.detect(uuid4(), student_key=KEY, student_ref="S-1", student_name="张三",
                       concern=concern, meta=by("guardian", "g1"))


def test_every_intake_event_is_published_or_kept_internal() -> None:
    declared = set(PUBLISHED.published) | set(PUBLISHED.internal)
    for aggregate in (Case, Student, Screening, Transfer, TransferredRecord):
        assert event_classes(aggregate) <= declared, aggregate.__name__


def test_a_case_carries_the_students_key_concerns_onto_the_bus() -> None:
    case = case_of(KeyConcern.LEFT_BEHIND, KeyConcern.BEREAVED)
    [detected] = case.collect_events()
    envelope = PUBLISHED.envelope(detected)
    assert envelope is not None
    assert envelope.data["key_concerns"] == ["left_behind", "bereaved"]
    assert case.key_concerns == ["left_behind", "bereaved"]


def test_changed_flags_are_noted_on_an_open_case_and_unchanged_ones_are_not() -> None:
    case = case_of(KeyConcern.POVERTY)
    case.note_key_concerns([KeyConcern.POVERTY], by())
    case.note_key_concerns([KeyConcern.POVERTY, KeyConcern.BULLYING_VICTIM], by())
    noted = [e for e in case.collect_events() if isinstance(e, Case.KeyConcernsNoted)]
    assert len(noted) == 1
    envelope = PUBLISHED.envelope(noted[0])
    assert envelope is not None and envelope.type == "KeyConcernsNoted"
    assert envelope.data == {"key_concerns": ["poverty", "bullying_victim"]}


def test_a_students_flags_are_kept_in_a_stable_order_and_recorded_only_when_changed() -> None:
    student = Student.register(KEY, by())
    assert student.record_key_concerns([KeyConcern.POVERTY, KeyConcern.LEFT_BEHIND], by())
    assert student.key_concerns == [KeyConcern.LEFT_BEHIND, KeyConcern.POVERTY]
    assert not student.record_key_concerns([KeyConcern.LEFT_BEHIND, KeyConcern.POVERTY], by())


def test_the_growth_file_remembers_every_case_and_the_last_one() -> None:
    student = Student.register(KEY, by())
    first, second = uuid4(), uuid4()
    student.open_case(first, by())
    student.release(first, by())
    student.open_case(second, by())
    assert student.case_ids == [first, second] and student.last_case_id == second


def test_an_incidents_checklist_is_done_item_by_item_once() -> None:
    case = case_of()
    incident_id = uuid4()
    case.report_incident(incident_id, IncidentKind.SELF_HARM, ["secure_scene", "first_aid"],
                         by("class_teacher", "ct1"))
    case.complete_checklist_item(incident_id, "first_aid", by("psych_teacher", "p1"))
    assert case.incidents[incident_id]["checklist"] == [
        {"item": "secure_scene", "done": None},
        {"item": "first_aid", "done": {"by_role": "psych_teacher", "by_id": "p1", "at": AT}}]
    with pytest.raises(CaseRuleViolated, match="done already"):
        case.complete_checklist_item(incident_id, "first_aid", by())
    with pytest.raises(CaseRuleViolated, match="not on the incident's checklist"):
        case.complete_checklist_item(incident_id, "call_the_press", by())
    with pytest.raises(CaseRuleViolated, match="no incident"):
        case.complete_checklist_item(uuid4(), "first_aid", by())


def test_an_incident_goes_on_the_bus_with_the_student_key_and_no_words() -> None:
    case = case_of()
    case.collect_events()
    case.report_incident(uuid4(), IncidentKind.MISSING, ["secure_scene"], by())
    [reported] = case.collect_events()
    envelope = PUBLISHED.envelope(reported)
    assert envelope is not None and envelope.type == "IncidentReported"
    assert envelope.data["student_key"] == KEY
    assert envelope.data["kind"] == "missing" and envelope.data["checklist"] == ["secure_scene"]


def test_a_reopened_case_is_open_again_with_its_closure_linked() -> None:
    case = case_of()
    case.note_closed(by())
    closed_event = uuid4()
    case.note_reopened("relapse", closed_event, by(), other_open_case=None)
    assert case.closed is False
    assert case.reopenings[0]["closed_event_id"] == closed_event
    case.note_reopened("relapse", closed_event, by(), other_open_case=None)
    assert len(case.reopenings) == 1


def test_a_reopening_is_set_aside_while_the_student_has_another_open_case() -> None:
    case = case_of()
    case.note_closed(by())
    other = uuid4()
    case.note_reopened("new_information", uuid4(), by(), other_open_case=other)
    assert case.closed is True
    assert case.reopenings[0]["kept_closed_for"] == other
    assert isinstance(case.collect_events()[-1], Case.ReopeningSetAside)


def test_a_student_resumes_the_reopened_case_but_not_over_another_open_one() -> None:
    student = Student.register(KEY, by())
    first = uuid4()
    student.open_case(first, by())
    student.release(first, by())
    student.resume(first, by())
    assert student.open_case_id == first
    with pytest.raises(CaseRuleViolated):
        student.resume(uuid4(), by())


def test_the_transfer_packet_holds_the_entitled_history_without_descriptions() -> None:
    case = case_of(KeyConcern.SINGLE_PARENT, description="宿舍里的纸条")
    packet = entitled_packet(case)
    assert set(packet) == {"case_summary", "key_concerns", "report_history", "incidents"}
    assert "宿舍里的纸条" not in repr(packet)
    assert packet["report_history"][0]["channel"] == "guardian"
    assert packet["key_concerns"] == ["single_parent"]


def test_a_transfer_is_received_once() -> None:
    case = case_of()
    transfer = Transfer.disclose(uuid4(), case=case, from_school="primary-1",
                                 to_school="middle-7", to_stage="middle", guardian_rank=1,
                                 consent_given_at=AT, consent_id=uuid4(), meta=by())
    record = TransferredRecord.open(uuid4(), transfer, student_key=KEY, student_ref="M-9",
                                    meta=by("psych_teacher", "p9"))
    transfer.receive(record.id, "middle-7", by("psych_teacher", "p9"))
    with pytest.raises(CaseRuleViolated, match="received already"):
        transfer.receive(uuid4(), "middle-7", by())
    [received] = record.collect_events()
    envelope = PUBLISHED.envelope(received)
    assert envelope is not None and envelope.type == "TransferReceived"
    assert envelope.data["from_case_id"] == str(case.id)
    assert envelope.data["from_school"] == "primary-1"


def test_a_transfer_is_received_only_by_the_school_it_was_sent_to() -> None:
    transfer = Transfer.disclose(uuid4(), case=case_of(), from_school="primary-1",
                                 to_school="middle-7", to_stage="middle", guardian_rank=1,
                                 consent_given_at=AT, consent_id=uuid4(), meta=by())
    with pytest.raises(CaseRuleViolated, match="another school, not to middle-8"):
        transfer.receive(uuid4(), "middle-8", by())
    assert transfer.record_id is None


@pytest.mark.parametrize(("to_stage", "than", "later"), [
    (SchoolStage.MIDDLE, SchoolStage.PRIMARY, True), (SchoolStage.HIGH, SchoolStage.MIDDLE, True),
    (SchoolStage.PRIMARY, SchoolStage.PRIMARY, False),
    (SchoolStage.PRIMARY, SchoolStage.HIGH, False)])
def test_a_record_goes_up_the_stages_only(to_stage: SchoolStage, than: SchoolStage,
                                          later: bool) -> None:
    assert is_later_stage(to_stage, than) is later


def screening() -> Screening:
    return Screening.schedule(uuid4(), instrument=Instrument.ASQ, held_on=date(2026, 3, 1),
                              grade_label="初二", meta=by("psych_teacher"))


def consent(student: bool, guardian: bool, at: datetime) -> ConsentRecord:
    return ConsentRecord(KEY, student, guardian, 1, at)


def test_consent_counts_only_when_both_the_student_and_the_guardian_agree() -> None:
    only_guardian = screening()
    only_guardian.record_consents([consent(False, True, AT)], by())
    assert not only_guardian.consent_given(KEY)
    both = screening()
    both.record_consents([consent(True, True, AT)], by())
    assert both.consent_given(KEY)
    assert not both.consent_given("f" * 32)


def test_a_later_refusal_withdraws_consent_and_an_older_record_does_not_restore_it() -> None:
    s = screening()
    s.record_consents([consent(True, True, AT)], by())
    s.record_consents([consent(True, False, AT + timedelta(days=1))], by())
    assert not s.consent_given(KEY)
    s.record_consents([consent(True, True, AT + timedelta(hours=1))], by())
    assert not s.consent_given(KEY)


def test_screening_events_never_reach_the_bus() -> None:
    s = screening()
    s.record_consents([consent(True, True, AT)], by())
    s.record_batch("ab" * 32, filename="a.csv", accepted=[], refused=[], report={}, meta=by())
    assert all(PUBLISHED.envelope(e) is None for e in s.collect_events())

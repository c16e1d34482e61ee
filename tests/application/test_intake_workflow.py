"""Intake: the report chain, key concerns, the growth file, incidents, transfers, reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import (
    Channel,
    ClosureReason,
    GuardianRank,
    IncidentKind,
    KeyConcern,
    ReopenReason,
    ReportLevel,
    SchoolStage,
)
from contracts.envelope import Envelope
from contracts.events import referral
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication, IntakePolicy, TransferConsent
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case, Concern
from services.intake.domain.report_chain import ChainKind
from services.intake.domain.student import Student
from services.intake.domain.transfer import TransferredRecord
from tests.application.conftest import deliver, envelope, published

TEACHER = EventMeta.by("class_teacher", "ct-1")
DORM = EventMeta.by("dorm_staff", "d-1")
TEAM = EventMeta.by("crisis_team", "t-1")
READER = EventMeta.by("psych_teacher", "p-1")


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"key", IntakePolicy(school_code="primary-3"))


def staff(channel: Channel = Channel.STAFF_OBSERVATION) -> Concern:
    return Concern(uuid4(), channel, [], False, "平时很安静，最近常哭")


def close(intake: IntakeApplication, case_id: UUID) -> Envelope:
    closed = envelope("referral", case_id, referral.CaseClosed(reason=ClosureReason.RESOLVED))
    assert deliver(intake, intake.on_case_closed, closed)
    return closed


def test_a_staff_report_climbs_the_chain_and_the_record_shows_who_and_when(
        intake: IntakeApplication) -> None:
    received = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                     meta=TEACHER)
    intake.acknowledge_report(received.case_id, received.report_id, ReportLevel.CLASS, TEACHER)
    intake.forward_report(received.case_id, received.report_id, ReportLevel.GRADE, TEACHER)
    leader = EventMeta.by("grade_leader", "gl-1")
    intake.acknowledge_report(received.case_id, received.report_id, ReportLevel.GRADE, leader)
    intake.forward_report(received.case_id, received.report_id, ReportLevel.SCHOOL, leader)
    with pytest.raises(CaseRuleViolated, match="no level above"):
        intake.forward_report(received.case_id, received.report_id, ReportLevel.SCHOOL,
                              EventMeta.by("principal", "pr-1"))
    report = intake.get_case(received.case_id, Case).report(received.report_id)
    assert [(s["step"], s["level"], s["by_id"]) for s in report["path"]] == [
        ("reported", "class", "ct-1"), ("acknowledged", "class", "ct-1"),
        ("forwarded", "grade", "ct-1"), ("acknowledged", "grade", "gl-1"),
        ("forwarded", "school", "gl-1")]
    forwards = published(intake, PUBLISHED, "ReportForwarded")
    assert [(f.data["from_level"], f.data["to_level"], f.actor.id) for f in forwards] == [
        ("class", "grade", "ct-1"), ("grade", "school", "gl-1")]
    assert [a.data["level"] for a in published(intake, PUBLISHED, "ReportAcknowledged")] == [
        "class", "grade"]


def test_a_university_report_starts_in_the_dorm(env: dict[str, str]) -> None:
    intake = build_intake(env, b"key", IntakePolicy(chain=ChainKind.UNIVERSITY))
    received = intake.report_concern(student_ref="U-1", student_name=None, concern=staff(),
                                     meta=DORM)
    intake.forward_report(received.case_id, received.report_id, ReportLevel.CLASS, DORM)
    with pytest.raises(CaseRuleViolated, match="faculty"):
        intake.forward_report(received.case_id, received.report_id, ReportLevel.GRADE,
                              EventMeta.by("class_teacher", "ct-1"))


def test_a_guardians_report_goes_straight_to_the_school(intake: IntakeApplication) -> None:
    received = intake.report_concern(student_ref="S-1", student_name=None,
                                     concern=staff(Channel.GUARDIAN),
                                     meta=EventMeta.by("guardian", "g-1"))
    report = intake.get_case(received.case_id, Case).report(received.report_id)
    assert report["level"] == "school"


def test_flags_show_on_the_open_case_and_travel_with_later_reports(
        intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    intake.record_key_concerns("S-1", [KeyConcern.LEFT_BEHIND], TEAM)
    intake.record_key_concerns("S-1", [KeyConcern.LEFT_BEHIND], TEAM)
    intake.report_concern(student_ref="S-1", student_name=None, concern=staff(), meta=TEACHER)
    assert intake.get_case(first.case_id, Case).key_concerns == ["left_behind"]
    [noted] = published(intake, PUBLISHED, "KeyConcernsNoted")
    assert noted.case_id == first.case_id and noted.data["key_concerns"] == ["left_behind"]
    [attached] = published(intake, PUBLISHED, "ReportAttached")
    assert attached.data["key_concerns"] == ["left_behind"]


def test_a_flagged_student_without_a_case_has_the_flags_on_the_first_report(
        intake: IntakeApplication) -> None:
    intake.record_key_concerns("S-1", [KeyConcern.BULLYING_VICTIM, KeyConcern.POVERTY], TEAM)
    assert published(intake, PUBLISHED, "KeyConcernsNoted") == []
    intake.report_concern(student_ref="S-1", student_name=None, concern=staff(), meta=TEACHER)
    [detected] = published(intake, PUBLISHED, "CaseDetected")
    assert detected.data["key_concerns"] == ["bullying_victim", "poverty"]


def test_no_flags_for_a_student_intake_does_not_know_leave_no_trace_of_the_student(
        intake: IntakeApplication) -> None:
    before = intake.recorder.max_notification_id()
    assert intake.record_key_concerns("S-9", [], TEAM) == []
    assert intake.recorder.max_notification_id() == before
    assert intake.find_case(Student.id_for(intake.student_key("S-9")), Student) is None


def test_a_concern_after_closure_opens_a_case_linked_to_the_last_one(
        intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name="李四", concern=staff(),
                                  meta=TEACHER)
    close(intake, first.case_id)
    second = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                   meta=TEACHER)
    assert second.opened and second.previous_case_id == first.case_id
    detected = published(intake, PUBLISHED, "CaseDetected")
    assert detected[-1].data["previous_case_id"] == str(first.case_id)
    growth = intake.student_file("S-1", purpose="growth_file", reader=READER)
    assert [c["case_id"] for c in growth["cases"]] == [first.case_id, second.case_id]
    assert growth["open_case_id"] == second.case_id
    viewed = published(intake, PUBLISHED, "CaseViewed")
    assert {v.case_id for v in viewed} == {first.case_id, second.case_id}
    assert all(v.data == {"purpose": "growth_file", "what": "growth_file"} for v in viewed)


def test_a_reopened_case_takes_the_students_concerns_again(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    closed = close(intake, first.case_id)
    reopened = envelope("referral", first.case_id, referral.CaseReopened(
        reason=ReopenReason.RELAPSE, closed_event_id=closed.event_id))
    assert deliver(intake, intake.on_case_reopened, reopened)
    again = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    assert not again.opened and again.case_id == first.case_id
    assert intake.get_case(first.case_id, Case).reopenings[0]["reason"] == "relapse"


def test_a_reopening_stays_closed_when_the_student_has_a_newer_open_case(
        intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    closed = close(intake, first.case_id)
    newer = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    reopened = envelope("referral", first.case_id, referral.CaseReopened(
        reason=ReopenReason.NEW_INFORMATION, closed_event_id=closed.event_id))
    assert deliver(intake, intake.on_case_reopened, reopened)
    case = intake.get_case(first.case_id, Case)
    assert case.closed and case.reopenings[0]["kept_closed_for"] == newer.case_id
    later = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    assert later.case_id == newer.case_id


def test_an_incident_opens_the_case_as_imminent_and_starts_the_emergency_plan(
        intake: IntakeApplication) -> None:
    received = intake.report_incident(student_ref="S-1", student_name=None,
                                      kind=IncidentKind.SUICIDE_ATTEMPT,
                                      description="天台", meta=TEACHER)
    [detected] = published(intake, PUBLISHED, "CaseDetected")
    assert detected.data["channel"] == "incident" and detected.data["imminent"] is True
    assert detected.data["signs"] == ["suicide_attempt"]
    [reported] = published(intake, PUBLISHED, "IncidentReported")
    assert reported.case_id == received.case_id
    assert reported.data["checklist"][:3] == ["secure_scene", "first_aid", "contact_guardians"]
    assert reported.data["student_key"] == detected.data["student_key"]
    intake.complete_checklist_item(received.case_id, received.incident_id, "secure_scene",
                                   TEACHER)
    with pytest.raises(CaseRuleViolated):
        intake.complete_checklist_item(received.case_id, received.incident_id,
                                       "secure_scene", TEACHER)
    [done] = published(intake, PUBLISHED, "ChecklistItemDone")
    assert done.data == {"incident_id": str(received.incident_id), "item": "secure_scene"}


def test_an_incident_joins_the_open_case(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    received = intake.report_incident(student_ref="S-1", student_name=None,
                                      kind=IncidentKind.VIOLENCE, description="", meta=TEACHER)
    assert not received.opened and received.case_id == first.case_id
    [attached] = published(intake, PUBLISHED, "ReportAttached")
    assert attached.data["imminent"] is True and attached.data["channel"] == "incident"


def test_a_transfer_needs_consent(intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    with pytest.raises(CaseRuleViolated, match="consent"):
        intake.disclose_transfer(first.case_id, to_school="middle-9",
                                 to_stage=SchoolStage.MIDDLE, consent=None, meta=TEAM)


def test_a_transfer_sends_the_entitled_history_and_opens_a_record_at_the_new_school(
        intake: IntakeApplication) -> None:
    first = intake.report_concern(student_ref="S-1", student_name="王五", concern=staff(),
                                  meta=TEACHER)
    intake.record_key_concerns("S-1", [KeyConcern.GRADUATING_CLASS], TEAM)
    consent = TransferConsent(GuardianRank.PRIMARY, datetime(2026, 6, 30, tzinfo=UTC),
                              student_consented=True)
    transfer = intake.disclose_transfer(first.case_id, to_school="middle-9",
                                        to_stage=SchoolStage.MIDDLE, consent=consent,
                                        meta=TEAM)
    record = intake.receive_transfer(transfer.id, student_ref="M-2026-1",
                                     school_code="middle-9",
                                     meta=EventMeta.by("psych_teacher", "m-p1"))
    with pytest.raises(CaseRuleViolated, match="received already"):
        intake.receive_transfer(transfer.id, student_ref="M-2026-1", school_code="middle-9",
                                meta=TEAM)
    [disclosed] = published(intake, PUBLISHED, "TransferDisclosed")
    assert disclosed.case_id == first.case_id and disclosed.data["to_school"] == "middle-9"
    assert disclosed.data["categories"] == ["case_summary", "key_concerns", "report_history",
                                            "incidents"]
    [received] = published(intake, PUBLISHED, "TransferReceived")
    assert received.case_id == record.id != first.case_id
    assert received.data["from_case_id"] == str(first.case_id)
    assert received.data["from_school"] == "primary-3"
    packet = intake.transfer_packet(transfer.id, purpose="transfer", reader=READER)
    assert packet["history"]["key_concerns"] == ["graduating_class"]
    assert packet["received_record_id"] == record.id
    assert "平时很安静" not in repr(packet)
    growth = intake.student_file("M-2026-1", purpose="growth_file", reader=READER)
    assert growth["cases"][0]["kind"] == "transferred_record"
    later = intake.report_concern(student_ref="M-2026-1", student_name=None, concern=staff(),
                                  meta=TEACHER)
    assert later.opened and later.previous_case_id == record.id
    assert isinstance(intake.read_record(record.id, purpose="audit", reader=READER),
                      TransferredRecord)

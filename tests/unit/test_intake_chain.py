"""Intake: who may report through which channel, and a staff report's climb up the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Channel, ReportLevel, Role
from services.intake.domain.case import Case, Concern
from services.intake.domain.report_chain import (
    ChainKind,
    RoleNotPermitted,
    check_acknowledger,
    check_forwarder,
    next_level,
    reporter_problem,
    starting_level,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def by(role: str, actor_id: str = "a1") -> EventMeta:
    return EventMeta.by(role, actor_id, occurred_at=AT)


def staff_report(level: ReportLevel = ReportLevel.CLASS) -> tuple[Case, Concern]:
    concern = Concern(uuid4(), Channel.STAFF_OBSERVATION, [], False, "", level=level)
    case = Case.detect(uuid4(), student_key="k", student_ref="S-1", student_name=None,
                       concern=concern, meta=by("subject_teacher", "st1"))
    return case, concern


@pytest.mark.parametrize(("chain", "role", "level"), [
    (ChainKind.SCHOOL, "class_teacher", ReportLevel.CLASS),
    (ChainKind.SCHOOL, "subject_teacher", ReportLevel.CLASS),
    (ChainKind.SCHOOL, "psych_monitor", ReportLevel.CLASS),
    (ChainKind.SCHOOL, "dorm_staff", ReportLevel.CLASS),
    (ChainKind.SCHOOL, "grade_leader", ReportLevel.GRADE),
    (ChainKind.SCHOOL, "psych_teacher", ReportLevel.SCHOOL),
    (ChainKind.UNIVERSITY, "dorm_staff", ReportLevel.DORM),
    (ChainKind.UNIVERSITY, "class_teacher", ReportLevel.CLASS),
    (ChainKind.UNIVERSITY, "faculty_leader", ReportLevel.FACULTY),
    (ChainKind.UNIVERSITY, "grade_leader", ReportLevel.FACULTY),
])
def test_a_staff_report_starts_at_its_reporters_level(
        chain: ChainKind, role: str, level: ReportLevel) -> None:
    assert starting_level(chain, Channel.STAFF_OBSERVATION, role) is level


@pytest.mark.parametrize("channel", [c for c in Channel if c is not Channel.STAFF_OBSERVATION])
def test_every_other_channel_goes_straight_to_the_school(channel: Channel) -> None:
    assert starting_level(ChainKind.UNIVERSITY, channel, "system") is ReportLevel.SCHOOL


def test_the_chains_climb_one_level_at_a_time_to_the_school() -> None:
    assert next_level(ChainKind.SCHOOL, ReportLevel.CLASS) is ReportLevel.GRADE
    assert next_level(ChainKind.SCHOOL, ReportLevel.GRADE) is ReportLevel.SCHOOL
    assert next_level(ChainKind.SCHOOL, ReportLevel.SCHOOL) is None
    assert next_level(ChainKind.UNIVERSITY, ReportLevel.DORM) is ReportLevel.CLASS
    assert next_level(ChainKind.UNIVERSITY, ReportLevel.CLASS) is ReportLevel.FACULTY
    assert next_level(ChainKind.UNIVERSITY, ReportLevel.FACULTY) is ReportLevel.SCHOOL


@pytest.mark.parametrize(("channel", "role"), [
    (Channel.STAFF_OBSERVATION, Role.CLASS_TEACHER), (Channel.STAFF_OBSERVATION, Role.DORM_STAFF),
    (Channel.HOTLINE, Role.HOTLINE_OPERATOR), (Channel.GUARDIAN, Role.GUARDIAN),
    (Channel.PEER, Role.PEER), (Channel.SELF_REPORT, Role.STUDENT),
    (Channel.HOME_VISIT, Role.CLASS_TEACHER), (Channel.ONLINE_PLATFORM, Role.SYSTEM),
])
def test_a_reporter_may_use_the_channel_their_role_fits(channel: Channel, role: Role) -> None:
    assert reporter_problem(channel, role) is None


@pytest.mark.parametrize(("channel", "role", "fault"), [
    (Channel.GUARDIAN, Role.CLASS_TEACHER, "role"), (Channel.HOTLINE, Role.GUARDIAN, "role"),
    (Channel.STAFF_OBSERVATION, Role.GUARDIAN, "role"), (Channel.SELF_REPORT, Role.PEER, "role"),
    (Channel.SCREENING, Role.PSYCH_TEACHER, "channel"),
    (Channel.INCIDENT, Role.CLASS_TEACHER, "channel"),
])
def test_a_reporter_whose_role_does_not_fit_the_channel_is_refused(
        channel: Channel, role: Role, fault: str) -> None:
    problem = reporter_problem(channel, role)
    assert problem is not None and problem[0] == fault


def test_a_report_forwarded_and_acknowledged_shows_its_path_with_who_and_when() -> None:
    case, concern = staff_report()
    case.acknowledge(concern.report_id, ReportLevel.CLASS, by("class_teacher", "ct1"))
    case.forward(concern.report_id, ReportLevel.GRADE, ChainKind.SCHOOL, by("class_teacher", "ct1"))
    case.acknowledge(concern.report_id, ReportLevel.GRADE, by("grade_leader", "gl1"))
    case.forward(concern.report_id, ReportLevel.SCHOOL, ChainKind.SCHOOL, by("grade_leader", "gl1"))
    report = case.report(concern.report_id)
    assert report["level"] == "school"
    assert [(s["step"], s["level"], s["by_id"], s["at"]) for s in report["path"]] == [
        ("reported", "class", "st1", AT), ("acknowledged", "class", "ct1", AT),
        ("forwarded", "grade", "ct1", AT), ("acknowledged", "grade", "gl1", AT),
        ("forwarded", "school", "gl1", AT)]
    assert [type(e).__name__ for e in case.collect_events()] == [
        "Detected", "ReportAcknowledged", "ReportForwarded", "ReportAcknowledged",
        "ReportForwarded"]


def test_a_report_cannot_skip_a_level() -> None:
    case, concern = staff_report()
    with pytest.raises(CaseRuleViolated, match="grade level next"):
        case.forward(concern.report_id, ReportLevel.SCHOOL, ChainKind.SCHOOL, by("class_teacher"))


def test_a_report_at_the_school_goes_no_further() -> None:
    case, concern = staff_report(ReportLevel.SCHOOL)
    with pytest.raises(CaseRuleViolated, match="no level above"):
        case.forward(concern.report_id, ReportLevel.SCHOOL, ChainKind.SCHOOL, by("principal"))


def test_a_level_acknowledges_only_where_the_report_is_and_only_once() -> None:
    case, concern = staff_report()
    with pytest.raises(CaseRuleViolated, match="at the class level"):
        case.acknowledge(concern.report_id, ReportLevel.GRADE, by("grade_leader"))
    case.acknowledge(concern.report_id, ReportLevel.CLASS, by("class_teacher"))
    with pytest.raises(CaseRuleViolated, match="already"):
        case.acknowledge(concern.report_id, ReportLevel.CLASS, by("class_teacher"))


def test_an_unknown_report_or_a_closed_case_refuses_the_chain() -> None:
    case, concern = staff_report()
    with pytest.raises(CaseRuleViolated, match="no report"):
        case.forward(uuid4(), ReportLevel.GRADE, ChainKind.SCHOOL, by("class_teacher"))
    case.note_closed(by("system"))
    with pytest.raises(CaseRuleViolated, match="closed"):
        case.forward(concern.report_id, ReportLevel.GRADE, ChainKind.SCHOOL, by("class_teacher"))


@pytest.mark.parametrize(("role", "level"), [
    (Role.CLASS_TEACHER, ReportLevel.CLASS), (Role.DORM_STAFF, ReportLevel.DORM),
    (Role.GRADE_LEADER, ReportLevel.CLASS), (Role.GRADE_LEADER, ReportLevel.GRADE),
    (Role.FACULTY_LEADER, ReportLevel.FACULTY), (Role.PSYCH_TEACHER, ReportLevel.GRADE),
    (Role.PRINCIPAL, ReportLevel.CLASS)])
def test_staff_forward_a_report_from_their_own_level_or_below(
        role: Role, level: ReportLevel) -> None:
    check_forwarder(role, level)


@pytest.mark.parametrize(("role", "level"), [
    (Role.CLASS_TEACHER, ReportLevel.GRADE), (Role.DORM_STAFF, ReportLevel.CLASS),
    (Role.GUARDIAN, ReportLevel.CLASS), (Role.AUDITOR, ReportLevel.CLASS)])
def test_no_one_forwards_a_report_from_a_level_above_their_own(
        role: Role, level: ReportLevel) -> None:
    with pytest.raises(RoleNotPermitted, match=f"may not forward a report from the {level}"):
        check_forwarder(role, level)


@pytest.mark.parametrize(("role", "level", "allowed"), [
    (Role.GRADE_LEADER, ReportLevel.GRADE, True), (Role.CLASS_TEACHER, ReportLevel.GRADE, False),
    (Role.FACULTY_LEADER, ReportLevel.FACULTY, True), (Role.PRINCIPAL, ReportLevel.SCHOOL, True),
    (Role.CRISIS_TEAM, ReportLevel.SCHOOL, True), (Role.GRADE_LEADER, ReportLevel.SCHOOL, False),
    (Role.CLASS_TEACHER, ReportLevel.DORM, True), (Role.PSYCH_TEACHER, ReportLevel.CLASS, True),
    (Role.DORM_STAFF, ReportLevel.DORM, False)])
def test_each_level_is_acknowledged_by_its_own_people(
        role: Role, level: ReportLevel, allowed: bool) -> None:
    if allowed:
        check_acknowledger(role, level)
    else:
        with pytest.raises(RoleNotPermitted):
            check_acknowledger(role, level)

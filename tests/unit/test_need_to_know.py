"""Need-to-know: a person stands to a case through their school, their own report, their
assignment or an open break-glass, and through nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.identity.access import Relation
from casetrail.identity.case_access import CaseAccess, Standing, relations_of
from casetrail.identity.principal import Principal
from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import BreakGlassReason, Channel, Role, Sign
from contracts.envelope import Actor, Envelope
from contracts.events import intake
from contracts.events.base import EventData
from services.intake.domain.case import Case
from services.intake.domain.need_to_know import LONGEST_BREAK_GLASS, assignment_problem
from services.intake.domain.report import Concern

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
SCHOOL = "school-1"


def person(role: Role, subject: str = "t-1", school: str | None = SCHOOL) -> Principal:
    return Principal(subject, role, school)


def test_a_teacher_of_another_school_stands_in_no_relation_to_the_case() -> None:
    assert relations_of(Standing(), person(Role.CRISIS_TEAM, school="school-2"), SCHOOL,
                        NOW) == frozenset()


def test_a_teacher_of_the_school_stands_to_its_cases_as_school_only() -> None:
    assert relations_of(Standing(), person(Role.PSYCH_TEACHER), SCHOOL, NOW) == {
        Relation.SCHOOL}


def test_an_assigned_teacher_and_a_reporter_are_told_apart() -> None:
    standing = Standing(reporters=frozenset({"r-1"}), assignees=frozenset({"p-1"}))
    assert Relation.ASSIGNED in relations_of(standing, person(Role.PSYCH_TEACHER, "p-1"),
                                             SCHOOL, NOW)
    assert Relation.ASSIGNED not in relations_of(standing, person(Role.PSYCH_TEACHER, "p-2"),
                                                 SCHOOL, NOW)
    assert relations_of(standing, person(Role.SUBJECT_TEACHER, "r-1"), SCHOOL, NOW) == {
        Relation.SCHOOL, Relation.REPORTER}


def test_a_break_glass_opens_the_case_until_it_expires_and_not_after() -> None:
    standing = Standing(glass=(("x-1", NOW + timedelta(minutes=30)),))
    outsider = person(Role.PSYCH_TEACHER, "x-1", school="school-2")
    assert relations_of(standing, outsider, SCHOOL, NOW) == {Relation.SCHOOL,
                                                             Relation.ASSIGNED}
    assert relations_of(standing, outsider, SCHOOL, NOW + timedelta(minutes=31)) == set()


def _envelope(data: EventData, actor: str = "r-1") -> Envelope:
    return Envelope(event_id=uuid4(), case_id=uuid4(), service="intake",
                    type=type(data).__name__, version=1, occurred_at=NOW, recorded_at=NOW,
                    actor=Actor(role="class_teacher", id=actor), correlation_id=uuid4(),
                    data=data.model_dump(mode="json"))


def test_a_service_notes_who_stands_to_a_case_from_intakes_events_once_each() -> None:
    access = CaseAccess(uuid4())
    assigned = intake.CaseAssigned(assignee_id="p-1", assignee_role=Role.PSYCH_TEACHER)
    glass = intake.BreakGlassOpened(reason=BreakGlassReason.IMMINENT_DANGER,
                                    until=NOW + timedelta(minutes=20))
    opened = _envelope(glass, actor="x-1")
    for envelope, data in [(_envelope(assigned), assigned), (opened, glass)] * 2:
        access.note(envelope, data)
    assert access.standing() == Standing(frozenset(), frozenset({"p-1"}),
                                         (("x-1", NOW + timedelta(minutes=20)),))
    assert len(access.collect_events()) == 3  # started, assignee, break-glass


def test_only_staff_who_work_cases_are_assigned_and_only_once() -> None:
    assert assignment_problem(Role.PSYCH_TEACHER, already=False) is None
    assert "not assigned to cases" in (assignment_problem(Role.AUDITOR, already=False) or "")
    assert "already" in (assignment_problem(Role.PSYCH_TEACHER, already=True) or "")


def test_a_break_glass_longer_than_allowed_is_refused() -> None:
    concern = Concern(uuid4(), Channel.STAFF_OBSERVATION, [Sign.GRADE_SWING], False, "")
    case = Case.detect(uuid4(), student_key="0" * 32, student_ref="s-1", student_name=None,
                       concern=concern, meta=EventMeta.by("class_teacher", "r-1"))
    with pytest.raises(CaseRuleViolated, match="at most"):
        case.open_break_glass(BreakGlassReason.OUT_OF_HOURS,
                              LONGEST_BREAK_GLASS + timedelta(minutes=1),
                              EventMeta.by("psych_teacher", "x-1"))
    until = case.open_break_glass(BreakGlassReason.OUT_OF_HOURS, timedelta(minutes=15),
                                  EventMeta.by("psych_teacher", "x-1"))
    assert "x-1" in {who for who, _ in case.standing().glass}
    assert until > datetime.now(UTC)

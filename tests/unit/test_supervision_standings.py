"""Who stands to a case, as supervision folds it from intake's events on CASES."""

from __future__ import annotations

from casetrail.identity.access import Relation
from casetrail.identity.principal import Principal
from contracts.codes import Role
from services.supervision.domain.standings import CaseStandings, StandingBook
from tests.worklist_cases import Story

SCHOOL = "school-1"


def book_of(story: Story, hours: float) -> StandingBook:
    standings = CaseStandings()
    for envelope in story.envelopes:
        standings.apply(envelope)
    return StandingBook(standings, SCHOOL, lambda: story.at(hours))


def test_the_reporters_of_a_case_are_whoever_detected_it_or_attached_a_report() -> None:
    story = Story().detected(reporter="ct-1").attached(1, reporter="peer-7")
    book = book_of(story, 2)
    for who, role in (("ct-1", Role.CLASS_TEACHER), ("peer-7", Role.PEER)):
        assert Relation.REPORTER in book.relations(story.case_id, Principal(who, role, SCHOOL))


def test_a_teacher_assigned_to_a_case_stands_assigned_to_it_and_to_no_other() -> None:
    story, other = Story().detected().assigned(1, "pt-1"), Story().detected()
    book = book_of(story, 2)
    teacher = Principal("pt-1", Role.PSYCH_TEACHER, SCHOOL)
    assert book.relations(story.case_id, teacher) == {Relation.ASSIGNED, Relation.SCHOOL}
    assert book.relations(other.case_id, teacher) == {Relation.SCHOOL}


def test_a_break_glass_stands_as_assigned_until_it_runs_out() -> None:
    story = Story().detected()
    story.glass(1, "gl-1", Role.GRADE_LEADER, until=story.at(3))
    leader = Principal("gl-1", Role.GRADE_LEADER, SCHOOL)
    assert Relation.ASSIGNED in book_of(story, 2).relations(story.case_id, leader)
    assert Relation.ASSIGNED not in book_of(story, 3 + 1 / 60).relations(
        story.case_id, leader)


def test_staff_of_another_school_stand_in_no_relation_to_the_schools_cases() -> None:
    story = Story().detected()
    stranger = Principal("ct-9", Role.CLASS_TEACHER, "school-2")
    assert book_of(story, 1).relations(story.case_id, stranger) == frozenset()

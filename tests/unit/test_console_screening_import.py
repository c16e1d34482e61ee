"""The console's reading of intake's preview and import answers."""

from __future__ import annotations

from services.console.domain.screening_import import reason_code, summary_of


def test_each_refusal_intake_words_is_named_by_a_code_and_keeps_intakes_words() -> None:
    summary = summary_of({"accepted": 2, "positive": 1, "imported_already": False, "refused": [
        {"line": 3, "reason": "no recorded informed consent of both the student and the "
                              "guardian for this screening"},
        {"line": 5, "reason": "q1: is not one of yes/no/refused"}]})
    assert summary is not None
    assert [(r.line, r.reason) for r in summary.refused] == [
        (3, "no_consent"), (5, "unreadable_answers")]
    assert summary.refused[1].said == "q1: is not one of yes/no/refused"
    assert summary.rows == 4 and summary.positive == 1 and not summary.imported_already


def test_a_second_row_of_a_student_and_a_student_imported_already_are_told_apart() -> None:
    assert reason_code("the same student as line 2") == "same_student_twice"
    assert reason_code("the student's answers for this screening were imported "
                       "already") == "imported_already"
    assert reason_code("no school_student_id") == "no_student_id"


def test_an_import_lists_the_cases_its_positive_screens_opened_or_joined() -> None:
    summary = summary_of({"accepted": 1, "positive": 1, "refused": [], "cases": [
        {"line": 2, "case_id": "c-1", "report_id": "r-1", "opened": True}]})
    assert summary is not None and summary.cases[0].case_id == "c-1" and summary.cases[0].opened


def test_an_answer_of_another_shape_is_no_summary() -> None:
    assert summary_of({"detail": "no such screening"}) is None
    assert summary_of(b"<html>") is None

"""Intake: screening files read as numbered rows, whatever spreadsheet saved them."""

from __future__ import annotations

import pytest

from services.intake.adapters.sheets import UnreadableSheet, read_sheet
from tests.intake_files import csv_file, xlsx_file

HEADER = ("School_Student_ID", "q1", "q2")


def test_a_csv_file_gives_rows_numbered_as_the_spreadsheet_shows_them() -> None:
    rows = read_sheet("answers.csv", csv_file(HEADER, ("S-1", "yes", "no"), ("", "", ""),
                                              ("S-2", "否", "")))
    assert [(r.line, r.school_student_id, r.values) for r in rows] == [
        (2, "S-1", {"school_student_id": "S-1", "q1": "yes", "q2": "no"}),
        (4, "S-2", {"school_student_id": "S-2", "q1": "否", "q2": None})]


def test_a_csv_saved_by_chinese_excel_is_read_too() -> None:
    [row] = read_sheet("答案.csv", csv_file(HEADER, ("S-1", "是", "否"), encoding="gb18030"))
    assert row.values["q1"] == "是"


def test_an_xlsx_workbook_gives_the_same_rows_with_numbers_as_numbers() -> None:
    rows = read_sheet("answers.xlsx", xlsx_file(HEADER, (20230001, 1, 0.0), ("S-2", None, "no")))
    assert [(r.line, r.school_student_id, r.values["q1"], r.values["q2"]) for r in rows] == [
        (2, "20230001", 1, 0), (3, "S-2", None, "no")]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("a.csv", b"", "empty"),
    ("a.csv", csv_file(("student", "q1"), ("S-1", "yes")), "no school_student_id column"),
    ("a.xlsx", b"PK\x03\x04 not really a workbook", "not an XLSX workbook"),
], ids=["empty", "no student column", "broken workbook"])
def test_a_file_that_cannot_be_read_is_refused_whole(name: str, content: bytes,
                                                    reason: str) -> None:
    with pytest.raises(UnreadableSheet, match=reason):
        read_sheet(name, content)

"""Intake: screening files read as numbered rows, whatever spreadsheet saved them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

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


def rezipped(workbook: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The workbook with each part passed through `change`, as a broken exporter writes it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as parts, zipfile.ZipFile(out, "w") as copy:
        for part in parts.infolist():
            copy.writestr(part, change(part.filename, parts.read(part.filename)))
    return out.getvalue()


WORKBOOK = xlsx_file(HEADER, ("S-1", "yes", "no"))


@pytest.mark.parametrize("content", [
    WORKBOOK[: len(WORKBOOK) // 2],
    WORKBOOK[:-10],
    rezipped(WORKBOOK, lambda name, part: b"<worksheet><sheetData><row>"
             if name.endswith("sheet1.xml") else part),
    rezipped(WORKBOOK, lambda name, part: b"<<<" if name.endswith("styles.xml") else part),
], ids=["cut in half", "end cut off", "sheet xml cut off", "styles not xml"])
def test_a_truncated_or_corrupt_workbook_is_refused_whole_as_unreadable(content: bytes) -> None:
    with pytest.raises(UnreadableSheet, match="not an XLSX workbook"):
        read_sheet("answers.xlsx", content)

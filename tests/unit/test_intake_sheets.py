"""Intake: screening files read as numbered rows, whatever spreadsheet saved them, their
columns found by the instrument's keys or wording in Chinese or English."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from contracts.codes import Instrument
from contracts.instruments import INSTRUMENTS, Language
from services.intake.adapters.sheets import UnreadableSheet, read_sheet, render_template
from services.intake.domain.screening_sheet import (
    Row,
    SheetFormat,
    SheetRefused,
    columns,
    template,
)
from tests.intake_files import csv_file, xlsx_file

PHQ_9 = INSTRUMENTS[Instrument.PHQ_9]
ASQ = INSTRUMENTS[Instrument.ASQ]
HEADER = ("School_Student_ID", *(item.key.upper() for item in ASQ.items))


def rows(filename: str, content: bytes) -> list[Row]:
    sheet = read_sheet(filename, content)
    return sheet.rows(columns(ASQ, sheet.header))


def test_a_csv_file_gives_rows_numbered_as_the_spreadsheet_shows_them() -> None:
    read = rows("answers.csv", csv_file(HEADER, ("S-1", "yes", "no", "no", "no"),
                                        ("", "", "", "", "", ""), ("S-2", "否")))
    assert [(r.line, r.school_student_id, r.values["q1"], r.values["q2"]) for r in read] == [
        (2, "S-1", "yes", "no"), (4, "S-2", "否", None)]
    assert set(read[0].values) == {"school_student_id", "q1", "q2", "q3", "q4", "q5"}


def test_a_csv_saved_by_chinese_excel_is_read_too() -> None:
    [row] = rows("答案.csv", csv_file(HEADER, ("S-1", "是", "否"), encoding="gb18030"))
    assert row.values["q1"] == "是"


def test_an_xlsx_workbook_gives_the_same_rows_with_numbers_as_numbers() -> None:
    read = rows("answers.xlsx", xlsx_file(HEADER, (20230001, 1, 0.0), ("S-2", None, "no")))
    assert [(r.line, r.school_student_id, r.values["q1"], r.values["q2"]) for r in read] == [
        (2, "20230001", 1, 0), (3, "S-2", None, "no")]


@pytest.mark.parametrize("language", list(Language))
def test_the_template_in_either_language_finds_every_column(language: Language) -> None:
    header = template(PHQ_9, language)
    assert columns(PHQ_9, header) == {0: "school_student_id",
                                      **{i: item.key for i, item in
                                         enumerate(PHQ_9.items, start=1)}}
    for fmt in SheetFormat:
        assert read_sheet(f"t.{fmt}", render_template(header, fmt)).header == header


def test_headers_are_found_whatever_their_width_case_or_spacing_and_in_any_order() -> None:
    asked = [item.text[Language.ZH] for item in ASQ.items]
    header = ["班级", " Q5 ", asked[0].replace("，", ",").replace("？", "?"),
              "学 号", *asked[1:4]]
    assert columns(ASQ, header) == {1: "q5", 2: "q1", 3: "school_student_id", 4: "q2",
                                    5: "q3", 6: "q4"}


@pytest.mark.parametrize(("header", "reason"), [
    (["学号", "q1", "q2"], "lacks the asq columns q3, q4, q5"),
    (["name", *(item.key for item in ASQ.items)], "lacks the asq columns school_student_id"),
    (["学号", "school_student_id", *(item.key for item in ASQ.items)],
     "two columns for school_student_id"),
    (["学号", "q1", ASQ.items[0].text[Language.EN], "q2", "q3", "q4", "q5"], "two columns for q1"),
], ids=["items missing", "no student", "student twice", "item twice"])
def test_a_header_without_every_column_once_is_refused_whole(header: list[str],
                                                            reason: str) -> None:
    with pytest.raises(SheetRefused, match=reason):
        columns(ASQ, header)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("a.csv", b"", "empty"),
    ("a.xlsx", b"PK\x03\x04 not really a workbook", "not an XLSX workbook"),
], ids=["empty", "broken workbook"])
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

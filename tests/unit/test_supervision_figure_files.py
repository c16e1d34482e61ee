"""The figures as CSV and XLSX: readable back, headed and named in Chinese and English."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from services.supervision.adapters.figure_files import render_figures
from services.supervision.domain.figure_sheet import HEADER, FigureFormat
from services.supervision.domain.figures import Grouping, Period, SupervisionFigures
from tests.supervision_trails import full_case


def figures() -> dict[str, Any]:
    model = SupervisionFigures(ZoneInfo("Asia/Shanghai"))
    for _ in range(6):
        for message in full_case():
            model.apply(message, "school-a")
    return model.figures(Period(date(2026, 3, 1), date(2026, 3, 31)), Grouping.DISTRICT,
                         {"school-a": "district-east"})


def test_the_csv_reads_back_with_a_header_in_chinese_and_english() -> None:
    content = render_figures(figures(), FigureFormat.CSV)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == HEADER
    by_code = {line[4]: line for line in lines[1:]}
    assert by_code["cases"][3] == "district-east"
    assert by_code["cases"][6] == "6"
    assert by_code["referrals.by_answer.accepted"][5] == (
        "转介 · 按答复 · 接受 / referrals · by answer · accepted")
    assert by_code["by_tier.serious"][5] == "按风险等级 · 较严重 / by tier · serious"
    assert by_code["hours_to_stage.assessed.p50"][6] == "2.0"
    assert lines[1][:3] == ["2026-03-01", "2026-03-31", "学区 / district"]


def test_the_xlsx_reads_back_with_the_same_lines_as_the_csv() -> None:
    workbook = load_workbook(io.BytesIO(render_figures(figures(), FigureFormat.XLSX)))
    lines = [list(line) for line in workbook.worksheets[0].iter_rows(values_only=True)]
    content = render_figures(figures(), FigureFormat.CSV).decode("utf-8-sig")
    as_csv = list(csv.reader(io.StringIO(content)))
    assert tuple(lines[0]) == HEADER
    assert len(lines) == len(as_csv)
    for line, csv_line in zip(lines, as_csv, strict=True):
        assert [_text(v) for v in line[:6]] == csv_line[:6]
        value = line[6]
        assert (float(csv_line[6]) == value if isinstance(value, int | float)
                else _text(value) == csv_line[6])
    assert [lines[1][4], lines[1][6]] == ["cases", 6]


def test_a_suppressed_cell_reads_as_under_five_in_the_sheet() -> None:
    model = SupervisionFigures(ZoneInfo("Asia/Shanghai"))
    for message in full_case():
        model.apply(message, "school-a")
    answer = model.figures(Period(date(2026, 3, 1), date(2026, 3, 31)), Grouping.SCHOOL, {})
    lines = list(csv.reader(io.StringIO(
        render_figures(answer, FigureFormat.CSV).decode("utf-8-sig"))))
    assert {line[6] for line in lines[1:] if line[4] == "cases"} == {"<5"}


def _text(value: object) -> str:
    return "" if value is None else str(value)

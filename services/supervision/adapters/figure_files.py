"""The figures' sheet as a file: CSV (UTF-8 with a byte-order mark, so that Excel opens the
Chinese as Chinese) or XLSX, as intake writes a screening's template."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook

from services.supervision.domain.figure_sheet import FigureFormat, Value, sheet_lines

SHEET_TITLE = "督导 figures"


def render_figures(figures: Mapping[str, Any], fmt: FigureFormat) -> bytes:
    lines = sheet_lines(figures)
    return _xlsx(lines) if fmt is FigureFormat.XLSX else _csv(lines)


def _csv(lines: Iterable[tuple[Value, ...]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(lines)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(lines: Iterable[tuple[Value, ...]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for line in lines:
        sheet.append(list(line))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

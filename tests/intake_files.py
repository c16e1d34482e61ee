"""Screening files as a school would send them, made in the test: CSV and XLSX."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

Line = Sequence[str | int | float | None]


def csv_file(*lines: Line, encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in line) for line in lines)
    return (text + "\r\n").encode(encoding)


def xlsx_file(*lines: Line) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in lines:
        sheet.append(list(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Screening files as rows: CSV (UTF-8, or GB18030 as Chinese Excel saves it) or XLSX;
and the template a school fills in, in both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook

from services.intake.domain.screening_sheet import (
    Cell,
    Sheet,
    SheetFormat,
    SheetRefused,
    blank_as_none,
)


class UnreadableSheet(SheetRefused):
    """The file cannot be read as a sheet at all."""


def read_sheet(filename: str, content: bytes) -> Sheet:
    """The header and the data lines, numbered as the spreadsheet numbers them."""
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        lines = _xlsx_lines(content)
    else:
        lines = _csv_lines(content)
    return _sheet(lines)


def render_template(header: Sequence[str], fmt: SheetFormat) -> bytes:
    """A file holding just the header, for a school to fill in."""
    return _xlsx_template(header) if fmt is SheetFormat.XLSX else _csv_template(header)


def _csv_template(header: Sequence[str]) -> bytes:
    """With a byte-order mark, so that Excel opens the Chinese headers as Chinese."""
    out = io.StringIO(newline="")
    csv.writer(out).writerow(header)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_template(header: Sequence[str]) -> bytes:
    workbook = Workbook()
    workbook.active.append(list(header))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_lines(content: bytes) -> list[list[Cell]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return [list(line) for line in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as error:
            raise UnreadableSheet(f"not a CSV file: {error}") from None
    raise UnreadableSheet("the CSV file is neither UTF-8 nor GB18030 text")


def _xlsx_lines(content: bytes) -> list[list[Cell]]:
    # A truncated or corrupt workbook fails anywhere in openpyxl, zipfile, zlib or the XML
    # parser, with errors of many kinds (BadZipFile, ParseError, KeyError...): all of them
    # mean the file cannot be read, which is the sender's to fix, not a server fault.
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(value) for value in line]
                    for line in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as error:
        raise UnreadableSheet(f"not an XLSX workbook: {type(error).__name__}") from None


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    return str(value)


def _sheet(lines: Sequence[Sequence[Cell]]) -> Sheet:
    if not lines:
        raise UnreadableSheet("the file is empty")
    header = ["" if name is None else str(name).strip() for name in lines[0]]
    return Sheet(header, [(number, list(line))
                          for number, line in enumerate(lines[1:], start=2)
                          if not _blank(line)])


def _blank(line: Iterable[Cell]) -> bool:
    return all(blank_as_none(value) is None for value in line)

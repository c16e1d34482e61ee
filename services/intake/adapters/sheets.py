"""Screening files as rows: CSV (UTF-8, or GB18030 as Chinese Excel saves it) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

Cell = str | int | None

STUDENT_COLUMN = "school_student_id"


class UnreadableSheet(ValueError):
    """The file as a whole cannot be read: no rows are taken from it."""


@dataclass(frozen=True)
class Row:
    line: int  # as the spreadsheet numbers it: the header is line 1
    values: dict[str, Cell]

    @property
    def school_student_id(self) -> str:
        value = self.values.get(STUDENT_COLUMN)
        return "" if value is None else str(value).strip()


def read_sheet(filename: str, content: bytes) -> list[Row]:
    """The data rows, keyed by the header's lower-cased names; blank rows left out."""
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        lines = _xlsx_lines(content)
    else:
        lines = _csv_lines(content)
    return _rows(lines)


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


def _rows(lines: Sequence[Sequence[Cell]]) -> list[Row]:
    if not lines:
        raise UnreadableSheet("the file is empty")
    header = [str(name).strip().lower() if name is not None else "" for name in lines[0]]
    if STUDENT_COLUMN not in header:
        raise UnreadableSheet(f"the header has no {STUDENT_COLUMN} column")
    named = [(i, name) for i, name in enumerate(header) if name]
    return [Row(number, {name: _blank_as_none(line[i] if i < len(line) else None)
                         for i, name in named})
            for number, line in enumerate(lines[1:], start=2) if not _blank(line)]


def _blank_as_none(value: Cell) -> Cell:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _blank(line: Iterable[Cell]) -> bool:
    return all(_blank_as_none(value) is None for value in line)

"""The columns of a screening file: the student's school id and every item of the
instrument, headed by the item's key or its wording in Chinese or English (the template).

A file without a column for every item is refused as a whole: read row by row, a missing
yes/no/refused column would be taken as the student refusing to answer, a positive screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from contracts.instruments import InstrumentDefinition, Language

STUDENT = "school_student_id"
STUDENT_HEADERS = {Language.ZH: "学号", Language.EN: STUDENT}

Cell = str | int | None


class SheetRefused(ValueError):
    """The file as a whole is refused: no rows are taken from it."""


class SheetFormat(StrEnum):
    """The files a screening is imported from and its template downloads as."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    SheetFormat.CSV: "text/csv; charset=utf-8",
    SheetFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Row:
    line: int  # as the spreadsheet numbers it: the header is line 1
    values: dict[str, Cell]  # by what the column holds (see columns)

    @property
    def school_student_id(self) -> str:
        value = self.values.get(STUDENT)
        return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    lines: list[tuple[int, list[Cell]]]  # the data lines by number, blank ones left out

    def rows(self, columns: Mapping[int, str]) -> list[Row]:
        """Each line's cells of the given columns (index → name), blank cells as None."""
        return [Row(number, {name: blank_as_none(cells[i] if i < len(cells) else None)
                             for i, name in columns.items()})
                for number, cells in self.lines]


def blank_as_none(value: Cell) -> Cell:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def template(definition: InstrumentDefinition, language: Language) -> list[str]:
    """The header a school fills in: the student, then each item in the order asked."""
    if language not in definition.languages:
        raise SheetRefused(f"{definition.instrument.value} has no {language.value} wording")
    return [STUDENT_HEADERS[language], *(item.text[language] for item in definition.items)]


def columns(definition: InstrumentDefinition, header: Sequence[str]) -> dict[int, str]:
    """Which column holds the student and which each item: column index → school_student_id
    or the item's key. Other columns (a name, a class) are left unread."""
    names = {_comparable(name): STUDENT for name in (STUDENT, *STUDENT_HEADERS.values())}
    for item in definition.items:
        for name in (item.key, *item.text.values()):
            names[_comparable(name)] = item.key
    found: dict[int, str] = {}
    for index, heading in enumerate(header):
        if (key := names.get(_comparable(heading))) is None:
            continue
        if key in found.values():
            raise SheetRefused(f"the header has two columns for {key}")
        found[index] = key
    wanted = [STUDENT, *(item.key for item in definition.items)]
    if missing := [key for key in wanted if key not in found.values()]:
        raise SheetRefused(
            f"the header lacks the {definition.instrument.value} columns "
            f"{', '.join(missing)}: every item needs its column, headed by its key or its "
            f"wording as in the screening's template.csv (school id: {STUDENT} or 学号)")
    return found


def _comparable(heading: str) -> str:
    """Full- and half-width forms, case and spaces do not tell headers apart."""
    return "".join(unicodedata.normalize("NFKC", heading).casefold().split())

"""A screening file's preview and import as the console shows them: intake's answer (rows
taken, positive screens, each refused line and why) with each refusal's reason named by a
code the catalogues word, beside intake's own sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The start of each refusal intake words (services/intake/application/screenings.py), and
# the code the console words it by; an answer that cannot be read is `unreadable_answers`.
REASONS = (
    ("no school_student_id", "no_student_id"),
    ("the school_student_id is not a school id", "not_a_school_id"),
    ("the same student as line", "same_student_twice"),
    ("the student's answers for this screening were imported already", "imported_already"),
    ("no recorded informed consent", "no_consent"),
)


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str  # a code
    said: str  # intake's words


@dataclass(frozen=True)
class CaseOpened:
    line: int
    case_id: str
    opened: bool  # a new case, else one the student had open


@dataclass(frozen=True)
class ImportSummary:
    accepted: int
    positive: int
    refused: tuple[RefusedRow, ...]
    imported_already: bool = False
    cases: tuple[CaseOpened, ...] = ()

    @property
    def rows(self) -> int:
        return self.accepted + len(self.refused)


def reason_code(said: str) -> str:
    return next((code for start, code in REASONS if said.startswith(start)),
                "unreadable_answers")


def summary_of(answer: Any) -> ImportSummary | None:
    """Intake's preview or import answer; None for an answer not of that shape."""
    if not isinstance(answer, dict) or not isinstance(answer.get("accepted"), int):
        return None
    refused = tuple(RefusedRow(int(r["line"]), reason_code(str(r["reason"])), str(r["reason"]))
                    for r in answer.get("refused") or () if isinstance(r, dict))
    cases = tuple(CaseOpened(int(c["line"]), str(c["case_id"]), bool(c.get("opened")))
                  for c in answer.get("cases") or () if isinstance(c, dict))
    return ImportSummary(answer["accepted"], int(answer.get("positive") or 0), refused,
                         bool(answer.get("imported_already")), cases)

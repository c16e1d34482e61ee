"""The yearly screening: consent first, then the answers, imported a file at a time."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from casetrail.kernel import EventMeta
from casetrail.personal.sealing import PersonalData
from contracts.codes import Channel, GuardianRank, Instrument, Role
from contracts.events.base import ScreenResult
from contracts.instruments import INSTRUMENTS, InvalidAnswers, Language, items_of, score
from services.intake.application.cases import CaseDesk, IntakePolicy
from services.intake.domain.case import Concern
from services.intake.domain.screening import ConsentRecord, Screening
from services.intake.domain.screening_sheet import Row, Sheet, SheetFormat, columns, template

# The school id as every other door of intake takes it (reports, consents, transfers).
SCHOOL_STUDENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
BAD_STUDENT_ID = ("the school_student_id is not a school id (at most 64 letters, digits "
                  "or _ . : -)")
NO_CONSENT = ("no recorded informed consent of both the student and the guardian "
              "for this screening")


class SheetReader(Protocol):
    def __call__(self, filename: str, content: bytes) -> Sheet:
        """The header and the data lines of an uploaded file; SheetRefused if it cannot
        be read as a sheet at all."""


class TemplateRenderer(Protocol):
    def __call__(self, header: Sequence[str], fmt: SheetFormat) -> bytes:
        """A file of the format holding just the header, for a school to fill in."""


@dataclass(frozen=True)
class TemplateFile:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Consent:
    school_student_id: str
    student_consented: bool
    guardian_consented: bool
    guardian_rank: GuardianRank | None = None
    recorded_at: datetime | None = None


class ScreeningDesk(CaseDesk):
    def __init__(self, env: dict[str, str], pseudonym_key: bytes,
                 policy: IntakePolicy | None = None, *, read_sheet: SheetReader,
                 render_template: TemplateRenderer, personal: PersonalData) -> None:
        super().__init__(env, pseudonym_key, policy, personal=personal)
        self._read_sheet = read_sheet
        self._render_template = render_template

    def schedule_screening(self, *, instrument: Instrument, held_on: date,
                           grade_label: str | None, meta: EventMeta) -> UUID:
        screening = Screening.schedule(uuid4(), instrument=instrument, held_on=held_on,
                                       grade_label=grade_label, meta=meta)
        self.record(screening)
        return screening.id

    def record_consents(self, screening_id: UUID, consents: list[Consent],
                        meta: EventMeta) -> int:
        """Informed consent per student; both must say yes, a later no withdraws it."""
        screening = self.get_case(screening_id, Screening)
        screening.record_consents([
            ConsentRecord(student_key=self.student_key(c.school_student_id),
                          student_consented=c.student_consented,
                          guardian_consented=c.guardian_consented,
                          guardian_rank=int(c.guardian_rank) if c.guardian_rank else None,
                          recorded_at=c.recorded_at or datetime.now(UTC))
            for c in consents], meta)
        self.record(screening)
        return sum(screening.consent_given(k) for k in screening.consents)

    def screening_template(self, screening_id: UUID, language: Language) -> list[str]:
        """The header of the file the screening's answers are imported from."""
        screening = self.get_case(screening_id, Screening)
        return template(INSTRUMENTS[screening.instrument], language)

    def template_file(self, header: Sequence[str], language: Language,
                      fmt: SheetFormat) -> TemplateFile:
        """The template to download. It touches no store, so it is rendered off the
        application thread."""
        return TemplateFile(self._render_template(header, fmt), fmt.media_type,
                            f"screening-{language.value}.{fmt.value}")

    def read_sheet(self, filename: str, content: bytes) -> Sheet:
        """An uploaded file as a sheet. It touches no store, so a large workbook is read off
        the application thread and stalls no other command."""
        return self._read_sheet(filename, content)

    def import_screening(self, screening_id: UUID, *, filename: str, content: bytes,
                         meta: EventMeta, sheet: Sheet | None = None) -> dict[str, Any]:
        """Score the consented rows, refuse the others by line; positive screens open or
        join cases. The same file again (by its sha256) changes nothing and gets the same
        report; a student scored once in this screening is not scored again. A file that
        cannot be read, or lacks a column of the instrument, is refused whole
        (SheetRefused): nothing is taken from it.

        `sheet` is the file when read already (read_sheet): the HTTP API reads it off this
        (single) application thread."""
        screening = self.get_case(screening_id, Screening)
        sha256 = hashlib.sha256(content).hexdigest()
        if sha256 in screening.batches:
            return screening.batches[sha256]
        if sheet is None:
            sheet = self._read_sheet(filename, content)
        scored, refused = self._checked(screening, sheet)
        self.personal.prepare(key for _, key, _ in scored)
        items = items_of(screening.instrument)
        accepted: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        changed: list[Aggregate] = []
        for row, key, result in scored:
            screen = result.model_dump(mode="json")
            accepted.append({"line": row.line, "student_key": key, "screen": screen,
                             "answers": self.personal.seal(
                                 key, {item: row.values.get(item) for item in items})})
            if result.positive:
                received, touched = self.take_concern(
                    student_ref=row.school_student_id, student_name=None,
                    concern=Concern(uuid4(), Channel.SCREENING, [], result.acute,
                                    _description(screening, result.band), screen=screen),
                    meta=_reporter(meta))
                changed.extend(touched)
                cases.append({"line": row.line, "case_id": received.case_id,
                              "report_id": received.report_id, "opened": received.opened})
        report = {"batch_id": screening.batch_id_for(sha256), "screening_id": screening.id,
                  "accepted": len(accepted), "positive": len(cases), "refused": refused,
                  "cases": cases}
        screening.record_batch(sha256, filename=filename, accepted=accepted, refused=refused,
                               report=report, meta=meta)
        self.record(screening, *changed)
        return report

    def preview_screening(self, screening_id: UUID, *, filename: str, content: bytes,
                          sheet: Sheet | None = None) -> dict[str, Any]:
        """What importing the file would take and refuse, by the import's own checks, with
        nothing recorded: how many rows would be scored, how many screen positive, and each
        refused line with its reason; never an answer. A file imported already says so
        (`imported_already`): importing it again changes nothing. SheetRefused as the
        import refuses it."""
        screening = self.get_case(screening_id, Screening)
        sha256 = hashlib.sha256(content).hexdigest()
        if sha256 in screening.batches:
            batch = screening.batches[sha256]
            return {"screening_id": screening.id, "imported_already": True,
                    "accepted": batch["accepted"], "positive": batch["positive"],
                    "refused": batch["refused"]}
        if sheet is None:
            sheet = self._read_sheet(filename, content)
        scored, refused = self._checked(screening, sheet)
        return {"screening_id": screening.id, "imported_already": False,
                "accepted": len(scored),
                "positive": sum(result.positive for _, _, result in scored),
                "refused": refused}

    def _checked(self, screening: Screening, sheet: Sheet
                 ) -> tuple[list[tuple[Row, str, ScreenResult]], list[dict[str, Any]]]:
        """The sheet's rows as the import takes them: each scored row with its student's
        key and result, and each refused line with its reason."""
        rows = sheet.rows(columns(INSTRUMENTS[screening.instrument], sheet.header))
        items = items_of(screening.instrument)
        scored: list[tuple[Row, str, ScreenResult]] = []
        refused: list[dict[str, Any]] = []
        lines: dict[str, int] = {}
        for row in rows:
            key = self.student_key(row.school_student_id)
            reason = self._refusal(screening, row, key, lines)
            if reason is None:
                try:
                    result = score(screening.instrument,
                                   {item: row.values.get(item) for item in items})
                except InvalidAnswers as invalid:
                    reason = str(invalid)
            if reason is not None:
                refused.append({"line": row.line, "reason": reason})
                continue
            lines[key] = row.line
            scored.append((row, key, result))
        return scored, refused

    def _refusal(self, screening: Screening, row: Row, key: str,
                 lines: dict[str, int]) -> str | None:
        if not row.school_student_id:
            return "no school_student_id"
        if not SCHOOL_STUDENT_ID.fullmatch(row.school_student_id):
            return BAD_STUDENT_ID
        if key in lines:
            return f"the same student as line {lines[key]}"
        if key in screening.screened:
            return "the student's answers for this screening were imported already"
        if not screening.consent_given(key):
            return NO_CONSENT
        return None


def _reporter(meta: EventMeta) -> EventMeta:
    """A psychology teacher's import reports as them; anyone else's as the system."""
    if meta.actor_role == Role.PSYCH_TEACHER.value:
        return meta
    return replace(meta, actor_role=Role.SYSTEM.value)


def _description(screening: Screening, band: str) -> str:
    label = f" ({screening.grade_label})" if screening.grade_label else ""
    return (f"{screening.instrument.value} screening of {screening.held_on.isoformat()}"
            f"{label}: {band}")

"""A yearly screening (心理测评/筛查): done only with the informed, voluntary consent of the
student and the guardians (001 一(五)2; 003 item 8), its answers imported in batches.

The answers stay here; what leaves intake is the scored result on a case."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta
from contracts.codes import Instrument


@dataclass(frozen=True)
class ConsentRecord:
    student_key: str
    student_consented: bool
    guardian_consented: bool
    guardian_rank: int | None
    recorded_at: datetime

    @property
    def given(self) -> bool:
        return self.student_consented and self.guardian_consented


class Screening(Aggregate):
    class Scheduled(Aggregate.Created):
        instrument: str
        held_on: date
        grade_label: str | None
        meta: EventMeta

    @event(Scheduled)
    def __init__(self, instrument: str, held_on: date, grade_label: str | None,
                 meta: EventMeta) -> None:
        self.instrument = Instrument(instrument)
        self.held_on = held_on
        self.grade_label = grade_label
        self.consents: dict[str, ConsentRecord] = {}
        # sha256 of an imported file → the batch it became
        self.batches: dict[str, dict[str, Any]] = {}
        # student key → the batch whose row scored them
        self.screened: dict[str, UUID] = {}

    @classmethod
    def schedule(cls, screening_id: UUID, *, instrument: Instrument, held_on: date,
                 grade_label: str | None, meta: EventMeta) -> Screening:
        return cls._create(cls.Scheduled, id=screening_id, instrument=instrument.value,
                           held_on=held_on, grade_label=grade_label, meta=meta)

    # Consent.

    class ConsentsRecorded(Aggregate.Event):
        consents: list[dict[str, Any]]
        meta: EventMeta

    @event(ConsentsRecorded)
    def _consents_recorded(self, consents: list[dict[str, Any]], meta: EventMeta) -> None:
        for raw in consents:
            record = ConsentRecord(**raw)
            known = self.consents.get(record.student_key)
            # The latest decision counts: a withdrawal is a later record saying no.
            if known is None or record.recorded_at >= known.recorded_at:
                self.consents[record.student_key] = record

    def record_consents(self, consents: list[ConsentRecord], meta: EventMeta) -> None:
        if consents:
            self._consents_recorded([asdict(c) for c in consents], meta)

    def consent_given(self, student_key: str) -> bool:
        record = self.consents.get(student_key)
        return record is not None and record.given

    # Imports.

    def batch_id_for(self, sha256: str) -> UUID:
        return uuid5(self.id, f"batch:{sha256}")

    class BatchImported(Aggregate.Event):
        """One file's rows: those scored (answers and result, kept here) and those refused
        with their line number and reason."""

        batch_id: UUID
        sha256: str
        filename: str
        accepted: list[dict[str, Any]]
        refused: list[dict[str, Any]]
        report: dict[str, Any]
        meta: EventMeta

    @event(BatchImported)
    def _batch_imported(self, batch_id: UUID, sha256: str, filename: str,
                        accepted: list[dict[str, Any]], refused: list[dict[str, Any]],
                        report: dict[str, Any], meta: EventMeta) -> None:
        self.batches[sha256] = report
        for row in accepted:
            self.screened[row["student_key"]] = batch_id

    def record_batch(self, sha256: str, *, filename: str, accepted: list[dict[str, Any]],
                     refused: list[dict[str, Any]], report: dict[str, Any],
                     meta: EventMeta) -> None:
        self._batch_imported(self.batch_id_for(sha256), sha256, filename, accepted, refused,
                             report, meta)

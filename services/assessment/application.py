"""Assessment's commands and queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Tracking

from casetrail.kernel import EventMeta, event_id_of, following
from casetrail.personal.records import PersonalRecords
from casetrail.store import snapshotted
from contracts.case_state import AssessmentPart
from contracts.codes import Channel, Instrument
from contracts.envelope import Envelope
from contracts.events import intake
from contracts.events.base import ScreenResult
from services.assessment.case_part import part_of
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision


class AssessmentApplication(PersonalRecords):
    """The raw answers of an instrument and a decision's rationale are sealed under the
    student's data key before they go into an event."""

    name = "assessment"
    snapshotting_intervals = snapshotted(Assessment)

    def on_case_detected(self, envelope: Envelope, data: intake.CaseDetected,
                         tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        assessment = Assessment.open(envelope.case_id, data.student_key, meta)
        self._consider(assessment, data, meta)
        self.record(assessment, tracking=tracking)

    def on_report_attached(self, envelope: Envelope, data: intake.ReportAttached,
                           tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        self._consider(assessment, data, following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    @staticmethod
    def _consider(assessment: Assessment, data: intake.CaseDetected | intake.ReportAttached,
                  meta: EventMeta) -> None:
        assessment.consider(data.report_id, data.signs, data.imminent, meta,
                            key_concerns=data.key_concerns, screen=data.screen,
                            incident=data.channel is Channel.INCIDENT)

    def on_key_concerns_noted(self, envelope: Envelope, data: intake.KeyConcernsNoted,
                              tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        assessment.note_key_concerns(data.key_concerns, following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    def on_case_closed(self, envelope: Envelope, _: object, tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        assessment.note_closed(following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    def on_case_reopened(self, envelope: Envelope, _: object, tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        assessment.note_reopened(following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    def score_instrument(self, case_id: UUID, instrument: Instrument,
                         answers: Mapping[str, str | int | None], *,
                         language: str | None, meta: EventMeta) -> ScreenResult:
        assessment = self.get_case(case_id, Assessment)
        result = assessment.score_instrument(
            instrument, answers, language, meta,
            kept_as=self.personal.seal(assessment.student_key, dict(answers)))
        self.record(assessment)
        return result

    def decide(self, case_id: UUID, decision: Decision, *, meta: EventMeta) -> Assessment:
        assessment = self.get_case(case_id, Assessment)
        if assessment.decision_follows_crisis_path and assessment.crisis_path_version:
            # The formal decision follows the imminent-danger start: same chain, caused by it.
            meta = replace(
                meta,
                causation_id=event_id_of(self.name, case_id, assessment.crisis_path_version),
                correlation_id=assessment.crisis_path_correlation or meta.correlation_id)
        assessment.decide(decision, meta, rationale_kept_as=self.personal.seal(
            assessment.student_key, decision.rationale))
        self.record(assessment)
        return assessment

    def state_at(self, case_id: UUID, as_of: datetime, *, purpose: str,
                 reader: EventMeta) -> AssessmentPart:
        """The case as assessment's store had it at `as_of`; the read is logged."""
        return part_of(self.read_case_as_of(case_id, Assessment, as_of, purpose=purpose,
                                            reader=reader))

"""Assessment's commands and queries."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Tracking

from casetrail.bus.inbox import following
from casetrail.kernel import EventMeta
from casetrail.store import ServiceApplication
from contracts.codes import Tier
from contracts.envelope import Envelope
from contracts.events import intake
from services.assessment.domain.assessment import Assessment


class AssessmentApplication(ServiceApplication):
    name = "assessment"

    def on_case_detected(self, envelope: Envelope, data: intake.CaseDetected,
                         tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        assessment = Assessment.open(envelope.case_id, data.student_key, meta)
        assessment.consider(data.report_id, data.signs, data.imminent, meta)
        self.record(assessment, tracking=tracking)

    def on_report_attached(self, envelope: Envelope, data: intake.ReportAttached,
                           tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        assessment.consider(data.report_id, data.signs, data.imminent,
                            following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    def on_case_closed(self, envelope: Envelope, _: object, tracking: Tracking) -> None:
        assessment = self.get_case(envelope.case_id, Assessment)
        assessment.note_closed(following(envelope, self.name))
        self.record(assessment, tracking=tracking)

    def decide(self, case_id: UUID, tier: Tier, *, rationale: str,
               participants: list[dict[str, str]], meta: EventMeta) -> Assessment:
        assessment = self.get_case(case_id, Assessment)
        assessment.decide(tier, rationale=rationale, participants=participants, meta=meta)
        self.record(assessment)
        return assessment

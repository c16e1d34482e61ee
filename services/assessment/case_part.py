"""Assessment's part of a case in the shared vocabulary (contracts/case_state.py)."""

from __future__ import annotations

from contracts.case_state import AssessmentPart, Decided
from contracts.envelope import Actor
from services.assessment.domain.assessment import Assessment


def part_of(assessment: Assessment) -> AssessmentPart:
    latest = assessment.decisions[-1] if assessment.decisions else None
    return AssessmentPart(
        proposed_tier=assessment.proposed_tier,
        crisis_path_started=assessment.crisis_path_started, tier=assessment.tier,
        decided=Decided(by=Actor.model_validate(latest["decided_by"]),
                        at=latest["decided_at"]) if latest else None,
        decisions=len(assessment.decisions))

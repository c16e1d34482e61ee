"""The receiver's feedback on a referral it took on: a reference to its discharge summary
and its recommendations for the return to school (Task.output). Both are the receiver's
words about a student: kept sealed under the student's data key, never on the bus."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta
from services.referral.domain.referrals import TAKEN, CaseReferrals


@dataclass(frozen=True)
class Feedback:
    """As the receiver gave it (sealed in the store, opened for a reader)."""

    discharge_summary: str | None = None  # a reference: DocumentReference/<id>, or a URL
    recommendations: str | None = None


class CaseFeedback(CaseReferrals):
    def give_feedback(self, referral_id: UUID, feedback: Feedback, meta: EventMeta) -> None:
        """Only on a referral the receiver took the student on for."""
        referral = self.referral(referral_id)
        if referral.status not in TAKEN:
            raise CaseRuleViolated(f"a referral that is {referral.status} has no feedback "
                                   "to give: the receiver did not take the student on")
        self._feedback_given(referral_id, feedback.discharge_summary,
                             feedback.recommendations, meta)

    class FeedbackGiven(Aggregate.Event):
        referral_id: UUID
        discharge_summary: str | None
        recommendations: str | None
        meta: EventMeta

    @event(FeedbackGiven)
    def _feedback_given(self, referral_id: UUID, discharge_summary: str | None,
                        recommendations: str | None, meta: EventMeta) -> None:
        referral = self.referral(referral_id)
        referral.feedback = {"discharge_summary": discharge_summary,
                             "recommendations": recommendations}
        referral.task_version += 1
        referral.last_modified = meta.occurred_at

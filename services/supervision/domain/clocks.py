"""The domain's clocks as CASES tells them (pure): how long from a case's detection until it
first reached each stage of the pipeline and until a guardian acknowledged, by tier, and each
time a policy time ran out, by kind. Folded in stream order; what comes out names a stage, a
tier or a kind and a duration, never a case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID

from pydantic import ValidationError

from contracts.codes import Tier
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, read_data
from services.supervision.domain.case_progress import (
    COUNTED,
    UNDECIDED,
    CaseProgress,
    Stage,
)

# The events that say a policy time ran out, and the breach each one is.
BREACHES = {
    ("notification", "NoticeEscalated"): "guardian_acknowledgement",
    ("referral", "ReferralUnanswered"): "receiver_answer",
    ("referral", "FollowUpOverdue"): "follow_up",
}
LATE_AUTHORITY_REPORT = "authority_report"


@dataclass(frozen=True)
class Acknowledged:
    """A case's first acknowledgement by a guardian, `seconds` after its detection."""

    tier: str
    seconds: float


@dataclass(frozen=True)
class Reached:
    """A case first reaching `stage` (as the supervisors' figures count it), `seconds` after
    its detection, with the tier it had then."""

    stage: Stage
    tier: str
    seconds: float


@dataclass(frozen=True)
class Breached:
    kind: str


@dataclass
class _Case:
    tier: str = UNDECIDED
    acknowledged: bool = False
    # Where the stages are told: the same rules as the figures', so the two never disagree.
    progress: CaseProgress = field(default_factory=lambda: CaseProgress(school=""))


@dataclass
class CaseClocks:
    cases: dict[UUID, _Case] = field(default_factory=dict)

    def take(self, envelope: Envelope) -> Iterator[Acknowledged | Reached | Breached]:
        """What the next envelope of CASES tells of the clocks (each event once: the
        replica drops an event the relay published twice before its followers see it)."""
        yield from self._breaches_and_acknowledgements(envelope)
        yield from self._stages(envelope)

    def _stages(self, envelope: Envelope) -> Iterator[Reached]:
        if (envelope.service, envelope.type) not in COUNTED:
            return
        try:
            data = read_data(envelope)
        except (UnknownEvent, ValidationError):
            return
        case = self.cases.setdefault(envelope.case_id, _Case())
        before = set(case.progress.reached)
        case.progress.apply(data, envelope.occurred_at)
        detected_at = case.progress.detected_at
        for stage in case.progress.reached.keys() - before:
            if detected_at is not None:
                seconds = (case.progress.reached[stage] - detected_at).total_seconds()
                yield Reached(stage, case.tier, max(0.0, seconds))

    def _breaches_and_acknowledgements(
            self, envelope: Envelope) -> Iterator[Acknowledged | Breached]:
        kind = (envelope.service, envelope.type)
        if kind in BREACHES:
            yield Breached(BREACHES[kind])
        elif kind == ("notification", "AuthorityReportDispatched"):
            if not envelope.data.get("on_time", True):
                yield Breached(LATE_AUTHORITY_REPORT)
        elif kind in {("assessment", "TierDecided"), ("notification", "GuardianNoticeIssued")}:
            if (tier := _tier_of(envelope)) is not None:
                self.cases.setdefault(envelope.case_id, _Case()).tier = tier
        elif kind == ("notification", "GuardianAcknowledged"):
            case = self.cases.setdefault(envelope.case_id, _Case())
            detected_at = case.progress.detected_at
            if not case.acknowledged and detected_at is not None:
                case.acknowledged = True
                yield Acknowledged(case.tier, max(0.0, (envelope.occurred_at
                                                        - detected_at).total_seconds()))


def _tier_of(envelope: Envelope) -> str | None:
    """The tier the event's contract says it carries; None for data its contract does not
    take (a label is one of the tiers, never what a message says)."""
    try:
        tier = getattr(read_data(envelope), "tier", None)
    except (UnknownEvent, ValidationError):
        return None
    return tier.value if isinstance(tier, Tier) else None

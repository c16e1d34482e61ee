"""The domain's clocks as CASES tells them (pure): how long from a case's detection until it
first reached each stage of the pipeline and until a guardian acknowledged, by tier, and each
time a policy time ran out, by kind. Folded in stream order; what comes out names a stage, a
tier or a kind and a duration, never a case. An event whose data its contract does not take
tells nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ValidationError

from contracts.codes import Tier
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, assessment, intake, notification, read_data, referral
from services.supervision.domain.case_progress import (
    COUNTED,
    UNDECIDED,
    Stage,
    stage_reached,
)

# The events that say a policy time ran out, and the breach each one is.
BREACHES = {
    notification.NoticeEscalated: "guardian_acknowledgement",
    referral.ReferralUnanswered: "receiver_answer",
    referral.FollowUpOverdue: "follow_up",
}
LATE_AUTHORITY_REPORT = "authority_report"
# The (service, type) of every event the clocks read (the figures' and the breaches'); the
# others pass by undecoded.
TIMED = COUNTED | {(notification.SERVICE, "NoticeEscalated"),
                   (notification.SERVICE, "AuthorityReportDispatched")}


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
    """What the clocks keep of a case: when it started and what it has reached, no more."""

    detected_at: datetime | None = None
    tier: str = UNDECIDED
    acknowledged: bool = False
    reached: set[Stage] = field(default_factory=set)


@dataclass
class CaseClocks:
    cases: dict[UUID, _Case] = field(default_factory=dict)

    def take(self, envelope: Envelope) -> Iterator[Acknowledged | Reached | Breached]:
        """What the next envelope of CASES tells of the clocks (each event once: the
        replica drops an event the relay published twice before its followers see it)."""
        if (envelope.service, envelope.type) not in TIMED:
            return
        try:
            data = read_data(envelope)
        except (UnknownEvent, ValidationError):
            return
        if (breach := _breach(data)) is not None:
            yield Breached(breach)
            return
        case = self.cases.setdefault(envelope.case_id, _Case())
        at = envelope.occurred_at
        match data:
            case intake.CaseDetected() | intake.TransferReceived():
                case.detected_at = case.detected_at or at
            case assessment.TierDecided(tier=tier) | notification.GuardianNoticeIssued(
                    tier=tier) if isinstance(tier, Tier):
                case.tier = tier.value
        if case.detected_at is None:
            return
        seconds = max(0.0, (at - case.detected_at).total_seconds())
        if isinstance(data, notification.GuardianAcknowledged) and not case.acknowledged:
            case.acknowledged = True
            yield Acknowledged(case.tier, seconds)
        if (stage := stage_reached(data)) is not None and stage not in case.reached:
            case.reached.add(stage)
            yield Reached(stage, case.tier, seconds)


def _breach(data: BaseModel) -> str | None:
    if (kind := BREACHES.get(type(data))) is not None:
        return kind
    if isinstance(data, notification.AuthorityReportDispatched) and not data.on_time:
        return LATE_AUTHORITY_REPORT
    return None

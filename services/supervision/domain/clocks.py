"""The domain's clocks as CASES tells them (pure): how long from a case's detection until a
guardian acknowledged, by tier, and each time a policy time ran out, by kind. Folded in
stream order; what comes out names a tier or a kind and a duration, never a case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from contracts.codes import Tier
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, read_data

UNDECIDED = "undecided"

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
class Breached:
    kind: str


@dataclass
class _Case:
    detected_at: datetime | None = None
    tier: str = UNDECIDED
    acknowledged: bool = False


@dataclass
class CaseClocks:
    cases: dict[UUID, _Case] = field(default_factory=dict)

    def take(self, envelope: Envelope) -> Iterator[Acknowledged | Breached]:
        """What the next envelope of CASES tells of the clocks (each event once: the
        replica drops an event the relay published twice before its followers see it)."""
        kind = (envelope.service, envelope.type)
        if kind in BREACHES:
            yield Breached(BREACHES[kind])
        elif kind == ("notification", "AuthorityReportDispatched"):
            if not envelope.data.get("on_time", True):
                yield Breached(LATE_AUTHORITY_REPORT)
        elif kind in {("intake", "CaseDetected"), ("intake", "TransferReceived")}:
            case = self.cases.setdefault(envelope.case_id, _Case())
            case.detected_at = case.detected_at or envelope.occurred_at
        elif kind in {("assessment", "TierDecided"), ("notification", "GuardianNoticeIssued")}:
            if (tier := _tier_of(envelope)) is not None:
                self.cases.setdefault(envelope.case_id, _Case()).tier = tier
        elif kind == ("notification", "GuardianAcknowledged"):
            case = self.cases.setdefault(envelope.case_id, _Case())
            if not case.acknowledged and case.detected_at is not None:
                case.acknowledged = True
                yield Acknowledged(case.tier, max(0.0, (envelope.occurred_at
                                                        - case.detected_at).total_seconds()))


def _tier_of(envelope: Envelope) -> str | None:
    """The tier the event's contract says it carries; None for data its contract does not
    take (a label is one of the tiers, never what a message says)."""
    try:
        tier = getattr(read_data(envelope), "tier", None)
    except (UnknownEvent, ValidationError):
        return None
    return tier.value if isinstance(tier, Tier) else None

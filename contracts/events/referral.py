from datetime import date
from uuid import UUID

from contracts.codes import ClosureReason, FollowUpOutcome, ReceiverType, ReferralResponse, Tier
from contracts.events.base import CaseViewed, EventData

SERVICE = "referral"


class TierNoted(EventData):
    """Referral took note of the tier: provisional on the crisis path, or decided."""

    tier: Tier
    decided: bool


class FollowUpsScheduled(EventData):
    tier: Tier
    due_dates: list[date]


class ReferralMade(EventData):
    """A handoff, and the disclosure it is: what (field codes) went to whom."""

    referral_id: UUID
    receiver_type: ReceiverType
    receiver_id: str
    disclosed: list[str]


class ReferralAnswered(EventData):
    referral_id: UUID
    response: ReferralResponse


class FollowUpRecorded(EventData):
    number: int
    outcome: FollowUpOutcome
    on_time: bool


class CaseClosed(EventData):
    reason: ClosureReason


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "TierNoted": TierNoted,
    "FollowUpsScheduled": FollowUpsScheduled,
    "ReferralMade": ReferralMade,
    "ReferralAnswered": ReferralAnswered,
    "FollowUpRecorded": FollowUpRecorded,
    "CaseClosed": CaseClosed,
}

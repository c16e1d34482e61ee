"""What referral puts on the bus: receivers, answers, follow-up outcomes, closure; as codes."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import ClosureReason, FollowUpOutcome, ReceiverType, ReferralResponse, Tier
from contracts.events import referral as contract
from services.referral.domain.aftercare import Aftercare


def _tier_noted(e: Aftercare.TierNoted) -> contract.TierNoted:
    return contract.TierNoted(tier=Tier(e.tier), decided=e.decided)


def _scheduled(e: Aftercare.FollowUpsScheduled) -> contract.FollowUpsScheduled:
    return contract.FollowUpsScheduled(tier=Tier(e.tier), due_dates=e.due_dates)


def _referred(e: Aftercare.Referred) -> contract.ReferralMade:
    return contract.ReferralMade(referral_id=e.referral_id,
                                 receiver_type=ReceiverType(e.receiver_type),
                                 receiver_id=e.receiver_id, disclosed=e.disclosed)


def _answered(e: Aftercare.Answered) -> contract.ReferralAnswered:
    return contract.ReferralAnswered(referral_id=e.referral_id,
                                     response=ReferralResponse(e.response))


def _followed_up(e: Aftercare.FollowedUp) -> contract.FollowUpRecorded:
    return contract.FollowUpRecorded(number=e.number, outcome=FollowUpOutcome(e.outcome),
                                     on_time=e.on_time)


def _closed(e: Aftercare.Closed) -> contract.CaseClosed:
    return contract.CaseClosed(reason=ClosureReason(e.reason))


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Aftercare.TierNoted: _tier_noted, Aftercare.FollowUpsScheduled: _scheduled,
     Aftercare.Referred: _referred, Aftercare.Answered: _answered,
     Aftercare.FollowedUp: _followed_up, Aftercare.Closed: _closed},
    internal=frozenset({Aftercare.Opened}),
)

"""What referral puts on the bus: receivers, disclosures and answers, follow-ups, visits,
closure, consents; as ids and codes. Packets, rationales and notes stay here."""

from casetrail.bus.envelopes import PublishedEvents
from casetrail.kernel import event_id_of
from contracts.codes import (
    ClosureReason,
    ConsentPurpose,
    DeclineReason,
    DisclosureBasis,
    FollowUpOutcome,
    GuardianRank,
    GuardianRelationship,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    StudySupport,
    Tier,
)
from contracts.events import referral as contract
from contracts.events.base import EventData
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.consents import CaseConsents
from services.referral.domain.feedback import CaseFeedback
from services.referral.domain.referrals import CaseReferrals
from services.referral.domain.visits import CaseVisits


def _tier_noted(e: Aftercare.TierNoted) -> contract.TierNoted:
    return contract.TierNoted(tier=Tier(e.tier), decided=e.decided)


def _scheduled(e: Aftercare.FollowUpsScheduled) -> contract.FollowUpsScheduled:
    return contract.FollowUpsScheduled(tier=Tier(e.tier), due_dates=e.due_dates)


def _referred(e: CaseReferrals.Referred) -> contract.ReferralMade:
    return contract.ReferralMade(referral_id=e.referral_id,
                                 receiver_type=ReceiverType(e.receiver_type),
                                 receiver_id=e.receiver_id, disclosed=e.disclosed,
                                 basis=DisclosureBasis(e.basis), consent_id=e.consent_id,
                                 answer_by=e.answer_by, rerouted_from=e.rerouted_from,
                                 without_consent=e.basis == DisclosureBasis.SAFETY_OVERRIDE)


def _consent_recorded(e: CaseConsents.ConsentRecorded) -> contract.ConsentRecorded:
    return contract.ConsentRecorded(
        consent_id=e.consent_id, purpose=ConsentPurpose(e.purpose), scope=e.scope,
        given_by_guardian_rank=GuardianRank(e.given_by_guardian_rank),
        relationship=GuardianRelationship(e.relationship) if e.relationship else None,
        given_at=e.given_at, receivers=e.receivers,
        receiver_type=ReceiverType(e.receiver_type) if e.receiver_type else None)


def _consent_withdrawn(e: CaseConsents.ConsentWithdrawn) -> contract.ConsentWithdrawn:
    return contract.ConsentWithdrawn(consent_id=e.consent_id)


# Answers after ReferralAnswered v1, each its own event type.
ANSWER_EVENTS: dict[str, type[contract.ReferralReceived | contract.ReferralNoShow
                          | contract.ReferralFailed | contract.ReferralCancelled]] = {
    ReferralResponse.RECEIVED: contract.ReferralReceived,
    ReferralResponse.NO_SHOW: contract.ReferralNoShow,
    ReferralResponse.FAILED: contract.ReferralFailed,
    ReferralResponse.CANCELLED: contract.ReferralCancelled}


def _answered(e: CaseReferrals.Answered) -> EventData:
    if e.response in ANSWER_EVENTS:
        return ANSWER_EVENTS[e.response](referral_id=e.referral_id)
    return contract.ReferralAnswered(
        referral_id=e.referral_id, response=ReferralResponse(e.response),
        decline_reason=DeclineReason(e.decline_reason) if e.decline_reason else None)


def _feedback(e: CaseFeedback.FeedbackGiven) -> contract.ReferralFeedbackGiven:
    return contract.ReferralFeedbackGiven(referral_id=e.referral_id,
                                          discharge_summary=e.discharge_summary is not None,
                                          recommendations=e.recommendations is not None)


def _delivered(e: CaseReferrals.Delivered) -> contract.ReferralDelivered:
    return contract.ReferralDelivered(referral_id=e.referral_id, attempts=e.attempts)


def _delivery_failed(e: CaseReferrals.DeliveryFailed) -> contract.ReferralDeliveryFailed:
    return contract.ReferralDeliveryFailed(referral_id=e.referral_id, attempt=e.attempt,
                                           reason=e.reason)


def _unanswered(e: CaseReferrals.Unanswered) -> contract.ReferralUnanswered:
    return contract.ReferralUnanswered(referral_id=e.referral_id)


def _followed_up(e: Aftercare.FollowedUp) -> contract.FollowUpRecorded:
    return contract.FollowUpRecorded(number=e.number, outcome=FollowUpOutcome(e.outcome),
                                     on_time=e.on_time)


def _overdue(e: Aftercare.FollowUpOverdue) -> contract.FollowUpOverdue:
    return contract.FollowUpOverdue(number=e.number, due=e.due)


def _return_planned(e: Aftercare.ReturnPlanned) -> contract.ReturnToSchoolPlanned:
    return contract.ReturnToSchoolPlanned(
        plan_id=e.plan_id, study_support=[StudySupport(s) for s in e.study_support],
        review_on=e.review_on, responsible_roles=[Role(r["role"]) for r in e.responsible])


def _visited(e: CaseVisits.HomeVisitRecorded) -> contract.HomeVisitRecorded:
    return contract.HomeVisitRecorded(visit_id=e.visit_id, semester=e.semester,
                                      made_on=e.made_on)


def _visit_due(e: CaseVisits.HomeVisitDue) -> contract.HomeVisitDue:
    return contract.HomeVisitDue(semester=e.semester)


def _closed(e: Aftercare.Closed) -> contract.CaseClosed:
    return contract.CaseClosed(reason=ClosureReason(e.reason))


def _reopened(e: Aftercare.Reopened) -> contract.CaseReopened:
    # The closure's id on the bus, as the relay gave it: the reopening links to it.
    return contract.CaseReopened(
        reason=ReopenReason(e.reason),
        closed_event_id=event_id_of(contract.SERVICE, e.originator_id, e.closed_version))


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Aftercare.TierNoted: _tier_noted, Aftercare.FollowUpsScheduled: _scheduled,
     CaseReferrals.Referred: _referred, CaseReferrals.Answered: _answered,
     CaseFeedback.FeedbackGiven: _feedback, CaseReferrals.Delivered: _delivered,
     CaseReferrals.DeliveryFailed: _delivery_failed,
     CaseReferrals.Unanswered: _unanswered, Aftercare.FollowedUp: _followed_up,
     Aftercare.FollowUpOverdue: _overdue, Aftercare.ReturnPlanned: _return_planned,
     CaseVisits.HomeVisitRecorded: _visited, CaseVisits.HomeVisitDue: _visit_due,
     Aftercare.Closed: _closed, Aftercare.Reopened: _reopened,
     CaseConsents.ConsentRecorded: _consent_recorded,
     CaseConsents.ConsentWithdrawn: _consent_withdrawn},
    # What intake and assessment told us, kept as the context of referrals; and what is
    # flagged for the team's list (why a referral was not re-routed, a report after closure).
    internal=frozenset({Aftercare.Opened, CaseVisits.StudentNoted, CaseReferrals.RerouteHeld,
                        Aftercare.ConcernAfterClosure}),
)

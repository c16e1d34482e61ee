from datetime import date, datetime
from uuid import UUID

from pydantic import Field, field_validator

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
from contracts.events.base import (
    CaseViewed,
    Code,
    DirectoryId,
    EventData,
    StudentErased,
)

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
    receiver_id: DirectoryId
    disclosed: list[Code]
    # Optional, added in issue 4 (same version).
    basis: DisclosureBasis | None = None
    consent_id: UUID | None = None
    answer_by: datetime | None = None
    rerouted_from: UUID | None = None  # the referral this one replaces (declined, unanswered)
    # Optional, same version: disclosed without consent, under the safety override; every
    # one is the auditor's to look at (None in events published before the flag).
    without_consent: bool | None = None


class ConsentRecorded(EventData):
    """The guardians' consent on record in the case: who gave it (rank and relationship
    codes; who recorded it is the envelope's actor), for what, to whom, when."""

    consent_id: UUID
    purpose: ConsentPurpose
    scope: list[Code]
    given_by_guardian_rank: GuardianRank
    relationship: GuardianRelationship | None = None
    given_at: datetime
    receivers: list[DirectoryId] | None = None
    receiver_type: ReceiverType | None = None


class ConsentWithdrawn(EventData):
    """Nothing more is disclosed under the consent (who withdrew it and when: the
    envelope's actor and time); what was disclosed before stays disclosed."""

    consent_id: UUID


class ReferralDelivered(EventData):
    """The packet reached the receiver's endpoint."""

    referral_id: UUID
    attempts: int


class ReferralDeliveryFailed(EventData):
    referral_id: UUID
    attempt: int
    reason: str = Field(pattern=r"^[a-z_0-9]+$", max_length=40)


# The answers ReferralAnswered v1 has always carried; the later ones are events of their own.
ANSWERED_V1 = frozenset({ReferralResponse.ACCEPTED, ReferralResponse.DECLINED,
                         ReferralResponse.SCHEDULED, ReferralResponse.ADMITTED,
                         ReferralResponse.DISCHARGED})


class ReferralAnswered(EventData):
    referral_id: UUID
    response: ReferralResponse
    decline_reason: DeclineReason | None = None  # optional, added in issue 4

    @field_validator("response")
    @classmethod
    def _of_v1(cls, response: ReferralResponse) -> ReferralResponse:
        if response not in ANSWERED_V1:
            raise ValueError("is published as its own event type, not as ReferralAnswered")
        return response


class ReferralReceived(EventData):
    """The receiver acknowledged the referral; it has still to accept or decline it."""

    referral_id: UUID


class ReferralNoShow(EventData):
    """The student did not come to the appointment the receiver scheduled."""

    referral_id: UUID


class ReferralFailed(EventData):
    """The receiver took the referral on but could not carry it out: the team's to take up."""

    referral_id: UUID


class ReferralCancelled(EventData):
    """The receiver ended the referral before carrying it out: the team's to take up."""

    referral_id: UUID


class ReferralFeedbackGiven(EventData):
    """The receiver gave its feedback (Task.output): which parts, never their words, which
    stay sealed in referral's store."""

    referral_id: UUID
    discharge_summary: bool
    recommendations: bool


class ReferralUnanswered(EventData):
    """No answer within the policy time: flagged, and re-routed if another receiver exists."""

    referral_id: UUID


class ReturnToSchoolPlanned(EventData):
    """After discharge (复学, 003 item 14): study support, a review date, who is responsible."""

    plan_id: UUID
    study_support: list[StudySupport]
    review_on: date
    responsible_roles: list[Role]


class FollowUpOverdue(EventData):
    number: int
    due: date


class HomeVisitRecorded(EventData):
    """A home visit (家访, 000 item 6) made for the case."""

    visit_id: UUID
    semester: str = Field(pattern=r"^[0-9]{4}-[12]$")
    made_on: date


class HomeVisitDue(EventData):
    """A key-concern student's case has no home visit yet this semester (000 item 6)."""

    semester: str = Field(pattern=r"^[0-9]{4}-[12]$")


class CaseReopened(EventData):
    """The closed case opened again; its closed history stays linked in the same stream."""

    reason: ReopenReason
    closed_event_id: UUID


class FollowUpRecorded(EventData):
    number: int
    outcome: FollowUpOutcome
    on_time: bool


class CaseClosed(EventData):
    reason: ClosureReason


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "StudentErased": StudentErased,
    "TierNoted": TierNoted,
    "FollowUpsScheduled": FollowUpsScheduled,
    "ReferralMade": ReferralMade,
    "ReferralAnswered": ReferralAnswered,
    "ReferralReceived": ReferralReceived,
    "ReferralNoShow": ReferralNoShow,
    "ReferralFailed": ReferralFailed,
    "ReferralCancelled": ReferralCancelled,
    "ReferralFeedbackGiven": ReferralFeedbackGiven,
    "FollowUpRecorded": FollowUpRecorded,
    "CaseClosed": CaseClosed,
    "ReferralDelivered": ReferralDelivered,
    "ReferralDeliveryFailed": ReferralDeliveryFailed,
    "ReferralUnanswered": ReferralUnanswered,
    "ReturnToSchoolPlanned": ReturnToSchoolPlanned,
    "FollowUpOverdue": FollowUpOverdue,
    "HomeVisitRecorded": HomeVisitRecorded,
    "HomeVisitDue": HomeVisitDue,
    "CaseReopened": CaseReopened,
    "ConsentRecorded": ConsentRecorded,
    "ConsentWithdrawn": ConsentWithdrawn,
}

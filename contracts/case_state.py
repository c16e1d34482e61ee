"""The state of a case at a time, in the words every side shares (versioned like the bus
contracts): each publishing service answers its own part from its own store, and the auditor's
read side builds the same parts from CASES alone, so the two can be laid side by side.

A part holds only what its service itself decides or records (ids, codes, times), never what
it merely heard from another service: a difference then means the record disagrees, not
that a message was still on its way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from contracts.codes import (
    Channel,
    GuardianRank,
    NoticeChannel,
    ReceiverType,
    Tier,
)
from contracts.envelope import Actor, Envelope

VERSION: Literal[1] = 1

# The pipeline's stages, in order, and the event on CASES that marks each one reached.
STAGES: dict[tuple[str, str], str] = {
    ("intake", "CaseDetected"): "detected",
    ("assessment", "TierDecided"): "assessed",
    ("notification", "GuardianNoticeIssued"): "family-notified",
    ("referral", "ReferralMade"): "referred",
    ("referral", "FollowUpRecorded"): "followed-up",
    ("referral", "CaseClosed"): "closed",
}
STAGE_ORDER = list(dict.fromkeys(STAGES.values()))


def stages_reached(events: Iterable[Envelope]) -> list[str]:
    """The stages the events mark reached, in the pipeline's order."""
    reached = {STAGES[(e.service, e.type)] for e in events if (e.service, e.type) in STAGES}
    return [stage for stage in STAGE_ORDER if stage in reached]


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = VERSION


class Decided(BaseModel):
    """Who decided, in which role, and when it happened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by: Actor
    at: AwareDatetime


class IntakePart(Part):
    """Intake's: when the case was detected, through which channel, how far its reports
    went up the chain (class → grade → school), who was assigned, each break-glass."""

    detected_at: AwareDatetime | None = None  # as recorded
    source: Channel | None = None  # the first report's channel
    reports: int = 0
    # Each step up the chain after a report was made, as "forwarded:grade" or
    # "acknowledged:school", sorted (reports of one case may climb at once).
    chain: list[str] = []
    assignees: list[str] = []
    break_glass_openings: int = 0


class AssessmentPart(Part):
    """Assessment's: the proposal, the crisis path, the tier and who decided it."""

    proposed_tier: Tier | None = None
    crisis_path_started: bool = False
    tier: Tier | None = None
    decided: Decided | None = None  # the latest decision
    decisions: int = 0


class NoticeState(Part):
    """One notice to one guardian."""

    notice_id: UUID
    tier: Tier
    guardian_rank: GuardianRank
    channel: NoticeChannel
    dispatched: bool = False
    acknowledged: bool = False
    failed: bool = False


class EscalationState(Part):
    escalation_id: UUID
    notice_id: UUID
    escalated_to: str
    dispatched: bool = False
    failed: bool = False


class NotificationPart(Part):
    """Notification's: which guardians were told, how, and whether they acknowledged; the
    escalations when they did not."""

    notices: list[NoticeState] = []
    escalations: list[EscalationState] = []


ReferralStatus = Literal["requested", "accepted", "declined", "scheduled", "admitted",
                         "discharged", "unanswered", "received", "no_show", "failed",
                         "cancelled"]


class ReferralState(Part):
    """One referral at its receiver; `rerouted_to` names the one that replaced it."""

    referral_id: UUID
    receiver_type: ReceiverType
    receiver_id: str
    status: ReferralStatus = "requested"
    delivered: bool = False
    rerouted_from: UUID | None = None
    rerouted_to: UUID | None = None


class FollowUpState(Part):
    number: int
    due: date
    done: bool = False
    on_time: bool | None = None
    flagged_overdue: bool = False  # referral raised FollowUpOverdue for it


class ReferralPart(Part):
    """Referral's: the tier it follows, each referral's status, follow-ups, closure."""

    tier: Tier | None = None
    tier_decided: bool = False
    referrals: list[ReferralState] = []
    follow_ups: list[FollowUpState] = []
    closed: bool = False


class Told(BaseModel):
    """A guardian told: which notice, by which channel, when it was recorded as issued and
    as sent, and when (as they said) and by whom it was acknowledged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notice_id: UUID
    guardian_rank: GuardianRank
    channel: NoticeChannel
    issued_at: AwareDatetime
    dispatched_at: AwareDatetime | None = None
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: Actor | None = None


class Flag(BaseModel):
    """Something open the auditor should look at: a code, since when, about what."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    since: AwareDatetime
    about: str | None = None  # the id of the notice, referral or follow-up, if any


class CaseState(BaseModel):
    """A case as CASES had it at `as_of` (recorded time), from its envelopes alone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = VERSION
    case_id: UUID
    as_of: AwareDatetime
    events: int
    stage: str | None
    stages_reached: list[str]
    closed: bool
    intake: IntakePart
    assessment: AssessmentPart
    notification: NotificationPart
    referral: ReferralPart
    told: list[Told]
    follow_ups_due: list[date]
    follow_ups_overdue: list[date]
    flags: list[Flag]


class PartAnswer(BaseModel):
    """What one service answered for its part: the part, or why there is none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["answered", "no_record", "refused", "unreachable"]
    part: dict[str, Any] | None = None


class Difference(BaseModel):
    """One field where CASES and a service's own store disagree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    field: str
    cases_says: Any
    store_says: Any


class CaseTrailView(BaseModel):
    """The auditor's replay: the state at T, the events up to T, each store's part, and
    where they differ."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: UUID
    as_of: AwareDatetime
    state: CaseState
    events: list[Envelope]
    stores: dict[str, PartAnswer]
    differences: list[Difference]


PARTS: dict[str, type[Part]] = {"intake": IntakePart, "assessment": AssessmentPart,
                                "notification": NotificationPart, "referral": ReferralPart}

"""How far one case has come, as the supervisors' figures count it: when it was detected
and how, its tier, when it reached each stage, and what became of its guardians' notices,
its referrals, follow-ups, home visits and closures. Codes and times only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel

from contracts.codes import CallOutcome, ReferralResponse
from contracts.events import assessment, intake, notification, referral

# The source of a case opened by a record arriving from the student's previous school.
TRANSFER_SOURCE = "transfer"
UNDECIDED = "undecided"
ACCEPTED, DECLINED, AWAITING = "accepted", "declined", "awaiting"
FAILED, CANCELLED = ReferralResponse.FAILED.value, ReferralResponse.CANCELLED.value
# A referral's outcome by its last answer: acknowledged is still awaiting; declined, failed
# and cancelled each a dead end; any other answer a receiver that took the student on.
OUTCOMES = {ReferralResponse.RECEIVED.value: AWAITING,
            ReferralResponse.DECLINED.value: DECLINED, FAILED: FAILED, CANCELLED: CANCELLED}

# The (service, type) of every event `CaseProgress.apply` counts; the others pass by undecoded.
COUNTED: frozenset[tuple[str, str]] = frozenset({
    (intake.SERVICE, "CaseDetected"), (intake.SERVICE, "TransferReceived"),
    (assessment.SERVICE, "TierDecided"),
    *((notification.SERVICE, name) for name in (
        "GuardianNoticeIssued", "GuardianNoticeDispatched", "GuardianAcknowledged",
        "GuardianCalled")),
    *((referral.SERVICE, name) for name in (
        "ReferralMade", "ReferralAnswered", "ReferralReceived", "ReferralNoShow",
        "ReferralFailed", "ReferralCancelled", "ReferralUnanswered", "FollowUpsScheduled",
        "FollowUpRecorded", "FollowUpOverdue", "HomeVisitRecorded", "HomeVisitDue",
        "CaseClosed", "CaseReopened")),
})


class Stage(StrEnum):
    """The pipeline's stages after detection (DOMAIN.md, The case pipeline)."""

    ASSESSED = "assessed"
    FAMILY_NOTIFIED = "family_notified"
    REFERRED = "referred"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"


def stage_reached(data: BaseModel) -> Stage | None:
    """The stage an event's data (validated against its contract) tells its case reached."""
    match data:
        case assessment.TierDecided():
            return Stage.ASSESSED
        case notification.GuardianNoticeDispatched() | notification.GuardianAcknowledged():
            return Stage.FAMILY_NOTIFIED
        case notification.GuardianCalled(outcome=outcome) if outcome is CallOutcome.REACHED:
            # A guardian reached by phone was told, whether or not a message left first.
            return Stage.FAMILY_NOTIFIED
        case referral.ReferralMade():
            return Stage.REFERRED
        case referral.FollowUpRecorded():
            return Stage.FOLLOWED_UP
        case referral.CaseClosed():
            return Stage.CLOSED
    return None


@dataclass
class FollowUp:
    """One follow-up of the schedule, numbered as referral numbers them."""

    due: date
    done: bool = False
    on_time: bool = False
    overdue: bool = False


@dataclass
class CaseProgress:
    """One case's line in the figures; `school` is where its trail was read."""

    school: str
    detected_at: datetime | None = None
    source: str | None = None
    tier: str = UNDECIDED
    reached: dict[Stage, datetime] = field(default_factory=dict)
    notice_issued: bool = False
    guardian_reached_at: datetime | None = None
    # referral id -> the last answer (None: none yet)
    referrals: dict[UUID, str | None] = field(default_factory=dict)
    rerouted: int = 0
    unanswered: int = 0
    follow_ups: list[FollowUp] = field(default_factory=list)
    visits: set[UUID] = field(default_factory=set)
    visits_owed: int = 0
    closures: list[str] = field(default_factory=list)
    reopened: int = 0

    def apply(self, data: BaseModel, at: datetime) -> None:
        """Take in one event's data (validated against its contract) that happened `at`."""
        if (stage := stage_reached(data)) is not None:
            self.reached.setdefault(stage, at)
        match data:
            case intake.CaseDetected(channel=channel):
                self._detected(at, channel.value)
            case intake.TransferReceived():
                self._detected(at, TRANSFER_SOURCE)
            case assessment.TierDecided(tier=tier):
                self.tier = tier.value
            case notification.GuardianNoticeIssued():
                self.notice_issued = True
            case notification.GuardianAcknowledged():
                self._guardian_reached(at)
            case notification.GuardianCalled(outcome=outcome) if outcome is CallOutcome.REACHED:
                self._guardian_reached(at)
            case referral.ReferralMade(referral_id=referral_id, rerouted_from=rerouted_from):
                self.referrals.setdefault(referral_id, None)
                self.rerouted += rerouted_from is not None
            case referral.ReferralAnswered(referral_id=referral_id, response=response):
                self.referrals[referral_id] = response.value
            case referral.ReferralReceived(referral_id=referral_id):
                self.referrals[referral_id] = ReferralResponse.RECEIVED.value
            case referral.ReferralNoShow(referral_id=referral_id):
                self.referrals[referral_id] = ReferralResponse.NO_SHOW.value
            case referral.ReferralFailed(referral_id=referral_id):
                self.referrals[referral_id] = FAILED
            case referral.ReferralCancelled(referral_id=referral_id):
                self.referrals[referral_id] = CANCELLED
            case referral.ReferralUnanswered():
                self.unanswered += 1
            case referral.FollowUpsScheduled(due_dates=due_dates):
                self._schedule(due_dates)
            case referral.FollowUpRecorded(number=number, on_time=on_time):
                self._followed_up(number, on_time, at)
            case referral.FollowUpOverdue(number=number, due=due):
                self._follow_up(number, due).overdue = True
            case referral.HomeVisitRecorded(visit_id=visit_id):
                self.visits.add(visit_id)
            case referral.HomeVisitDue():
                self.visits_owed += 1
            case referral.CaseClosed(reason=reason):
                self.closures.append(reason.value)
            case referral.CaseReopened():
                self.reopened += 1

    def hours_to(self, stage: Stage) -> float | None:
        at = self.reached.get(stage)
        return None if at is None or self.detected_at is None else _hours(self.detected_at, at)

    def hours_to_reach_guardian(self) -> float | None:
        if self.guardian_reached_at is None or self.detected_at is None:
            return None
        return _hours(self.detected_at, self.guardian_reached_at)

    def answers(self) -> list[str]:
        """Each referral's outcome: a receiver took the student on (accepted, scheduled,
        no-show, admitted, discharged), declined, failed, cancelled, or no answer yet (none,
        or only received)."""
        return [AWAITING if answer is None else OUTCOMES.get(answer, ACCEPTED)
                for answer in self.referrals.values()]

    def follow_ups_due(self, by: date) -> list[FollowUp]:
        return [follow_up for follow_up in self.follow_ups if follow_up.due <= by]

    def _detected(self, at: datetime, source: str) -> None:
        if self.detected_at is None:
            self.detected_at, self.source = at, source

    def _guardian_reached(self, at: datetime) -> None:
        if self.guardian_reached_at is None:
            self.guardian_reached_at = at

    def _schedule(self, due_dates: list[date]) -> None:
        # As referral's aftercare does: a new schedule replaces only the follow-ups still to
        # come, keeping those done and those already overdue.
        kept = [f for f in self.follow_ups if f.done or f.overdue]
        self.follow_ups = kept + [FollowUp(due) for due in due_dates]

    def _followed_up(self, number: int, on_time: bool, at: datetime) -> None:
        follow_up = self._follow_up(number, at.date())
        follow_up.done, follow_up.on_time = True, on_time

    def _follow_up(self, number: int, due: date) -> FollowUp:
        """The follow-up `number`, padded if the stream holds no schedule for it (one
        published before the schedules were)."""
        while len(self.follow_ups) < number:
            self.follow_ups.append(FollowUp(due))
        return self.follow_ups[number - 1]


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600

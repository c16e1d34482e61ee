"""The crisis team's worklist (pure): one `WorkItem` per case, folded from CASES envelopes
as the replica reads them, in stream order. CASES carries no personal data, so neither does
the worklist: ids, codes and times only (a console joins the names from intake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ValidationError

from contracts.case_state import STAGE_ORDER, STAGES
from contracts.codes import CallOutcome, ReferralResponse
from contracts.envelope import Envelope
from contracts.events import UnknownEvent, assessment, intake, notification, read_data, referral

UNDECIDED = "undecided"
# The source of a case opened by a record from the student's previous school.
TRANSFER_SOURCE = "transfer"
# What a referral's answer is once its time ran out without one.
UNANSWERED = "unanswered"
# Answers that leave the student without a receiver: the team is to refer again.
DEAD_ENDS = frozenset({ReferralResponse.DECLINED.value, ReferralResponse.FAILED.value,
                       ReferralResponse.CANCELLED.value, UNANSWERED})
# Acknowledged is no answer: the referral still awaits one, by the same time.
AWAITED = frozenset({None, ReferralResponse.RECEIVED.value})
# The answers carried as events of their own rather than as ReferralAnswered.
OWN_EVENTS: dict[type[BaseModel], ReferralResponse] = {
    referral.ReferralReceived: ReferralResponse.RECEIVED,
    referral.ReferralNoShow: ReferralResponse.NO_SHOW,
    referral.ReferralFailed: ReferralResponse.FAILED,
    referral.ReferralCancelled: ReferralResponse.CANCELLED,
}

# The (service, type) of every event the worklist folds; the others pass by undecoded.
FOLDED: frozenset[tuple[str, str]] = frozenset({
    *((intake.SERVICE, name) for name in ("CaseDetected", "TransferReceived",
                                          "ReportAttached")),
    *((assessment.SERVICE, name) for name in ("CrisisPathStarted", "TierDecided")),
    *((notification.SERVICE, name) for name in ("GuardianNoticeIssued",
                                                "GuardianAcknowledged", "GuardianCalled")),
    *((referral.SERVICE, name) for name in (
        "ReferralMade", "ReferralAnswered", *(event.__name__ for event in OWN_EVENTS),
        "ReferralUnanswered", "FollowUpsScheduled",
        "FollowUpRecorded", "FollowUpOverdue", "HomeVisitRecorded", "HomeVisitDue",
        "CaseClosed", "CaseReopened")),
})


@dataclass
class Handoff:
    """One referral: to what kind of receiver, by when it is to be answered (if the event
    says), its answer so far, and whether another referral replaced it."""

    receiver_type: str
    answer_by: datetime | None
    answer: str | None = None
    replaced: bool = False

    @property
    def awaiting(self) -> bool:
        return self.answer in AWAITED

    @property
    def dead_end(self) -> bool:
        return self.answer in DEAD_ENDS and not self.replaced


@dataclass
class FollowUp:
    """One follow-up of the schedule, numbered as referral numbers them (from 1)."""

    due: date
    done: bool = False
    overdue: bool = False  # referral raised FollowUpOverdue for it


@dataclass
class WorkItem:
    """One case as the team's worklist needs it."""

    case_id: UUID
    detected_at: datetime | None = None
    source: str | None = None
    tier: str = UNDECIDED
    crisis_path: bool = False  # imminent danger: the crisis path started before a decision
    stages: set[str] = field(default_factory=set)
    closed: bool = False
    notices: int = 0
    # The acknowledgement deadline of the latest notice (the ladder's live step).
    acknowledge_by: datetime | None = None
    family_reached: bool = False
    referrals: dict[UUID, Handoff] = field(default_factory=dict)
    follow_ups: list[FollowUp] = field(default_factory=list)
    home_visits_due: set[str] = field(default_factory=set)  # semesters
    concern_after_closure: bool = False
    previous_case_id: UUID | None = None
    position: int = 0  # the last stream position touching the case

    @property
    def stage(self) -> str | None:
        """The furthest stage reached; "closed" while the case is closed."""
        if self.closed:
            return "closed"
        reached = [s for s in STAGE_ORDER if s in self.stages and s != "closed"]
        return reached[-1] if reached else None

    def apply(self, data: BaseModel, at: datetime) -> None:
        """Take in one event's data (validated against its contract) that happened `at`."""
        match data:
            case intake.CaseDetected(channel=channel, previous_case_id=previous):
                self._detected(at, channel.value)
                if previous is not None:
                    self.previous_case_id = previous
                    self.concern_after_closure = True
            case intake.TransferReceived():
                self._detected(at, TRANSFER_SOURCE)
            case intake.ReportAttached() if self.closed:
                self.concern_after_closure = True
            case assessment.CrisisPathStarted():
                self.crisis_path = True
            case assessment.TierDecided(tier=tier):
                self.tier = tier.value
            case notification.GuardianNoticeIssued(acknowledge_by=acknowledge_by):
                self.notices += 1
                self.acknowledge_by = acknowledge_by
            case notification.GuardianAcknowledged():
                self.family_reached = True
            case notification.GuardianCalled(outcome=outcome) if outcome is CallOutcome.REACHED:
                self.family_reached = True
            case referral.ReferralMade(referral_id=referral_id, receiver_type=receiver_type,
                                       answer_by=answer_by, rerouted_from=rerouted_from):
                self.referrals.setdefault(referral_id, Handoff(receiver_type.value, answer_by))
                if rerouted_from is not None and rerouted_from in self.referrals:
                    self.referrals[rerouted_from].replaced = True
            case referral.ReferralAnswered(referral_id=referral_id, response=response):
                self._answered(referral_id, response.value)
            case referral.ReferralUnanswered(referral_id=referral_id):
                self._answered(referral_id, UNANSWERED)
            case (referral.ReferralReceived() | referral.ReferralNoShow()
                  | referral.ReferralFailed() | referral.ReferralCancelled()):
                self._answered(data.referral_id, OWN_EVENTS[type(data)].value)
            case referral.FollowUpsScheduled(due_dates=due_dates):
                # As referral's aftercare does: a new schedule replaces only the follow-ups
                # still to come, keeping those done and those already overdue.
                kept = [f for f in self.follow_ups if f.done or f.overdue]
                self.follow_ups = kept + [FollowUp(due) for due in due_dates]
            case referral.FollowUpRecorded(number=number):
                self._follow_up(number, at.date()).done = True
            case referral.FollowUpOverdue(number=number, due=due):
                self._follow_up(number, due).overdue = True
            case referral.HomeVisitDue(semester=semester):
                self.home_visits_due.add(semester)
            case referral.HomeVisitRecorded(semester=semester):
                self.home_visits_due.discard(semester)
            case referral.CaseClosed():
                self.closed = True
            case referral.CaseReopened():
                self.closed = False
                self.concern_after_closure = False  # the team took the concern up

    def _detected(self, at: datetime, source: str) -> None:
        if self.detected_at is None:
            self.detected_at, self.source = at, source

    def _answered(self, referral_id: UUID, answer: str) -> None:
        if (handoff := self.referrals.get(referral_id)) is not None:
            handoff.answer = answer

    def _follow_up(self, number: int, due: date) -> FollowUp:
        """The follow-up `number`, padded if the stream holds no schedule for it."""
        while len(self.follow_ups) < number:
            self.follow_ups.append(FollowUp(due))
        return self.follow_ups[number - 1]


@dataclass
class Worklist:
    """Every case of the school's CASES, one item each, folded as the replica reads."""

    items: dict[UUID, WorkItem] = field(default_factory=dict)
    # Envelopes whose data no contract of this release reads (counted, never guessed at).
    unreadable: int = 0

    def apply(self, envelope: Envelope, position: int) -> WorkItem:
        """Take in the next envelope of CASES, read at stream position `position`; the
        item it touched."""
        item = self.items.get(envelope.case_id)
        if item is None:
            item = self.items[envelope.case_id] = WorkItem(envelope.case_id)
        item.position = max(item.position, position)
        if (stage := STAGES.get((envelope.service, envelope.type))) is not None:
            item.stages.add(stage)
        if (envelope.service, envelope.type) not in FOLDED:
            return item
        try:
            data = read_data(envelope)
        except (UnknownEvent, ValidationError):
            self.unreadable += 1
            return item
        item.apply(data, envelope.occurred_at)
        if isinstance(data, intake.CaseDetected) and data.previous_case_id is not None:
            # A new case linked to a closed one is a concern after its closure, for both.
            previous = self.items.get(data.previous_case_id)
            if previous is not None and previous.closed:
                previous.concern_after_closure = True
        return item

"""After the assessment: referrals to receivers, follow-ups by tier, and closure.

A referral can be accepted or declined; an accepted one scheduled, then admitted, then
discharged (DOMAIN.md, Referred). The case closes only when nothing is left hanging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import ClosureReason, FollowUpOutcome, ReceiverType, ReferralResponse, Tier
from services.referral.domain.receivers import DISCLOSURE
from services.referral.domain.schedule import follow_up_dates

REQUESTED = "requested"
# Discharged: the receiver's care ended, after an admission or outpatient care.
NEXT: dict[str, set[ReferralResponse]] = {
    REQUESTED: {ReferralResponse.ACCEPTED, ReferralResponse.DECLINED},
    ReferralResponse.ACCEPTED: {ReferralResponse.SCHEDULED, ReferralResponse.ADMITTED,
                                ReferralResponse.DISCHARGED},
    ReferralResponse.SCHEDULED: {ReferralResponse.ADMITTED, ReferralResponse.DISCHARGED},
    ReferralResponse.ADMITTED: {ReferralResponse.DISCHARGED},
}
# A case cannot close while a receiver has not answered or is still caring for the student.
OPEN_STATES = {REQUESTED, ReferralResponse.ACCEPTED.value, ReferralResponse.SCHEDULED.value,
               ReferralResponse.ADMITTED.value}


@dataclass
class FollowUp:
    number: int
    due: date
    outcome: str | None = None
    on_time: bool | None = None


@dataclass
class Referral:
    referral_id: UUID
    receiver_type: str
    receiver_id: str
    disclosed: list[str]
    status: str = REQUESTED


class Aftercare(ReadLogged):
    class Opened(Aggregate.Created):
        meta: EventMeta

    @event(Opened)
    def __init__(self, meta: EventMeta) -> None:
        self.tier: str | None = None
        self.tier_decided = False
        self.follow_ups: list[FollowUp] = []
        self.referrals: list[Referral] = []
        self.closed_because: str | None = None

    @classmethod
    def open(cls, case_id: UUID, meta: EventMeta) -> Aftercare:
        return cls._create(cls.Opened, id=case_id, meta=meta)

    @property
    def closed(self) -> bool:
        return self.closed_because is not None

    def note_tier(self, tier: Tier, *, decided: bool, today: date, meta: EventMeta) -> None:
        """The tier from assessment (provisional on the crisis path, then decided); a new
        tier replaces the follow-ups still to come."""
        if self.closed or (self.tier_decided and not decided):
            return
        changed = tier.value != self.tier
        if changed or decided != self.tier_decided:
            self._tier_noted(tier.value, decided, meta)
        if changed:
            self._schedule(tier.value, follow_up_dates(tier, today), meta)

    class TierNoted(Aggregate.Event):
        tier: str
        decided: bool
        meta: EventMeta

    @event(TierNoted)
    def _tier_noted(self, tier: str, decided: bool, meta: EventMeta) -> None:
        self.tier = tier
        self.tier_decided = decided

    class FollowUpsScheduled(Aggregate.Event):
        tier: str
        due_dates: list[date]
        meta: EventMeta

    @event(FollowUpsScheduled)
    def _schedule(self, tier: str, due_dates: list[date], meta: EventMeta) -> None:
        done = [f for f in self.follow_ups if f.outcome is not None]
        self.follow_ups = done + [FollowUp(len(done) + n, due)
                                  for n, due in enumerate(due_dates, start=1)]

    def refer(self, referral_id: UUID, receiver_type: ReceiverType, receiver_id: str,
              meta: EventMeta) -> None:
        self._refuse_if_closed()
        if self.tier is None:
            raise CaseRuleViolated("the case has not been assessed yet")
        if self.tier == Tier.NONE:
            raise CaseRuleViolated("the case was assessed as tier none: no referral")
        self._referred(referral_id, receiver_type.value, receiver_id,
                       list(DISCLOSURE[receiver_type]), meta)

    class Referred(Aggregate.Event):
        referral_id: UUID
        receiver_type: str
        receiver_id: str
        disclosed: list[str]
        meta: EventMeta

    @event(Referred)
    def _referred(self, referral_id: UUID, receiver_type: str, receiver_id: str,
                  disclosed: list[str], meta: EventMeta) -> None:
        self.referrals.append(Referral(referral_id, receiver_type, receiver_id, disclosed))

    def referral(self, referral_id: UUID) -> Referral:
        for referral in self.referrals:
            if referral.referral_id == referral_id:
                return referral
        raise CaseRuleViolated(f"no referral {referral_id} in this case")

    def record_answer(self, referral_id: UUID, response: ReferralResponse,
                      meta: EventMeta) -> None:
        referral = self.referral(referral_id)
        if response not in NEXT.get(referral.status, set()):
            raise CaseRuleViolated(
                f"a referral that is {referral.status} cannot be {response.value}")
        self._answered(referral_id, response.value, meta)

    class Answered(Aggregate.Event):
        referral_id: UUID
        response: str
        meta: EventMeta

    @event(Answered)
    def _answered(self, referral_id: UUID, response: str, meta: EventMeta) -> None:
        self.referral(referral_id).status = response

    def record_follow_up(self, outcome: FollowUpOutcome, today: date, meta: EventMeta) -> int:
        self._refuse_if_closed()
        due = next((f for f in self.follow_ups if f.outcome is None), None)
        if due is None:
            raise CaseRuleViolated("no follow-up is scheduled for this case")
        self._followed_up(due.number, outcome.value, today <= due.due, meta)
        return due.number

    class FollowedUp(Aggregate.Event):
        number: int
        outcome: str
        on_time: bool
        meta: EventMeta

    @event(FollowedUp)
    def _followed_up(self, number: int, outcome: str, on_time: bool, meta: EventMeta) -> None:
        follow_up = self.follow_ups[number - 1]
        follow_up.outcome, follow_up.on_time = outcome, on_time

    def close(self, reason: ClosureReason, meta: EventMeta) -> None:
        self._refuse_if_closed()
        if not self.tier_decided:
            raise CaseRuleViolated("the crisis team has not decided the tier yet")
        if self.tier != Tier.NONE and not any(f.outcome for f in self.follow_ups):
            raise CaseRuleViolated("no follow-up has been recorded yet")
        hanging = [r for r in self.referrals if r.status in OPEN_STATES]
        if hanging:
            states = ", ".join(f"{r.receiver_id} is {r.status}" for r in hanging)
            raise CaseRuleViolated(f"a referral is still open: {states}")
        if self.referrals and self.referrals[-1].status == ReferralResponse.DECLINED:
            raise CaseRuleViolated(
                f"{self.referrals[-1].receiver_id} declined: another receiver is needed")
        self._closed(reason.value, meta)

    class Closed(Aggregate.Event):
        reason: str
        meta: EventMeta

    @event(Closed)
    def _closed(self, reason: str, meta: EventMeta) -> None:
        self.closed_because = reason

    def _refuse_if_closed(self) -> None:
        if self.closed:
            raise CaseRuleViolated(f"the case is closed ({self.closed_because})")

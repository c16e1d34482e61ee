"""After the assessment: follow-ups by tier, return to school, closure and reopening.

Referrals are in referrals.py, what referral knows of the student and home visits in
visits.py; Aftercare is the one aggregate of a case in this service, built from them.
The case closes only when nothing is left hanging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import ClosureReason, FollowUpOutcome, ReferralResponse, ReopenReason, Tier
from services.referral.domain.feedback import CaseFeedback
from services.referral.domain.referrals import OPEN_STATES, CaseReferrals
from services.referral.domain.schedule import follow_up_dates


@dataclass
class FollowUp:
    number: int
    due: date
    outcome: str | None = None
    on_time: bool | None = None
    overdue: bool = False


@dataclass
class ReturnPlan:
    plan_id: UUID
    returned_on: date
    study_support: list[str]
    review_on: date
    responsible: list[dict[str, str]]
    notes: str | None


@dataclass
class Closure:
    reason: str
    version: int  # of the Closed event: what a reopening links to
    reopened_because: str | None = None


class Aftercare(CaseFeedback):
    class Opened(Aggregate.Created):
        meta: EventMeta

    @event(Opened)
    def __init__(self, meta: EventMeta) -> None:
        self.tier: str | None = None
        self.tier_decided = False
        self.follow_ups: list[FollowUp] = []
        self.referrals = []
        self.consents = {}
        self.return_plans: list[ReturnPlan] = []
        self.closures: list[Closure] = []
        self.reports_after_closure: list[UUID] = []
        self.closed_because = None
        self.student_key = None
        self.signs = []
        self.key_concerns = []
        self.home_visits = []
        self.visits_due = []

    @classmethod
    def open(cls, case_id: UUID, meta: EventMeta) -> Aftercare:
        return cls._create(cls.Opened, id=case_id, meta=meta)

    @property
    def closed(self) -> bool:
        return self.closed_because is not None

    def note_tier(self, tier: Tier, *, decided: bool, today: date, meta: EventMeta) -> None:
        """The tier from assessment (provisional on the crisis path, then decided); a new
        tier replaces the follow-ups still to come (not those overdue)."""
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
        # Follow-ups done, and those overdue and still owed: a new schedule replaces only
        # what is still to come (follow-ups are done in order and fall overdue in order, so
        # the kept ones are the first, and keep their numbers).
        kept = [f for f in self.follow_ups if f.outcome is not None or f.overdue]
        self.follow_ups = kept + [FollowUp(len(kept) + n, due)
                                  for n, due in enumerate(due_dates, start=1)]

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

    def raise_overdue(self, today: date, meta: EventMeta) -> list[int]:
        """Each follow-up whose day passed without a record is overdue, once."""
        if self.closed:
            return []
        late = [f for f in self.follow_ups if f.outcome is None and not f.overdue
                and f.due < today]
        for follow_up in late:
            self._overdue(follow_up.number, follow_up.due, meta)
        return [f.number for f in late]

    class FollowUpOverdue(Aggregate.Event):
        number: int
        due: date
        meta: EventMeta

    @event(FollowUpOverdue)
    def _overdue(self, number: int, due: date, meta: EventMeta) -> None:
        self.follow_ups[number - 1].overdue = True

    def overdue_follow_ups(self) -> list[FollowUp]:
        return [f for f in self.follow_ups if f.overdue and f.outcome is None]

    def plan_return(self, plan: ReturnPlan, meta: EventMeta) -> None:
        """Back at school after discharge (复学, 003 item 14): the follow-ups start again
        from the day of return, at the tier's pace."""
        self._refuse_if_closed()
        if not any(r.status == ReferralResponse.DISCHARGED for r in self.referrals):
            raise CaseRuleViolated("no receiver has discharged the student yet")
        if plan.review_on < plan.returned_on:
            raise CaseRuleViolated("the review date is before the return to school")
        self._return_planned(plan.plan_id, plan.returned_on, plan.study_support,
                             plan.review_on, plan.responsible, plan.notes, meta)
        if self.tier is not None:
            self._schedule(self.tier, follow_up_dates(Tier(self.tier), plan.returned_on), meta)

    class ReturnPlanned(Aggregate.Event):
        plan_id: UUID
        returned_on: date
        study_support: list[str]
        review_on: date
        responsible: list[dict[str, str]]
        notes: str | None
        meta: EventMeta

    @event(ReturnPlanned)
    def _return_planned(self, plan_id: UUID, returned_on: date, study_support: list[str],
                        review_on: date, responsible: list[dict[str, str]], notes: str | None,
                        meta: EventMeta) -> None:
        self.return_plans.append(ReturnPlan(plan_id, returned_on, list(study_support),
                                            review_on, list(responsible), notes))

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
        if (flagged := self.flags()) and self.tier != Tier.NONE:
            # Declined or unanswered, and no receiver has taken the student since; unless
            # the team has since found no referral is needed (tier none allows none).
            last = flagged[-1]
            raise CaseRuleViolated(
                f"{last.receiver_id} {last.status}: another receiver is needed")
        self._closed(reason.value, meta)

    class Closed(Aggregate.Event):
        reason: str
        meta: EventMeta

    @event(Closed)
    def _closed(self, reason: str, meta: EventMeta) -> None:
        self.closed_because = reason
        # Applied before the version moves on: this event's version is the next one.
        self.closures.append(Closure(reason, self.version + 1))

    def reopen(self, reason: ReopenReason, today: date, meta: EventMeta) -> None:
        """Open again, linked to the closure it undoes; follow-ups start again from today."""
        if not self.closed:
            raise CaseRuleViolated("the case is not closed")
        self._reopened(reason.value, self.closures[-1].version, meta)
        if self.tier is not None:
            self._schedule(self.tier, follow_up_dates(Tier(self.tier), today), meta)

    class Reopened(Aggregate.Event):
        reason: str
        closed_version: int
        meta: EventMeta

    @event(Reopened)
    def _reopened(self, reason: str, closed_version: int, meta: EventMeta) -> None:
        self.closed_because = None
        self.closures[-1].reopened_because = reason
        self.reports_after_closure = []  # the team took them up

    def note_report_after_closure(self, report_id: UUID, meta: EventMeta) -> None:
        """A new report on a closed case: flagged for the team, who decide whether to
        reopen (a report alone does not reopen a case)."""
        if self.closed and report_id not in self.reports_after_closure:
            self._concern_after_closure(report_id, meta)

    class ConcernAfterClosure(Aggregate.Event):
        report_id: UUID
        meta: EventMeta

    @event(ConcernAfterClosure)
    def _concern_after_closure(self, report_id: UUID, meta: EventMeta) -> None:
        self.reports_after_closure.append(report_id)

    def _refuse_if_closed(self) -> None:
        if self.closed:
            raise CaseRuleViolated(f"the case is closed ({self.closed_because})")


# Events stored before referrals moved out of this module keep their old topics readable.
for _old, _new in (("Referred", CaseReferrals.Referred), ("Answered", CaseReferrals.Answered)):
    register_topic(f"{__name__}:Aftercare.{_old}", _new)


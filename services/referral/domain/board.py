"""What the timers and the team's lists look at, across cases.

A projection of the service's own events, rebuilt from its store at start: deadlines are
events and dates, not sleeping coroutines, so they survive a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from contracts.codes import DisclosureBasis
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.answers import AWAITING
from services.referral.domain.consents import CaseConsents
from services.referral.domain.referrals import DEAD_ENDS, CaseReferrals
from services.referral.domain.visits import CaseVisits


class ReferralBoard:
    def __init__(self) -> None:
        self.cases_of: dict[UUID, UUID] = {}  # referral id -> case id
        self.undelivered: dict[UUID, tuple[UUID, str]] = {}  # referral -> case, receiver
        self.last_failure: dict[UUID, tuple[int, datetime]] = {}  # referral -> attempt, when
        self.answer_by: dict[UUID, tuple[UUID, datetime]] = {}  # referral -> case, by when
        self.pending: dict[UUID, dict[int, date]] = {}  # case -> follow-ups not done, not late
        self.done: dict[UUID, int] = {}  # case -> follow-ups recorded
        self.overdue: dict[UUID, set[int]] = {}  # case -> overdue follow-ups not yet done
        # Cases with a declined or unanswered referral, or a report after their closure.
        self.flagged: set[UUID] = set()
        self.key_concern: set[UUID] = set()  # cases of key-concern students
        self.visited: dict[UUID, set[str]] = {}  # case -> semesters with a home visit
        self.visit_due: dict[UUID, set[str]] = {}  # case -> semesters found without one
        self.closed: set[UUID] = set()
        self.receiver_of: dict[UUID, str] = {}  # referral id -> the receiver it went to
        self.consent_of: dict[UUID, UUID] = {}  # undelivered referral -> its consent
        # Referrals disclosed without consent (the safety override): the auditor's list.
        self.without_consent: dict[UUID, UUID] = {}  # referral -> case

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            self._apply(event.originator_id, event)

    def _apply(self, case_id: UUID, event: Any) -> None:
        if isinstance(event, CaseReferrals.Referred):
            self.cases_of[event.referral_id] = case_id
            self.receiver_of[event.referral_id] = event.receiver_id
            self.undelivered[event.referral_id] = (case_id, event.receiver_id)
            if event.answer_by is not None:
                self.answer_by[event.referral_id] = (case_id, event.answer_by)
            if event.consent_id is not None:
                self.consent_of[event.referral_id] = event.consent_id
            if event.basis == DisclosureBasis.SAFETY_OVERRIDE:
                self.without_consent[event.referral_id] = case_id
        elif isinstance(event, CaseConsents.ConsentWithdrawn):
            # Its packets not yet taken are not sent any more.
            for referral_id, consent_id in list(self.consent_of.items()):
                if consent_id == event.consent_id:
                    self.undelivered.pop(referral_id, None)
                    self.last_failure.pop(referral_id, None)
                    del self.consent_of[referral_id]
        elif isinstance(event, CaseReferrals.Delivered):
            self.consent_of.pop(event.referral_id, None)
            self.undelivered.pop(event.referral_id, None)
            self.last_failure.pop(event.referral_id, None)
        elif isinstance(event, CaseReferrals.DeliveryFailed):
            self.last_failure[event.referral_id] = (event.attempt, event.meta.occurred_at)
        elif isinstance(event, CaseReferrals.Answered | CaseReferrals.Unanswered):
            if isinstance(event, CaseReferrals.Unanswered) or event.response not in AWAITING:
                self._settled(event.referral_id)  # received is no answer: its time runs on
            if isinstance(event, CaseReferrals.Unanswered) or event.response in DEAD_ENDS:
                self.flagged.add(case_id)
        elif isinstance(event, Aftercare.FollowUpsScheduled):
            # After those done and those overdue, which the new schedule leaves in place.
            kept = max([self.done.get(case_id, 0), *self.overdue.get(case_id, set())])
            self.pending[case_id] = {kept + n: due
                                     for n, due in enumerate(event.due_dates, start=1)}
        elif isinstance(event, Aftercare.FollowedUp):
            self.done[case_id] = event.number
            self.pending.get(case_id, {}).pop(event.number, None)
            self.overdue.get(case_id, set()).discard(event.number)
        elif isinstance(event, Aftercare.FollowUpOverdue):
            self.pending.get(case_id, {}).pop(event.number, None)
            self.overdue.setdefault(case_id, set()).add(event.number)
        elif isinstance(event, CaseVisits.StudentNoted) and event.key_concerns is not None:
            (self.key_concern.add if event.key_concerns else self.key_concern.discard)(case_id)
        elif isinstance(event, CaseVisits.HomeVisitDue):
            self.visit_due.setdefault(case_id, set()).add(event.semester)
        elif isinstance(event, CaseVisits.HomeVisitRecorded):
            self.visited.setdefault(case_id, set()).add(event.semester)
        elif isinstance(event, Aftercare.Closed):
            self._closed(case_id)
        elif isinstance(event, Aftercare.Reopened):
            self.closed.discard(case_id)
        elif isinstance(event, Aftercare.ConcernAfterClosure):
            self.flagged.add(case_id)

    def _settled(self, referral_id: UUID) -> None:
        self.consent_of.pop(referral_id, None)
        self.answer_by.pop(referral_id, None)
        self.undelivered.pop(referral_id, None)
        self.last_failure.pop(referral_id, None)

    def _closed(self, case_id: UUID) -> None:
        self.closed.add(case_id)
        for referral_id, (case, _) in list(self.answer_by.items()):
            if case == case_id:
                self._settled(referral_id)
        self.flagged.discard(case_id)
        self.pending.pop(case_id, None)
        # Overdue follow-ups stay owed: off the list while closed, back on it if reopened.

    def late_answers(self, now: datetime) -> list[tuple[UUID, UUID]]:
        """(case id, referral id) of every referral unanswered by its time."""
        return [(case_id, referral_id) for referral_id, (case_id, by)
                in self.answer_by.items() if by <= now]

    def follow_ups_past(self, today: date) -> list[UUID]:
        """Cases with a follow-up whose day has passed and that is not yet marked overdue."""
        return [case_id for case_id, dues in self.pending.items()
                if any(due < today for due in dues.values())]

    def visit_candidates(self, semester: str) -> list[UUID]:
        """Open cases of key-concern students with no visit, and none flagged, this semester."""
        return sorted(case_id for case_id in self.key_concern - self.closed
                      if semester not in self.visited.get(case_id, set())
                      | self.visit_due.get(case_id, set()))

    def visits_missing(self) -> dict[UUID, list[str]]:
        """The team's list: open cases and the semesters flagged without a home visit."""
        missing = {case_id: sorted(terms - self.visited.get(case_id, set()))
                   for case_id, terms in self.visit_due.items() if case_id not in self.closed}
        return {case_id: terms for case_id, terms in missing.items() if terms}

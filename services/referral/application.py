"""Referral's commands and queries."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking

from casetrail.kernel import CaseRuleViolated, EventMeta, following, following_latest
from casetrail.personal.sealing import PersonalData
from casetrail.store import snapshotted
from casetrail.timer_work import each_case
from contracts.case_state import ReferralPart
from contracts.codes import (
    ClosureReason,
    FollowUpOutcome,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    Sign,
    Tier,
)
from contracts.envelope import Envelope
from contracts.events import assessment, intake
from services.referral.case_part import part_of
from services.referral.domain.aftercare import Aftercare, Closure, FollowUp, ReturnPlan
from services.referral.domain.consents import Consent, ConsentGiven
from services.referral.domain.directory import Directory
from services.referral.domain.feedback import Feedback
from services.referral.domain.referrals import DEAD_ENDS, Handoff, Referral
from services.referral.domain.visits import HomeVisit, semester
from services.referral.inputs import InvalidInput
from services.referral.packets import FhirFormat
from services.referral.routing import ReferralRequest, Routing
from services.referral.tasks import NotYourReferral as NotYourReferral
from services.referral.tasks import ReceiverTasks, VersionConflict

log = logging.getLogger(__name__)
T = TypeVar("T")


class ReferralApplication(ReceiverTasks):
    name = "referral"
    snapshotting_intervals = snapshotted(Aftercare)
    state_dataclasses = (FollowUp, ReturnPlan, Closure, Referral, Consent, HomeVisit)

    def __init__(self, env: dict[str, str], school_timezone: ZoneInfo, *,
                 directory: Directory, fhir: FhirFormat, ad_hoc_answer_within: timedelta,
                 police_signs: frozenset[Sign], personal: PersonalData,
                 school_id: str | None = None) -> None:
        super().__init__(env, personal)
        self.school_id = school_id
        self.school_timezone = school_timezone
        self.directory = directory
        self.fhir = fhir
        self.routing = Routing(self.directory, ad_hoc_answer_within)
        self.police_signs = police_signs

    def _school_day(self, moment: datetime) -> date:
        return moment.astimezone(self.school_timezone).date()

    def _case(self, case_id: UUID, meta: EventMeta) -> Aftercare:
        return self.find_case(case_id, Aftercare) or Aftercare.open(case_id, meta)

    # What the other services tell us.

    def on_case_detected(self, envelope: Envelope, data: intake.CaseDetected,
                         tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        aftercare = self._case(envelope.case_id, meta)
        aftercare.note_student(student_key=data.student_key, signs=list(data.signs),
                               key_concerns=list(data.key_concerns), meta=meta)
        self.record(aftercare, tracking=tracking)

    def on_report_attached(self, envelope: Envelope, data: intake.ReportAttached,
                           tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        aftercare = self._case(envelope.case_id, meta)
        # A further report adds flags; it does not clear those already known.
        concerns = sorted(set(aftercare.key_concerns) | set(data.key_concerns))
        aftercare.note_student(student_key=None, signs=list(data.signs),
                               key_concerns=concerns if data.key_concerns else None, meta=meta)
        aftercare.note_report_after_closure(data.report_id, meta)
        self.record(aftercare, tracking=tracking)

    def on_key_concerns_noted(self, envelope: Envelope, data: intake.KeyConcernsNoted,
                              tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        aftercare = self._case(envelope.case_id, meta)
        aftercare.note_student(student_key=None, signs=[],
                               key_concerns=list(data.key_concerns), meta=meta)
        self.record(aftercare, tracking=tracking)

    def on_crisis_path_started(self, envelope: Envelope, data: assessment.CrisisPathStarted,
                               tracking: Tracking) -> None:
        """Imminent danger: the crisis path at once, and the police where policy says so."""
        meta = following(envelope, self.name)
        aftercare = self._case(envelope.case_id, meta)
        aftercare.note_student(student_key=data.student_key, signs=list(data.signs),
                               key_concerns=None, meta=meta)
        aftercare.note_tier(Tier.CRISIS, decided=False,
                            today=self._school_day(meta.occurred_at), meta=meta)
        danger = sorted(set(data.signs) & self.police_signs)
        if danger and not aftercare.tried(ReceiverType.POLICE.value) and not aftercare.closed:
            # The police have their answer time from now, not from when the sign was seen.
            handoff = self.routing.police(aftercare, danger, datetime.now(UTC))
            if handoff is not None:
                aftercare.refer(handoff, meta)
        self.record(aftercare, tracking=tracking)

    def on_tier_decided(self, envelope: Envelope, data: assessment.TierDecided,
                        tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        aftercare = self._case(envelope.case_id, meta)
        aftercare.note_student(student_key=data.student_key, signs=[], key_concerns=None,
                               meta=meta)
        aftercare.note_tier(data.tier, decided=True, today=self._school_day(meta.occurred_at),
                            meta=meta)
        self.record(aftercare, tracking=tracking)

    # Consents and referrals.

    def record_consent(self, case_id: UUID, given: ConsentGiven, meta: EventMeta) -> UUID:
        aftercare = self.get_case(case_id, Aftercare)
        consent_id = uuid4()
        aftercare.record_consent(consent_id, given, meta)
        self.record(aftercare)
        return consent_id

    def withdraw_consent(self, case_id: UUID, consent_id: UUID, meta: EventMeta) -> None:
        """Nothing more is disclosed under it; what was disclosed stays in the trail."""
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.withdraw_consent(consent_id, meta)
        self.record(aftercare)

    def disclosed_without_consent(self) -> list[tuple[Aftercare, Referral]]:
        """Every referral made under the safety override, for the auditor."""
        found = []
        for referral_id, case_id in list(self.board.without_consent.items()):
            aftercare = self.get_case(case_id, Aftercare)
            found.append((aftercare,
                          self._opened_referral(aftercare, aftercare.referral(referral_id))))
        return found

    def _sealed(self, aftercare: Aftercare, handoff: Handoff) -> Handoff:
        """The packet's parts and the rationale sealed under the student's data key (a
        re-routing copies them sealed as they are)."""
        key = self._student_of(aftercare)
        return replace(handoff, packet={part: self.personal.seal(key, value)
                                        for part, value in handoff.packet.items()},
                       rationale=self.seal(key, handoff.rationale))

    def _sealed_note(self, aftercare: Aftercare, notes: str | None) -> str | None:
        # Nothing to seal asks for no student (whom referral may not know yet).
        return None if notes is None else self.seal(self._student_of(aftercare), notes)

    @staticmethod
    def _student_of(aftercare: Aftercare) -> str:
        if aftercare.student_key is None:
            raise CaseRuleViolated("intake has not told referral whose case this is yet")
        return aftercare.student_key

    def refer(self, case_id: UUID, request: ReferralRequest, meta: EventMeta) -> UUID:
        aftercare = self.get_case(case_id, Aftercare)
        # A receiver's answer time runs from the referral being made, even when the team
        # enters a referral it made earlier (`at`).
        handoff = self._sealed(aftercare, self.routing.handoff(request, aftercare,
                                                               datetime.now(UTC)))
        aftercare.refer(handoff, meta)
        self.record(aftercare)
        return handoff.referral_id

    def record_answer(self, case_id: UUID, referral_id: UUID, response: ReferralResponse,
                      meta: EventMeta, decline_reason: str | None = None) -> UUID | None:
        """The receiver's answer; a decline re-routes. Returns the new referral's id, if any."""
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.record_answer(referral_id, response, meta, decline_reason)
        rerouted = self._reroute(aftercare, aftercare.referral(referral_id), meta,
                                 datetime.now(UTC))
        self.record(aftercare)
        return rerouted

    def answer_task(self, referral_id: UUID, receiver_id: str, response: ReferralResponse,
                    decline_reason: str | None, meta: EventMeta, *,
                    if_match: int | None = None) -> Referral:
        """An answer through the receiver's own system: only for its own referrals, only on
        the Task's latest version if `if_match` names one (VersionConflict otherwise), and
        the same status sent again changes nothing (a retried request)."""
        aftercare = self._answered(referral_id, receiver_id, response, decline_reason, meta,
                                   if_match)
        self.record(aftercare)
        return aftercare.referral(referral_id)

    def update_task(self, referral_id: UUID, receiver_id: str, response: ReferralResponse,
                    decline_reason: str | None, meta: EventMeta, *,
                    if_match: int | None = None,
                    feedback: Feedback | None = None) -> dict[str, Any]:
        """answer_task, with the receiver's feedback if it gives some (sealed; the same
        again changes nothing), answered with the Task as it stands after it: one command,
        saved whole or not at all."""
        aftercare = self._answered(referral_id, receiver_id, response, decline_reason, meta,
                                   if_match)
        referral = aftercare.referral(referral_id)
        if feedback is not None:
            key = self._student_of(aftercare)
            given = {"discharge_summary": feedback.discharge_summary,
                     "recommendations": feedback.recommendations}
            if self.opened(key, referral.feedback) != given:
                aftercare.give_feedback(referral_id, Feedback(
                    self.seal(key, feedback.discharge_summary),
                    self.seal(key, feedback.recommendations)), meta)
        self.record(aftercare)
        return self.task_of(aftercare, aftercare.referral(referral_id))

    def _answered(self, referral_id: UUID, receiver_id: str, response: ReferralResponse,
                  decline_reason: str | None, meta: EventMeta,
                  if_match: int | None) -> Aftercare:
        """The case with the answer applied (and its re-route), not yet saved."""
        aftercare, referral = self.receivers_referral(referral_id, receiver_id)
        if if_match is not None and if_match != referral.task_version:
            raise VersionConflict(referral.task_version)
        if referral.status != response.value:
            aftercare.record_answer(referral_id, response, meta, decline_reason)
            self._reroute(aftercare, aftercare.referral(referral_id), meta, datetime.now(UTC))
        return aftercare

    def _reroute(self, aftercare: Aftercare, referral: Referral, meta: EventMeta,
                 now: datetime) -> UUID | None:
        if referral.status not in DEAD_ENDS or aftercare.closed:
            return None
        handoff = self.routing.reroute(referral, aftercare,
                                       aftercare.tried(referral.receiver_type), now)
        # Caused by the answer (or the passing over) just recorded.
        system = following_latest(aftercare, self.name, meta, role=Role.SYSTEM.value,
                                  actor_id=self.name)
        if handoff is None:
            aftercare.hold_reroute(referral.referral_id,
                                   f"no other {referral.receiver_type} left to try", system)
            return None
        try:
            aftercare.refer(handoff, system)
        except CaseRuleViolated as refused:
            # The answer stands and the case is flagged: a re-route the case no longer
            # allows (a tier lowered, a consent that does not reach that receiver) is the
            # team's decision, not a reason to refuse the receiver's answer.
            aftercare.hold_reroute(referral.referral_id, str(refused), system)
            return None
        return handoff.referral_id

    def pass_over_unanswered(self, now: datetime) -> int:
        def pass_over(late: tuple[UUID, UUID]) -> int:
            case_id, referral_id = late
            aftercare = self.get_case(case_id, Aftercare)
            meta = EventMeta.by(Role.SYSTEM, self.name, occurred_at=now)
            if not aftercare.mark_unanswered(referral_id, now, meta):
                return 0
            self._reroute(aftercare, aftercare.referral(referral_id), meta, now)
            self.record(aftercare)
            return 1

        return each_case("passing over unanswered referrals", self.board.late_answers(now),
                         pass_over)

    def flagged(self) -> list[Aftercare]:
        """Cases the team must take up: a referral no receiver made good, or a report
        after the case closed."""
        cases = (self.get_case(case_id, Aftercare) for case_id in sorted(self.board.flagged))
        return [case for case in cases if case.flags() or case.reports_after_closure]

    # Follow-ups, return to school, home visits, closure.

    def record_follow_up(self, case_id: UUID, outcome: FollowUpOutcome,
                         meta: EventMeta) -> int:
        aftercare = self.get_case(case_id, Aftercare)
        number = aftercare.record_follow_up(outcome, self._school_day(meta.occurred_at), meta)
        self.record(aftercare)
        return number

    def raise_overdue(self, now: datetime) -> int:
        today = self._school_day(now)

        def raise_for(case_id: UUID) -> int:
            aftercare = self.get_case(case_id, Aftercare)
            raised = aftercare.raise_overdue(
                today, EventMeta.by(Role.SYSTEM, self.name, occurred_at=now))
            self.record(aftercare)
            return len(raised)

        return each_case("raising overdue follow-ups", self.board.follow_ups_past(today),
                         raise_for)

    def overdue_follow_ups(self) -> list[tuple[Aftercare, list[FollowUp]]]:
        open_cases = set(self.board.overdue) - self.board.closed
        cases = (self.get_case(case_id, Aftercare) for case_id in sorted(open_cases))
        return [(case, late) for case in cases if (late := case.overdue_follow_ups())]

    def plan_return(self, case_id: UUID, study_support: list[str], review_on: date,
                    responsible: list[dict[str, str]], notes: str | None,
                    meta: EventMeta) -> UUID:
        returned_on = self._school_day(meta.occurred_at)
        if review_on < returned_on:
            raise InvalidInput("review_on", f"is before the return to school ({returned_on})")
        aftercare = self.get_case(case_id, Aftercare)
        plan = ReturnPlan(uuid4(), returned_on, study_support, review_on, responsible,
                          self._sealed_note(aftercare, notes))
        aftercare.plan_return(plan, meta)
        self.record(aftercare)
        return plan.plan_id

    def record_home_visit(self, case_id: UUID, made_on: date, notes: str | None,
                          meta: EventMeta) -> tuple[UUID, str]:
        if made_on > self._school_day(datetime.now(UTC)):
            raise InvalidInput("made_on", "is in the future: record a visit once it is made")
        aftercare = self.get_case(case_id, Aftercare)
        visit_id = uuid4()
        semester = aftercare.record_home_visit(visit_id, made_on,
                                               self._sealed_note(aftercare, notes), meta)
        self.record(aftercare)
        return visit_id, semester

    def raise_visits_due(self, now: datetime) -> int:
        today = self._school_day(now)

        def raise_for(case_id: UUID) -> int:
            aftercare = self.get_case(case_id, Aftercare)
            if not aftercare.raise_visit_due(today, EventMeta.by(Role.SYSTEM, self.name,
                                                                 occurred_at=now)):
                return 0
            self.record(aftercare)
            return 1

        return each_case("raising home visits due",
                         self.board.visit_candidates(semester(today)), raise_for)

    def close_case(self, case_id: UUID, reason: ClosureReason, meta: EventMeta) -> None:
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.close(reason, meta)
        self.record(aftercare)

    def reopen_case(self, case_id: UUID, reason: ReopenReason, meta: EventMeta) -> None:
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.reopen(reason, self._school_day(meta.occurred_at), meta)
        self.record(aftercare)

    def state_at(self, case_id: UUID, as_of: datetime, *, purpose: str,
                 reader: EventMeta) -> ReferralPart:
        """The case as referral's store had it at `as_of`; the read is logged."""
        return part_of(self.read_case_as_of(case_id, Aftercare, as_of, purpose=purpose,
                                            reader=reader))

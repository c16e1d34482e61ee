"""Referrals: the handoff to a receiver, its delivery, and the receiver's answers.

A referral can be accepted or declined; an accepted one scheduled, then admitted, then
discharged (DOMAIN.md, Referred). Each handoff is a disclosure: what went to whom, on which
basis (a consent on record, consents.py; or the safety override of 001 一(五)2, flagged for
the auditor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import DisclosureBasis, ReferralResponse, Tier
from services.referral.domain.answers import AWAITING, REQUESTED, UNANSWERED, refusal
from services.referral.domain.consents import (
    CaseConsents,
    disclosure_problem,
    not_on_record,
    use_problem,
)
from services.referral.domain.receivers import PERSONAL, Receiver

# A case cannot close while a receiver has not answered or is still caring for the student.
OPEN_STATES = {REQUESTED, ReferralResponse.RECEIVED.value, ReferralResponse.ACCEPTED.value,
               ReferralResponse.SCHEDULED.value, ReferralResponse.NO_SHOW.value,
               ReferralResponse.ADMITTED.value}
# The receiver will not (or could not) care for the student: the team must find another
# (flagged, re-routed).
DEAD_ENDS = {ReferralResponse.DECLINED.value, UNANSWERED, ReferralResponse.FAILED.value,
             ReferralResponse.CANCELLED.value}
TAKEN = {ReferralResponse.ACCEPTED.value, ReferralResponse.SCHEDULED.value,
         ReferralResponse.NO_SHOW.value, ReferralResponse.ADMITTED.value,
         ReferralResponse.DISCHARGED.value}


@dataclass(frozen=True)
class Handoff:
    """A referral as the team (or the re-routing) asks for it, disclosure worked out."""

    referral_id: UUID
    receiver: Receiver
    basis: DisclosureBasis
    disclosed: list[str]
    answer_by: datetime
    packet: dict[str, Any] = field(default_factory=dict)
    consent_id: UUID | None = None  # the consent on record it is made under
    # Only a re-route of a referral made before consents were records: the consent as that
    # referral held it (given_by_guardian_rank, given_at, scope; receiver_type or receivers).
    consent: dict[str, Any] | None = None
    rationale: str | None = None
    rerouted_from: UUID | None = None


@dataclass
class Referral:
    referral_id: UUID
    receiver_type: str
    receiver_id: str
    disclosed: list[str]
    basis: str = DisclosureBasis.CONSENT.value
    consent_id: UUID | None = None
    consent: dict[str, Any] | None = None  # what the consent said when the referral was made
    rationale: str | None = None
    packet: dict[str, Any] = field(default_factory=dict)
    answer_by: datetime | None = None
    rerouted_from: UUID | None = None
    status: str = REQUESTED
    decline_reason: str | None = None
    delivered: bool = False
    delivery_attempts: int = 0
    held: str | None = None  # why it was not re-routed: the team's to take up
    made_at: datetime | None = None
    # Its FHIR Task's version: one more at each change of status (not at a read of it).
    task_version: int = 1
    last_modified: datetime | None = None
    # The receiver's feedback (feedback.py), its fields sealed.
    feedback: dict[str, str | None] | None = None

    @property
    def without_consent(self) -> bool:
        """Disclosed under the safety override: the auditor looks at every one."""
        return self.basis == DisclosureBasis.SAFETY_OVERRIDE


class CaseReferrals(CaseConsents):
    tier: str | None
    referrals: list[Referral]

    def refer(self, handoff: Handoff, meta: EventMeta) -> None:
        if self.closed_because is not None:
            raise CaseRuleViolated(f"the case is closed ({self.closed_because})")
        if self.tier is None:
            raise CaseRuleViolated("the case has not been assessed yet")
        if self.tier == Tier.NONE:
            raise CaseRuleViolated("the case was assessed as tier none: no referral")
        consent = self._check_basis(handoff)
        beyond = sorted(set(handoff.disclosed) - set(handoff.receiver.may_receive))
        if beyond:
            raise CaseRuleViolated(f"{handoff.receiver.receiver_id} may not receive {beyond}")
        if handoff.rerouted_from is not None:
            earlier = self.referral(handoff.rerouted_from)
            if earlier.status not in DEAD_ENDS:
                raise CaseRuleViolated(f"a referral that is {earlier.status} is not re-routed")
        self._referred(handoff.referral_id, handoff.receiver.receiver_type.value,
                       handoff.receiver.receiver_id, handoff.disclosed, meta,
                       handoff.basis.value, handoff.consent_id, consent,
                       handoff.rationale, handoff.packet, handoff.answer_by,
                       handoff.rerouted_from)

    def _check_basis(self, handoff: Handoff) -> dict[str, Any] | None:
        """The consent the referral is made under, as it will hold it; None under the
        safety override."""
        if handoff.basis == DisclosureBasis.SAFETY_OVERRIDE:
            if self.tier != Tier.CRISIS:
                raise CaseRuleViolated("only a crisis may override consent for safety")
            if not (handoff.rationale or "").strip():
                raise CaseRuleViolated("a safety override needs its rationale")
            return None
        consent = self._consent_given(handoff)
        personal = sorted(PERSONAL & set(handoff.disclosed))
        if personal and consent is None:
            raise CaseRuleViolated(f"disclosing {personal} needs the guardians' consent")
        problem = consent and disclosure_problem(consent, handoff.receiver, handoff.disclosed)
        if problem:
            raise CaseRuleViolated(problem)
        return consent

    def _consent_given(self, handoff: Handoff) -> dict[str, Any] | None:
        if handoff.consent_id is None:
            return None
        record = self.consent(handoff.consent_id)
        if record is None:
            if handoff.consent is not None:
                return handoff.consent  # re-routed under what a referral held before records
            raise CaseRuleViolated(not_on_record(handoff.consent_id))
        problem = use_problem(record)
        if problem:
            raise CaseRuleViolated(problem)
        return record.given()

    def disclosure_stopped(self, referral_id: UUID) -> str | None:
        """Why the referral's packet may not go out (any more), if so: its consent was
        withdrawn. A referral made before consents were records names none on record."""
        consent_id = self.referral(referral_id).consent_id
        record = self.consent(consent_id) if consent_id else None
        return use_problem(record) if record else None

    class Referred(Aggregate.Event):
        referral_id: UUID
        receiver_type: str
        receiver_id: str
        disclosed: list[str]
        meta: EventMeta
        basis: str = DisclosureBasis.CONSENT.value
        consent_id: UUID | None = None
        consent: dict[str, Any] | None = None
        rationale: str | None = None
        packet: dict[str, Any] | None = None
        answer_by: datetime | None = None
        rerouted_from: UUID | None = None

    @event(Referred)
    def _referred(self, referral_id: UUID, receiver_type: str, receiver_id: str,
                  disclosed: list[str], meta: EventMeta,
                  basis: str = DisclosureBasis.CONSENT.value, consent_id: UUID | None = None,
                  consent: dict[str, Any] | None = None, rationale: str | None = None,
                  packet: dict[str, Any] | None = None, answer_by: datetime | None = None,
                  rerouted_from: UUID | None = None) -> None:
        self.referrals.append(Referral(
            referral_id, receiver_type, receiver_id, list(disclosed), basis, consent_id,
            consent, rationale, dict(packet or {}), answer_by, rerouted_from,
            made_at=meta.occurred_at))

    def referral(self, referral_id: UUID) -> Referral:
        for referral in self.referrals:
            if referral.referral_id == referral_id:
                return referral
        raise CaseRuleViolated(f"no referral {referral_id} in this case")

    def record_answer(self, referral_id: UUID, response: ReferralResponse, meta: EventMeta,
                      decline_reason: str | None = None) -> None:
        referral = self.referral(referral_id)
        refused = refusal(referral.status, response)
        if refused:
            raise CaseRuleViolated(refused)
        if response != ReferralResponse.DECLINED:
            decline_reason = None
        self._answered(referral_id, response.value, meta, decline_reason)

    class Answered(Aggregate.Event):
        referral_id: UUID
        response: str
        meta: EventMeta
        decline_reason: str | None = None

    @event(Answered)
    def _answered(self, referral_id: UUID, response: str, meta: EventMeta,
                  decline_reason: str | None = None) -> None:
        referral = self.referral(referral_id)
        referral.status, referral.decline_reason = response, decline_reason
        referral.task_version += 1
        referral.last_modified = meta.occurred_at

    def mark_delivered(self, referral_id: UUID, meta: EventMeta) -> bool:
        referral = self.referral(referral_id)
        if referral.delivered:
            return False
        self._delivered(referral_id, referral.delivery_attempts + 1, meta)
        return True

    class Delivered(Aggregate.Event):
        referral_id: UUID
        attempts: int
        meta: EventMeta

    @event(Delivered)
    def _delivered(self, referral_id: UUID, attempts: int, meta: EventMeta) -> None:
        referral = self.referral(referral_id)
        referral.delivered, referral.delivery_attempts = True, attempts

    def delivery_failed(self, referral_id: UUID, reason: str, meta: EventMeta) -> int:
        referral = self.referral(referral_id)
        attempt = referral.delivery_attempts + 1
        self._delivery_failed(referral_id, attempt, reason, meta)
        return attempt

    class DeliveryFailed(Aggregate.Event):
        referral_id: UUID
        attempt: int
        reason: str
        meta: EventMeta

    @event(DeliveryFailed)
    def _delivery_failed(self, referral_id: UUID, attempt: int, reason: str,
                         meta: EventMeta) -> None:
        self.referral(referral_id).delivery_attempts = attempt

    def mark_unanswered(self, referral_id: UUID, now: datetime, meta: EventMeta) -> bool:
        """No answer by the policy time: the receiver is passed over (a late answer is
        refused; the case has moved on to the next receiver or to the team)."""
        referral = self.referral(referral_id)
        if (referral.status not in AWAITING or referral.answer_by is None
                or referral.answer_by > now):
            return False
        self._unanswered(referral_id, meta)
        return True

    class Unanswered(Aggregate.Event):
        referral_id: UUID
        meta: EventMeta

    @event(Unanswered)
    def _unanswered(self, referral_id: UUID, meta: EventMeta) -> None:
        referral = self.referral(referral_id)
        referral.status = UNANSWERED
        referral.task_version += 1
        referral.last_modified = meta.occurred_at

    def hold_reroute(self, referral_id: UUID, reason: str, meta: EventMeta) -> None:
        """A declined or unanswered referral that cannot go on to another receiver: the
        answer stands, and the team is told why it was not re-routed."""
        if self.referral(referral_id).held != reason:
            self._reroute_held(referral_id, reason, meta)

    class RerouteHeld(Aggregate.Event):
        referral_id: UUID
        reason: str
        meta: EventMeta

    @event(RerouteHeld)
    def _reroute_held(self, referral_id: UUID, reason: str, meta: EventMeta) -> None:
        self.referral(referral_id).held = reason

    def flags(self) -> list[Referral]:
        """Declined or unanswered referrals no later referral has made good: the team's."""
        if self.closed_because is not None:
            return []
        flagged = []
        for n, referral in enumerate(self.referrals):
            if referral.status in DEAD_ENDS and not any(
                    later.status in TAKEN for later in self.referrals[n + 1:]):
                flagged.append(referral)
        return flagged

    def tried(self, receiver_type: str) -> set[str]:
        return {r.receiver_id for r in self.referrals if r.receiver_type == receiver_type}

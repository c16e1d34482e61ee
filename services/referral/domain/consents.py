"""The guardians' consents of a case: each its own record, named by the referrals made under it.

A consent says who gave it (the guardian's rank and relationship, as codes; the member of
staff who recorded it is the event's actor), what for (a referral, disclosing the items of
its scope), to whom (receivers by id, or any receiver of one type), when, and whether and
when it was withdrawn. A withdrawal stops what is disclosed under it from then on; what was
disclosed before stays in the trail (001 一(五)2: information goes out only with consent,
or under the safety override).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta
from services.referral.domain.receivers import Receiver
from services.referral.domain.visits import CaseVisits


@dataclass(frozen=True)
class ConsentGiven:
    """A consent as the member of staff records it."""

    purpose: str
    scope: list[str]
    given_by_guardian_rank: int
    given_at: datetime
    relationship: str | None = None
    receivers: list[str] | None = None
    receiver_type: str | None = None


@dataclass
class Consent:
    consent_id: UUID
    purpose: str
    scope: list[str]  # the categories the guardians agreed may be disclosed
    given_by_guardian_rank: int
    given_at: datetime
    recorded_by: dict[str, str]  # role and id of the member of staff, from their token
    relationship: str | None = None
    receivers: list[str] | None = None  # the receivers they named, by id
    receiver_type: str | None = None  # else any receiver of this type
    withdrawn_at: datetime | None = None
    withdrawn_by: dict[str, str] | None = None

    def given(self) -> dict[str, Any]:
        """What the consent says, as a referral made under it holds it (and its packet
        shows it): the same shape as the consents referrals carried before they were
        records."""
        reach: dict[str, Any] = ({"receivers": list(self.receivers)} if self.receivers
                                 else {"receiver_type": self.receiver_type})
        return {"purpose": self.purpose, "given_by_guardian_rank": self.given_by_guardian_rank,
                "relationship": self.relationship, "given_at": self.given_at.isoformat(),
                "scope": list(self.scope), **reach}


def consent_reaches(consent: Mapping[str, Any], receiver: Receiver) -> bool:
    """Whom the guardians agreed to: the receivers named, or else any receiver of one type
    (what they usually agree to: "a hospital green channel"). A consent held before it said
    so is read as the type of the receivers it was used for."""
    named: list[str] | None = consent.get("receivers")
    if named:
        return receiver.receiver_id in named
    kind: str = consent.get("receiver_type") or receiver.receiver_type.value
    return kind == receiver.receiver_type


def consent_to(consent: Mapping[str, Any]) -> str:
    if consent.get("receivers"):
        return "given for " + ", ".join(consent["receivers"])
    return f"given for any {consent.get('receiver_type')}"


def not_on_record(consent_id: UUID) -> str:
    return f"no consent {consent_id} is on record in this case"


def use_problem(consent: Consent) -> str | None:
    """Why nothing may be disclosed under this consent now, if so."""
    if consent.withdrawn_at is not None:
        return (f"the consent {consent.consent_id} was withdrawn at "
                f"{consent.withdrawn_at.isoformat()}: nothing more is disclosed under it")
    return None


def disclosure_problem(consent: Mapping[str, Any], receiver: Receiver,
                       disclosed: list[str]) -> str | None:
    """Why the consent does not allow disclosing these categories to this receiver, if so."""
    uncovered = sorted(set(disclosed) - set(consent.get("scope", disclosed)))
    if uncovered:
        return f"the consent does not cover {uncovered}"
    if not consent_reaches(consent, receiver):
        return (f"the guardians' consent does not reach {receiver.receiver_id} "
                f"({consent_to(consent)})")
    return None


def withdrawal_problem(consent: Consent) -> str | None:
    if consent.withdrawn_at is not None:
        return f"the consent {consent.consent_id} was withdrawn already"
    return None


class CaseConsents(CaseVisits):
    """What Aftercare adds for the guardians' consents; it sets `consents` in its __init__."""

    consents: dict[UUID, Consent]

    def record_consent(self, consent_id: UUID, given: ConsentGiven, meta: EventMeta) -> None:
        if self.closed_because is not None:
            raise CaseRuleViolated(f"the case is closed ({self.closed_because})")
        if consent_id in self.consents:
            raise CaseRuleViolated(f"consent {consent_id} is on record already")
        self._consent_recorded(consent_id, given.purpose, list(given.scope),
                               given.given_by_guardian_rank, given.given_at,
                               given.relationship, given.receivers, given.receiver_type, meta)

    class ConsentRecorded(Aggregate.Event):
        consent_id: UUID
        purpose: str
        scope: list[str]
        given_by_guardian_rank: int
        given_at: datetime
        relationship: str | None
        receivers: list[str] | None
        receiver_type: str | None
        meta: EventMeta

    @event(ConsentRecorded)
    def _consent_recorded(self, consent_id: UUID, purpose: str, scope: list[str],
                          given_by_guardian_rank: int, given_at: datetime,
                          relationship: str | None, receivers: list[str] | None,
                          receiver_type: str | None, meta: EventMeta) -> None:
        self.consents[consent_id] = Consent(
            consent_id, purpose, list(scope), given_by_guardian_rank, given_at,
            {"role": meta.actor_role, "id": meta.actor_id}, relationship,
            list(receivers) if receivers else None, receiver_type)

    def withdraw_consent(self, consent_id: UUID, meta: EventMeta) -> None:
        consent = self.consents.get(consent_id)
        if consent is None:
            raise CaseRuleViolated(not_on_record(consent_id))
        problem = withdrawal_problem(consent)
        if problem:
            raise CaseRuleViolated(problem)
        self._consent_withdrawn(consent_id, meta)

    class ConsentWithdrawn(Aggregate.Event):
        consent_id: UUID
        meta: EventMeta

    @event(ConsentWithdrawn)
    def _consent_withdrawn(self, consent_id: UUID, meta: EventMeta) -> None:
        consent = self.consents[consent_id]
        consent.withdrawn_at = meta.occurred_at
        consent.withdrawn_by = {"role": meta.actor_role, "id": meta.actor_id}

    def consent(self, consent_id: UUID) -> Consent | None:
        return self.consents.get(consent_id)

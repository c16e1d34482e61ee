"""From a request (or a decline) to a handoff: which receiver, what it may be told, by when.

Bad requests are refused here with the field at fault (HTTP 422); rules of the case are the
aggregate's (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.codes import DisclosureBasis, ReceiverType
from services.referral.domain.directory import Directory
from services.referral.domain.receivers import (
    DISCLOSURE,
    PACKET_PARTS,
    PERSONAL,
    Receiver,
    disclosure,
    refused_parts,
)
from services.referral.domain.referrals import Handoff, Referral
from services.referral.domain.visits import CaseVisits
from services.referral.inputs import InvalidInput


class InvalidReferral(InvalidInput):
    """A referral request that cannot be made as asked: the field, and why."""


@dataclass(frozen=True)
class ReferralRequest:
    receiver_id: str
    receiver_type: ReceiverType | None = None
    basis: DisclosureBasis = DisclosureBasis.CONSENT
    consent_id: UUID | None = None  # the consent on record the referral is made under
    rationale: str | None = None
    packet: dict[str, Any] = field(default_factory=dict)  # patient, guardian, summary


@dataclass(frozen=True)
class Routing:
    directory: Directory
    ad_hoc_answer_within: timedelta

    def receiver(self, receiver_id: str, receiver_type: ReceiverType | None) -> Receiver:
        entry = self.directory.find(receiver_id)
        if entry is None:
            if receiver_type is None:
                raise InvalidReferral("receiver_id", "is not in the directory of receivers")
            # Named by the team, outside the directory: no webhook, its type's defaults.
            return Receiver(receiver_id, receiver_type, tuple(DISCLOSURE[receiver_type]),
                            self.ad_hoc_answer_within.total_seconds() / 60)
        if receiver_type is not None and receiver_type != entry.type:
            raise InvalidReferral("receiver_type", f"{receiver_id} is a {entry.type.value}")
        return entry.receiver()

    def handoff(self, request: ReferralRequest, case: CaseVisits, now: datetime) -> Handoff:
        receiver = self.receiver(request.receiver_id, request.receiver_type)
        parts = {part for part, value in request.packet.items() if value}
        for part in refused_parts(receiver, parts):
            raise InvalidReferral(f"packet.{part}", f"a {receiver.receiver_type.value} may "
                                  f"not receive {PACKET_PARTS[part]}")
        disclosed = disclosure(receiver, parts, signs_known=bool(case.signs),
                               pseudonym_known=case.student_key is not None)
        self._check_basis(request, disclosed)
        # Whether the consent exists, stands and covers this receiver and what is disclosed
        # is the case's to say (409): it holds the consents.
        return Handoff(uuid4(), receiver, request.basis, disclosed,
                       now + timedelta(minutes=receiver.answer_within_minutes),
                       {part: request.packet[part] for part in sorted(parts)},
                       request.consent_id, None, request.rationale)

    @staticmethod
    def _check_basis(request: ReferralRequest, disclosed: list[str]) -> None:
        if request.basis == DisclosureBasis.SAFETY_OVERRIDE:
            if request.consent_id is not None:
                raise InvalidReferral("consent_id", "a safety override claims no consent")
            if not (request.rationale or "").strip():
                raise InvalidReferral("rationale", "a safety override needs its rationale")
            return
        if request.consent_id is None:
            # Whatever is disclosed, a referral on the basis of consent names the consent
            # it rests on: the trail never says "consent" where none was given.
            personal = sorted(PERSONAL & set(disclosed))
            what = f"disclosing {personal}" if personal else "a referral on the basis of consent"
            raise InvalidReferral("consent_id", f"{what} needs the guardians' consent on "
                                  "record, or the safety override")

    def reroute(self, declined: Referral, case: CaseVisits, tried: set[str],
                now: datetime) -> Handoff | None:
        """The same request to the next receiver of the type not yet tried, if any; the
        packet keeps only what that receiver may receive."""
        entry = self.directory.next_after(ReceiverType(declined.receiver_type), tried)
        if entry is None:
            return None
        receiver = entry.receiver()
        parts = set(declined.packet) - set(refused_parts(receiver, set(declined.packet)))
        disclosed = disclosure(receiver, parts, signs_known=bool(case.signs),
                               pseudonym_known=case.student_key is not None)
        return Handoff(uuid4(), receiver, DisclosureBasis(declined.basis), disclosed,
                       now + timedelta(minutes=receiver.answer_within_minutes),
                       {p: declined.packet[p] for p in sorted(parts)}, declined.consent_id,
                       declined.consent, declined.rationale, declined.referral_id)

    def police(self, case: CaseVisits, signs: Sequence[str], now: datetime) -> Handoff | None:
        """The first police receiver, under the safety override, told only the codes."""
        entry = next(iter(self.directory.of_type(ReceiverType.POLICE)), None)
        if entry is None:
            return None
        receiver = entry.receiver()
        disclosed = disclosure(receiver, set(), signs_known=bool(case.signs),
                               pseudonym_known=case.student_key is not None)
        handoff = Handoff(uuid4(), receiver, DisclosureBasis.SAFETY_OVERRIDE, disclosed,
                          now + timedelta(minutes=receiver.answer_within_minutes))
        return replace(handoff, rationale="imminent danger: " + ", ".join(sorted(signs)))

"""What each kind of receiver may be told: minimum necessary (003 item 7; 001 一(五)2).

Codes of the categories disclosed; the packet itself is assembled from them by the adapter
that delivers it. A directory entry may narrow its type's list, never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.codes import ReceiverType, Sign

STUDENT_IDENTITY = "student_identity"
STUDENT_PSEUDONYM = "student_pseudonym"
GUARDIAN_CONTACT = "guardian_contact"
RISK_TIER = "risk_tier"
SIGNS_OBSERVED = "signs_observed"
ASSESSMENT_SUMMARY = "assessment_summary"

DISCLOSURE: dict[ReceiverType, list[str]] = {
    ReceiverType.HOSPITAL_GREEN_CHANNEL: [
        STUDENT_IDENTITY, GUARDIAN_CONTACT, RISK_TIER, SIGNS_OBSERVED, ASSESSMENT_SUMMARY],
    ReceiverType.DISTRICT_GUIDANCE_CENTRE: [
        STUDENT_PSEUDONYM, RISK_TIER, SIGNS_OBSERVED, ASSESSMENT_SUMMARY],
    ReceiverType.POLICE: [STUDENT_IDENTITY, GUARDIAN_CONTACT, RISK_TIER],
}

# Imminent-danger signs on which the crisis path also calls the police (001 三(三)2);
# the default of the REFERRAL_POLICE_SIGNS policy.
POLICE_SIGNS = frozenset({Sign.WEAPON, Sign.HARM_TO_OTHERS, Sign.MISSING_AFTER_THREAT})

# The packet's parts a person fills in, and the category each one discloses.
PACKET_PARTS: dict[str, str] = {
    "patient": STUDENT_IDENTITY,
    "guardian": GUARDIAN_CONTACT,
    "summary": ASSESSMENT_SUMMARY,
}
# Categories that name the student or the family, or carry the team's words: they leave the
# school only with the guardians' consent on record or under the safety override.
PERSONAL = frozenset({STUDENT_IDENTITY, GUARDIAN_CONTACT, ASSESSMENT_SUMMARY})


@dataclass(frozen=True)
class Receiver:
    """Who a referral goes to, as the domain needs it."""

    receiver_id: str
    receiver_type: ReceiverType
    may_receive: tuple[str, ...]
    answer_within_minutes: float


def disclosure(receiver: Receiver, parts: set[str], *, signs_known: bool,
               pseudonym_known: bool) -> list[str]:
    """The categories a referral discloses: the tier always, the codes the case has, and the
    packet parts filled in; in the order of the type's list. Parts the receiver may not
    receive are the caller's to refuse (`refused_parts`)."""
    offered = {RISK_TIER} | {PACKET_PARTS[part] for part in parts}
    if signs_known:
        offered.add(SIGNS_OBSERVED)
    if pseudonym_known:
        offered.add(STUDENT_PSEUDONYM)
    return [c for c in DISCLOSURE[receiver.receiver_type]
            if c in offered and c in receiver.may_receive]


def refused_parts(receiver: Receiver, parts: set[str]) -> list[str]:
    """The packet parts this receiver may not receive."""
    return sorted(p for p in parts if PACKET_PARTS[p] not in receiver.may_receive)

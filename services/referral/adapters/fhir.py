"""The hospital packet as FHIR R4 (validated with fhir.resources' R4B models), and the
receiver's Task answer read back into referral's terms.

The packet is a transaction Bundle: ServiceRequest (the referral), Task (status requested:
what the receiver answers on), the Consent when the guardians' consent is the basis, and a
Patient and RelatedPerson only when identity and guardian contact are disclosed. Under the
safety override no Consent is claimed: the ServiceRequest and the Task say so in a note, as
a hospital's liaison office would want it said (001 一(五)2).
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid5

from fhir.resources.R4B.bundle import Bundle

from contracts.codes import DisclosureBasis
from contracts.fhir import (
    ANSWER_BY_EXTENSION,
    CATEGORY_SYSTEM,
    CONSENT_SYSTEM,
    PACKET_PERSON_SYSTEM,
    RECEIVER_SYSTEM,
    RECEIVER_TYPE_SYSTEM,
    REFERRAL_SYSTEM,
    SCHOOL_ID_SYSTEM,
    SCHOOL_SYSTEM,
    SIGN_CODINGS,
    SIGN_SYSTEM,
    SNOMED_SYSTEM,
    STUDENT_KEY_SYSTEM,
    TIER_SYSTEM,
)
from services.referral.adapters.fhir_capability import capabilities as capabilities
from services.referral.adapters.fhir_task import PRIORITY, core
from services.referral.adapters.fhir_task import read_output as read_output
from services.referral.adapters.fhir_task import read_task as read_task
from services.referral.adapters.fhir_task import task as task
from services.referral.domain.receivers import (
    ASSESSMENT_SUMMARY,
    GUARDIAN_CONTACT,
    SIGNS_OBSERVED,
    STUDENT_IDENTITY,
    STUDENT_PSEUDONYM,
)
from services.referral.domain.referrals import Referral
from services.referral.packets import CaseCodes

SNOMED = SNOMED_SYSTEM
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OVERRIDE_NOTE = ("Disclosed without consent under the safety override: the student or "
                 "others face a serious safety risk. Rationale: {}")


def _urn(kind: str, referral_id: UUID) -> str:
    """A transaction's local reference: stable per referral and resource, so a re-sent
    packet names the same resources."""
    return f"urn:uuid:{uuid5(referral_id, kind)}"


def _local(kind: str, referral_id: UUID) -> dict[str, str]:
    """A reference to another entry of the packet, typed as R4 workflow readers expect."""
    return {"reference": _urn(kind, referral_id), "type": kind}


def _once(identifier: dict[str, str]) -> str:
    """The conditional create's search: a re-sent packet finds what the first one made."""
    return f"identifier={identifier['system']}|{identifier['value']}"


def packet_bundle(referral: Referral, case: CaseCodes, receiver_name: str) -> dict[str, Any]:
    """The Bundle as FHIR JSON, validated."""
    shown = set(referral.disclosed)
    rid = referral.referral_id
    owner = {"type": "Organization",
             "identifier": {"system": RECEIVER_SYSTEM, "value": referral.receiver_id},
             "display": receiver_name}
    subject = _subject(referral, case, shown)
    entries: list[dict[str, Any]] = []
    requester = {}
    if case.school_id:
        entries.append({"resourceType": "Organization", "identifier": [
            {"system": SCHOOL_SYSTEM, "value": case.school_id}]})
        requester = {"requester": _local("Organization", rid)}
    if STUDENT_IDENTITY in shown and referral.packet.get("patient"):
        entries.append(_patient(referral.packet["patient"], rid))
    if GUARDIAN_CONTACT in shown and referral.packet.get("guardian"):
        entries.append(_guardian(referral.packet["guardian"], subject, rid))
    consented = referral.basis == DisclosureBasis.CONSENT and referral.consent is not None
    authored = {"authoredOn": referral.made_at.isoformat()} if referral.made_at else {}
    notes = _notes(referral, shown)
    reasons = [{"coding": [{"system": TIER_SYSTEM, "code": case.tier}]}]
    if SIGNS_OBSERVED in shown:
        reasons += [_sign(sign) for sign in case.signs]
    entries.append({
        "resourceType": "ServiceRequest",
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(rid)}],
        "status": "active", "intent": "order",
        "category": [{"coding": [{"system": SNOMED, "code": "3457005",
                                  "display": "Patient referral"}]}],
        "code": {"coding": [{"system": SNOMED, "code": "183524004",
                             "display": "Referral to psychiatric service"}],
                 "text": "mental-health crisis referral"},
        "priority": PRIORITY.get(case.tier, "routine"),
        "subject": subject, "performer": [owner], "reasonCode": reasons, **authored, **requester,
        **({"supportingInfo": [_local("Consent", rid)]} if consented else {}),
        **({"note": notes} if notes else {}),
    })
    # No id: a transaction's POST is a create whose id the server assigns (R4 ignores a
    # client's), and a PUT to Task/<id> needs a server that lets clients choose ids. The
    # school's own copy is the facade's Task/<referral id>, of the same identifier.
    entries.append({
        **core(referral, case), "status": "requested",
        "focus": _local("ServiceRequest", rid),
        "basedOn": [_local("ServiceRequest", rid)], **requester,
        "for": subject, "owner": owner,
        **({"extension": [{"url": ANSWER_BY_EXTENSION,
                           "valueDateTime": referral.answer_by.isoformat()}]}
           if referral.answer_by else {}),
        **({"input": [{"type": {"text": "consent"},
                       "valueReference": _local("Consent", rid)}]} if consented else {}),
        **({"note": notes} if notes and referral.basis != DisclosureBasis.CONSENT else {}),
    })
    if consented:
        guardian = (_local("RelatedPerson", rid)
                    if GUARDIAN_CONTACT in shown and referral.packet.get("guardian") else None)
        school = _local("Organization", rid) if case.school_id else None
        entries.append(_consent(referral, subject, owner, guardian, school))
    bundle = Bundle.model_validate({
        "resourceType": "Bundle", "type": "transaction",
        "identifier": {"system": REFERRAL_SYSTEM, "value": str(rid)},
        "entry": [{"fullUrl": _urn(resource["resourceType"], rid), "resource": resource,
                   "request": {"method": "POST", "url": resource["resourceType"],
                               "ifNoneExist": _once(resource["identifier"][0])}}
                  for resource in entries],
    })
    result: dict[str, Any] = json.loads(bundle.model_dump_json())
    return result


def _subject(referral: Referral, case: CaseCodes, shown: set[str]) -> dict[str, Any]:
    if STUDENT_IDENTITY in shown and referral.packet.get("patient"):
        return {"reference": _urn("Patient", referral.referral_id)}
    if STUDENT_PSEUDONYM in shown and case.student_key:
        return {"identifier": {"system": STUDENT_KEY_SYSTEM, "value": case.student_key}}
    # Identity not disclosed: a person of this packet only, by which no other referral or
    # the school's case can be linked to the student.
    return {"identifier": _packet_person("Patient", referral.referral_id)}


def _packet_person(kind: str, referral_id: UUID) -> dict[str, str]:
    return {"system": PACKET_PERSON_SYSTEM, "value": str(uuid5(referral_id, kind))}


def _patient(patient: dict[str, Any], referral_id: UUID) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "identifier": [
        {"system": SCHOOL_ID_SYSTEM, "value": patient["school_student_id"]}
        if patient.get("school_student_id") else _packet_person("Patient", referral_id)]}
    if patient.get("name"):
        resource["name"] = [{"text": patient["name"]}]
    if patient.get("gender"):
        resource["gender"] = patient["gender"]
    if patient.get("birth_date"):
        resource["birthDate"] = patient["birth_date"]
    return resource


def _guardian(guardian: dict[str, Any], subject: dict[str, Any],
              referral_id: UUID) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "RelatedPerson", "patient": subject,
                                "identifier": [_packet_person("RelatedPerson", referral_id)]}
    if guardian.get("name"):
        resource["name"] = [{"text": guardian["name"]}]
    if guardian.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": guardian["phone"]}]
    if guardian.get("relation"):
        resource["relationship"] = [{"text": guardian["relation"]}]
    return resource


def _notes(referral: Referral, shown: set[str]) -> list[dict[str, str]]:
    notes = []
    if referral.basis == DisclosureBasis.SAFETY_OVERRIDE:
        notes.append({"text": OVERRIDE_NOTE.format(referral.rationale or "")})
    if ASSESSMENT_SUMMARY in shown and referral.packet.get("summary"):
        notes.append({"text": str(referral.packet["summary"])})
    return notes


def _sign(sign: str) -> dict[str, Any]:
    """A sign by its local code, and by SNOMED CT or ICD-10-CM where they code it."""
    return {"coding": [{"system": SIGN_SYSTEM, "code": sign}] + [
        {"system": system, "code": code, "display": display}
        for system, code, display in SIGN_CODINGS.get(sign, ())]}


def _consent(referral: Referral, subject: dict[str, Any], owner: dict[str, Any],
             guardian: dict[str, str] | None, school: dict[str, str] | None
             ) -> dict[str, Any]:
    """The guardians' consent: who gave it (the packet's guardian if it goes, else their
    rank), to whom (the school, that records it), for which categories, since when."""
    consent = referral.consent or {}
    given_by = guardian or {"display": f"guardian rank {consent.get('given_by_guardian_rank')}"}
    return {
        "resourceType": "Consent",
        "identifier": [{"system": CONSENT_SYSTEM, "value": str(
            referral.consent_id or uuid5(referral.referral_id, "Consent"))}],
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                  "display": "Patient Consent"}]}],
        "patient": subject,
        "dateTime": consent.get("given_at"),
        "performer": [given_by],
        **({"organization": [school]} if school else {}),
        "policyRule": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit",
                      **({"period": {"start": consent["given_at"]}}
                         if consent.get("given_at") else {}),
                      "actor": [
            {"role": {"coding": [{"system": PARTICIPATION, "code": "IRCP"}]},
             "reference": reference} for reference in _consented(consent, owner)],
            "class": [{"system": CATEGORY_SYSTEM, "code": c}
                      for c in consent.get("scope", [])]},
    }


def _consented(consent: dict[str, Any], owner: dict[str, Any]) -> list[dict[str, Any]]:
    """The recipients the guardians agreed to, as they agreed: the receivers they named,
    or any receiver of a type (not the one receiver this packet happens to go to)."""
    if consent.get("receivers"):
        return [{"identifier": {"system": RECEIVER_SYSTEM, "value": receiver_id}}
                for receiver_id in consent["receivers"]]
    kind = consent.get("receiver_type")
    if kind is None:  # a consent recorded before it said whom it reaches
        return [owner]
    return [{"type": "Organization", "display": f"any {kind.replace('_', ' ')}",
             "identifier": {"system": RECEIVER_TYPE_SYSTEM, "value": kind}}]

"""The audit records of a case as FHIR R4 `AuditEvent` resources in a collection Bundle.

Reads follow BALP's PatientRead (type rest, subtype read, action R), disclosures BALP's
Privacy Disclosure at Source (type DCM 110106 Export, subtype ISO 21089 disclose). No
names: every agent is identified by a code system and an opaque value, the patient by the
student's pseudonym (or the case id when the record names none). Pure: JSON dicts only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.fhir import (
    ACTOR_SYSTEM,
    AUTHORITY_SYSTEM,
    BASIS_SYSTEM,
    CASE_SYSTEM,
    CONSENT_SYSTEM,
    GUARDIAN_SYSTEM,
    NOTICE_SYSTEM,
    PURPOSE_SYSTEM,
    RECEIVER_SYSTEM,
    REFERRAL_SYSTEM,
    ROLE_SYSTEM,
    SCHOOL_SYSTEM,
    SERVICE_SYSTEM,
    STUDENT_KEY_SYSTEM,
)
from services.supervision.domain.audit_events import (
    BREAK_GLASS,
    GUARDIAN,
    Agent,
    AgentKind,
    AuditRecord,
    Kind,
    Pattern,
)

DCM = "http://dicom.nema.org/resources/ontology/DCM"
SCT = "http://snomed.info/sct"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/"
PATIENT_READ = BALP + "IHE.BasicAudit.PatientRead"
DISCLOSURE_AT_SOURCE = BALP + "IHE.BasicAudit.PrivacyDisclosure.Source"

SUCCESS, MINOR_FAILURE = "0", "4"
# The reader's purpose codes that have an HL7 PurposeOfUse; the rest keep only their own.
PURPOSE_OF_USE = {"case_work": "CAREMGT", "audit": "HOPERAT", "supervision": "HOPERAT",
                  "emergency": "ETREAT"}
# Whom an agent's opaque id is drawn from: a service, a directory, a guardian's rank.
WHO_SYSTEM = {"service": SERVICE_SYSTEM, GUARDIAN: GUARDIAN_SYSTEM, "school": SCHOOL_SYSTEM}
HANDLE_SYSTEM = {Kind.REFERRAL: REFERRAL_SYSTEM, Kind.GUARDIAN_NOTICE: NOTICE_SYSTEM}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    return {"system": system, "code": code} | ({"display": display} if display else {})


def _concept(*codings: dict[str, str]) -> dict[str, Any]:
    return {"coding": list(codings)}


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _who(agent: Agent, kind: Kind) -> dict[str, Any]:
    if agent.kind is AgentKind.USER:
        system = ACTOR_SYSTEM
    elif agent.kind is AgentKind.RECIPIENT and kind is Kind.REFERRAL:
        system = RECEIVER_SYSTEM
    elif kind in {Kind.AUTHORITY_REPORT, Kind.ESCALATION} and agent.kind is AgentKind.RECIPIENT:
        system = AUTHORITY_SYSTEM
    else:
        system = WHO_SYSTEM.get(agent.role, ACTOR_SYSTEM)
    return {"identifier": {"system": system, "value": agent.id}}


AGENT_TYPE: dict[AgentKind, dict[str, str]] = {
    AgentKind.SOURCE: _coding(DCM, "110153", "Source Role ID"),
    AgentKind.RECIPIENT: _coding(DCM, "110152", "Destination Role ID"),
    AgentKind.AUTHORIZER: _coding(SCT, "429577009", "Patient Advocate"),
}


def _agent(agent: Agent, record: AuditRecord) -> dict[str, Any]:
    if agent.kind is AgentKind.USER:
        # The reader receives the information; the discloser is its author.
        code, display = (("IRCP", "information recipient") if record.pattern is Pattern.READ
                         else ("AUT", "author (originator)"))
        kind = _coding(PARTICIPATION, code, display)
    else:
        kind = AGENT_TYPE[agent.kind]
    out: dict[str, Any] = {
        "type": _concept(kind), "who": _who(agent, record.kind),
        "requestor": agent.requestor,
    }
    if agent.kind is not AgentKind.SOURCE:
        out["role"] = [_concept(_coding(ROLE_SYSTEM, agent.role))]
    if agent.kind is AgentKind.SOURCE:
        out["network"] = {"address": f"{SERVICE_SYSTEM}:{agent.id}", "type": "5"}
    if agent.kind is AgentKind.USER and record.purpose is not None:
        out["purposeOfUse"] = [_purpose(record)]
    if agent.kind is AgentKind.USER and record.basis == BREAK_GLASS:
        out["policy"] = [f"urn:uuid:{record.authorization}"]  # the break-glass it read under
    return out


def _purpose(record: AuditRecord) -> dict[str, Any]:
    assert record.purpose is not None
    codings = [_coding(PURPOSE_SYSTEM, record.purpose)]
    if record.basis == BREAK_GLASS:
        codings.append(_coding(ACT_REASON, "BTG", "break the glass"))
    elif record.purpose in PURPOSE_OF_USE:
        codings.append(_coding(ACT_REASON, PURPOSE_OF_USE[record.purpose]))
    return _concept(*codings)


def _patient(case_id: UUID, pseudonym: str | None) -> dict[str, Any]:
    identifier = ({"system": STUDENT_KEY_SYSTEM, "value": pseudonym} if pseudonym
                  else {"system": CASE_SYSTEM, "value": str(case_id)})
    return {"what": {"type": "Patient", "identifier": identifier},
            "type": _coding(ENTITY_TYPE, "1", "Person"),
            "role": _coding(OBJECT_ROLE, "1", "Patient")}


def _data(record: AuditRecord, case_id: UUID) -> list[dict[str, Any]]:
    if record.pattern is Pattern.READ:
        return [{"what": {"identifier": {"system": CASE_SYSTEM, "value": str(case_id)}},
                 "type": _coding(ENTITY_TYPE, "2", "System Object"),
                 "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
                 "name": record.what[0] if record.what else "case_record"}]
    handle = record.handle
    entity: dict[str, Any] = {
        "what": {"identifier": {"system": HANDLE_SYSTEM.get(record.kind, CASE_SYSTEM),
                                "value": str(handle or case_id)}},
        "type": _coding(ENTITY_TYPE, "2", "System Object"),
        "role": _coding(OBJECT_ROLE, "3", "Report"),
        "name": record.kind.value,
        "detail": [{"type": "category", "valueString": what} for what in record.what]
        + [{"type": a.kind, "valueString": _instant(a.at) + (f" {a.reason}" if a.reason else "")}
           for a in record.answers]
        + ([{"type": "channel", "valueString": record.channel}] if record.channel else []),
    }
    if not entity["detail"]:
        del entity["detail"]
    entities = [entity]
    if record.authorization is not None and record.basis != BREAK_GLASS:
        entities.append({"what": {"type": "Consent", "identifier": {
            "system": CONSENT_SYSTEM, "value": str(record.authorization)}},
            "type": _coding(ENTITY_TYPE, "2", "System Object"),
            "role": _coding(OBJECT_ROLE, "13", "Security Resource")})
    return entities


def audit_event(record: AuditRecord, case_id: UUID, pseudonym: str | None) -> dict[str, Any]:
    """One record as a FHIR R4 AuditEvent (JSON)."""
    read = record.pattern is Pattern.READ
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(record.event_id),
        "meta": {"profile": [PATIENT_READ if read else DISCLOSURE_AT_SOURCE]},
        "type": (_coding(EVENT_TYPE, "rest", "Restful Operation") if read
                 else _coding(DCM, "110106", "Export")),
        "subtype": ([_coding(INTERACTION, "read", "read")] if read
                    else [_coding(LIFECYCLE, "disclose", "Disclose Record Lifecycle Event")]),
        "action": "R",
        "recorded": _instant(record.at),
        "outcome": SUCCESS if record.sent else MINOR_FAILURE,
        "agent": [_agent(agent, record) for agent in record.agents],
        "source": {"site": "casetrail",
                   "observer": {"identifier": {"system": SERVICE_SYSTEM,
                                               "value": record.service}},
                   "type": [_coding(SOURCE_TYPE, "4", "Application Server")]},
        "entity": [_patient(case_id, pseudonym), *_data(record, case_id)],
    }
    if record.answers:
        resource["outcomeDesc"] = ", ".join(a.kind for a in record.answers)
    if record.basis is not None and not read:
        resource["purposeOfEvent"] = [_concept(_coding(BASIS_SYSTEM, record.basis))]
    return resource


def audit_bundle(case_id: UUID, pseudonym: str | None, records: list[AuditRecord],
                 *, at: datetime) -> dict[str, Any]:
    """The case's AuditEvents as a collection Bundle, as the record stood `at`."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(at),
        "identifier": {"system": CASE_SYSTEM, "value": str(case_id)},
        "entry": [{"fullUrl": f"urn:uuid:{r.event_id}",
                   "resource": audit_event(r, case_id, pseudonym)} for r in records],
    }

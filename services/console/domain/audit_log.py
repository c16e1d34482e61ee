"""Supervision's FHIR AuditEvents of a case (IHE BALP) as rows of a table: when, read or
told, who acted (role and id), who was told and by which channel, what, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RECEIVER = "110152"  # DICOM "Destination Role ID": whoever was told
PERSON = frozenset({"IRCP", "AUT"})  # who read (recipient), or who told (author)
READ_PROFILE = "PatientRead"  # BALP's read by a person; every other event a disclosure


@dataclass(frozen=True)
class Party:
    role: str
    id: str


@dataclass(frozen=True)
class AuditRow:
    recorded: str
    read: bool  # a read, else a disclosure
    what: str
    by: tuple[Party, ...]  # the person who read, or the service that told
    told: tuple[Party, ...]
    channel: str
    succeeded: bool
    outcome: str  # the answers, comma-separated codes


def _code(concept: Any) -> str:
    if isinstance(concept, dict):
        for coding in concept.get("coding") or ():
            if isinstance(coding, dict) and coding.get("code"):
                return str(coding["code"])
    return ""


def _party(agent: dict[str, Any]) -> Party:
    roles = agent.get("role") or []
    who = agent.get("who", {}).get("identifier", {})
    return Party(_code(roles[0]) if roles else "service", str(who.get("value", "")))


def _detail(entity: dict[str, Any], kind: str) -> str:
    return next((str(d.get("valueString", "")) for d in entity.get("detail") or ()
                 if isinstance(d, dict) and d.get("type") == kind), "")


def audit_rows(bundle: Any) -> list[AuditRow]:
    """The bundle's AuditEvents in the order recorded."""
    if not isinstance(bundle, dict):
        return []
    rows = []
    for entry in bundle.get("entry") or ():
        event = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(event, dict) or event.get("resourceType") != "AuditEvent":
            continue
        profiles = event.get("meta", {}).get("profile") or []
        read = any(READ_PROFILE in str(p) for p in profiles)
        agents = [a for a in event.get("agent") or () if isinstance(a, dict)]
        told = tuple(_party(a) for a in agents if _code(a.get("type")) == RECEIVER)
        by = tuple(_party(a) for a in agents if _code(a.get("type")) in PERSON)
        entities = [e for e in event.get("entity") or () if isinstance(e, dict)]
        data = entities[1] if len(entities) > 1 else {}
        rows.append(AuditRow(str(event.get("recorded", "")), read, str(data.get("name", "")),
                             by, told, _detail(data, "channel"), event.get("outcome") == "0",
                             str(event.get("outcomeDesc", ""))))
    rows.sort(key=lambda row: row.recorded)
    return rows

"""What the receivers' FHIR facade supports, as an R4 CapabilityStatement (validated):
exactly the Task interactions and search parameters its routes serve."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

TASK_PROFILE = "http://hl7.org/fhir/StructureDefinition/Task"


def capabilities(software_version: str = "1") -> dict[str, Any]:
    statement = CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement", "status": "active",
        "date": "2026-12-03", "kind": "instance", "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "software": {"name": "casetrail referral", "version": software_version},
        "implementation": {"description": "The school's referrals to a receiver, as the "
                                          "Tasks the receiver reads and answers"},
        "rest": [{
            "mode": "server",
            "security": {"cors": False, "description": (
                "A bearer token: the receiver's own (REFERRAL_RECEIVER_TOKENS) or its "
                "liaison's from the school's issuer. A receiver sees only its own Tasks."),
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth"}]}]},
            "resource": [{
                "type": "Task", "profile": TASK_PROFILE,
                "interaction": [{"code": code} for code in
                                ("read", "search-type", "update", "patch")],
                "versioning": "versioned-update", "readHistory": False,
                "updateCreate": False, "conditionalCreate": False,
                "conditionalUpdate": False, "conditionalDelete": "not-supported",
                "searchParam": [
                    {"name": "owner", "type": "reference",
                     "documentation": "the receiver: its id, Organization/<id> or "
                                      "urn:casetrail:receiver|<id>; only the caller's own"},
                    {"name": "status", "type": "token",
                     "documentation": "an R4 task-status code"}]}]}]})
    result: dict[str, Any] = json.loads(statement.model_dump_json())
    return result

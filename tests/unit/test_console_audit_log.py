"""Who read a case and who was told, from supervision's AuditEvents, as table rows."""

from __future__ import annotations

from typing import Any

from services.console.domain.audit_log import Party, audit_rows

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."


def agent(code: str, value: str, role: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": {"coding": [{"code": code}]},
                           "who": {"identifier": {"value": value}}}
    if role:
        out["role"] = [{"coding": [{"code": role}]}]
    return out


def resource(profile: str, recorded: str, agents: list[dict[str, Any]],
             name: str, **more: Any) -> dict[str, Any]:
    return {"resource": {"resourceType": "AuditEvent", "meta": {"profile": [BALP + profile]},
                         "recorded": recorded, "agent": agents, "entity": [
                             {"what": {"type": "Patient"}},
                             {"name": name, "detail": [{"type": "channel",
                                                        "valueString": "sms"}]}]} | more}


BUNDLE = {"resourceType": "Bundle", "entry": [
    resource("PrivacyDisclosure.Source", "2026-03-01T09:00:00Z",
             [agent("AUT", "notification", "system"), agent("110153", "notification"),
              agent("110152", "1", "guardian")], "guardian_notice", outcome="0",
             outcomeDesc="acknowledged"),
    resource("PatientRead", "2026-03-01T08:00:00Z",
             [agent("IRCP", "psy-1", "psych_teacher")], "case_record", outcome="0"),
]}


def test_reads_and_disclosures_are_rows_in_the_order_recorded() -> None:
    read, told = audit_rows(BUNDLE)
    assert read.read and read.by == (Party("psych_teacher", "psy-1"),) and read.told == ()
    assert read.what == "case_record"
    assert not told.read and told.told == (Party("guardian", "1"),)
    assert told.by == (Party("system", "notification"),)
    assert (told.channel, told.succeeded, told.outcome) == ("sms", True, "acknowledged")


def test_what_is_no_bundle_gives_no_rows() -> None:
    assert audit_rows({"detail": "forbidden"}) == [] and audit_rows(None) == []

"""Who saw a case and who was told, from its envelopes alone: every read and every
disclosure as a BALP-shaped record, and as FHIR R4 AuditEvents that fhir.resources accepts."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from contracts.envelope import Envelope
from services.supervision.domain.audit_events import (
    BREAK_GLASS,
    AgentKind,
    AuditRecord,
    Kind,
    Pattern,
    audit_records,
    student_pseudonym,
)
from services.supervision.domain.audit_fhir import audit_bundle, audit_event
from tests.supervision_case import (
    CASE_ID,
    CENTRE,
    CENTRE_2,
    CONSENT,
    HOSPITAL,
    NOTICE,
    POLICE,
    REPORT,
    START,
    STUDENT_KEY,
    crisis_case,
    incident_then_transfer,
)


@pytest.fixture(scope="module")
def records() -> list[AuditRecord]:
    return audit_records(crisis_case())


def of_kind(records: list[AuditRecord], kind: Kind) -> list[AuditRecord]:
    return [r for r in records if r.kind is kind]


def test_every_read_by_a_person_is_a_record_of_who_when_why_and_what(
        records: list[AuditRecord]) -> None:
    reads = [r for r in records if r.pattern is Pattern.READ]
    seen = [(r.agent(AgentKind.USER).role, r.agent(AgentKind.USER).id,  # type: ignore[union-attr]
             r.service, r.purpose, r.what) for r in reads]
    assert seen == [("psych_teacher", "p-3", "intake", "case_work", ("case_record",)),
                    ("crisis_team_head", "h-1", "notification", "case_work", ("case_record",)),
                    ("receiver_liaison", "l-hosp", "referral", "case_work", ("packet",)),
                    ("psych_teacher", "p-7", "intake", "emergency", ("case_record",))]


def test_a_read_by_whoever_opened_the_case_by_break_glass_is_marked_as_under_it(
        records: list[AuditRecord]) -> None:
    reads = [r for r in records if r.pattern is Pattern.READ]
    assert [r.basis for r in reads] == [None, None, None, BREAK_GLASS]
    assert reads[-1].authorization is not None


def test_a_guardian_notice_is_a_disclosure_to_the_guardian_by_rank_with_its_answers(
        records: list[AuditRecord]) -> None:
    (notice,) = of_kind(records, Kind.GUARDIAN_NOTICE)
    recipient = notice.agent(AgentKind.RECIPIENT)
    assert recipient is not None and (recipient.role, recipient.id) == ("guardian", "1")
    assert notice.handle == NOTICE and notice.channel == "sms" and notice.sent
    assert [a.kind for a in notice.answers] == ["escalated", "acknowledged"]
    assert "template:crisis-guardian" in notice.what


def test_a_guardian_reached_by_phone_is_told_even_without_a_notice(
        records: list[AuditRecord]) -> None:
    (call,) = of_kind(records, Kind.GUARDIAN_CALL)
    assert call.agent(AgentKind.RECIPIENT).id == "2"  # type: ignore[union-attr]
    assert call.sent and call.answers[0].kind == "call_reached"


def test_an_escalation_tells_whom_the_ladder_names(records: list[AuditRecord]) -> None:
    (escalation,) = of_kind(records, Kind.ESCALATION)
    assert escalation.agent(AgentKind.RECIPIENT).role == "crisis_team_head"  # type: ignore[union-attr]


def test_each_referral_names_the_receiver_the_categories_the_basis_and_the_answer(
        records: list[AuditRecord]) -> None:
    referrals = {r.agent(AgentKind.RECIPIENT).id: r  # type: ignore[union-attr]
                 for r in of_kind(records, Kind.REFERRAL)}
    assert set(referrals) == {POLICE, HOSPITAL, CENTRE, CENTRE_2}
    police, hospital = referrals[POLICE], referrals[HOSPITAL]
    assert police.basis == "safety_override" and police.authorization is None
    assert police.agent(AgentKind.AUTHORIZER) is None
    assert hospital.basis == "consent" and hospital.authorization == CONSENT
    assert hospital.agent(AgentKind.AUTHORIZER).id == "1"  # type: ignore[union-attr]
    assert "assessment_summary" in hospital.what
    assert [a.kind for a in hospital.answers] == ["delivered", "accepted"]
    declined = referrals[CENTRE].answered("declined")
    assert declined is not None and declined.reason == "no_capacity"
    assert referrals[CENTRE_2].answered("accepted") is not None


def test_no_agent_is_named_only_identified_by_a_code_system_and_an_opaque_value(
        records: list[AuditRecord]) -> None:
    bundle = audit_bundle(CASE_ID, STUDENT_KEY, records, at=START)
    agents = [a for e in bundle["entry"] for a in e["resource"]["agent"]]
    assert all("name" not in a and set(a["who"]) == {"identifier"} for a in agents)
    assert "display" not in json.dumps([a["who"] for a in agents])


def test_the_patient_is_the_students_pseudonym() -> None:
    assert student_pseudonym(crisis_case()) == STUDENT_KEY


def test_every_record_is_a_valid_fhir_r4_auditevent_in_a_collection_bundle(
        records: list[AuditRecord]) -> None:
    bundle = Bundle.model_validate(audit_bundle(CASE_ID, STUDENT_KEY, records, at=START))
    assert bundle.type == "collection"
    assert len(bundle.entry or []) == len(records)
    for entry in bundle.entry or []:
        assert isinstance(entry.resource, AuditEvent)


def test_a_read_follows_balps_patient_read_and_a_disclosure_balps_disclosure_at_source(
        records: list[AuditRecord]) -> None:
    read = audit_event(records[0], CASE_ID, STUDENT_KEY)
    assert (read["type"]["code"], read["subtype"][0]["code"], read["action"]) == \
        ("rest", "read", "R")
    assert read["entity"][0]["what"]["identifier"]["value"] == STUDENT_KEY
    assert read["entity"][0]["role"]["code"] == "1"
    user = read["agent"][0]
    assert user["type"]["coding"][0]["code"] == "IRCP" and user["requestor"] is True
    assert user["purposeOfUse"][0]["coding"][1]["code"] == "CAREMGT"
    hospital = next(r for r in records if r.authorization == CONSENT)
    disclosure = audit_event(hospital, CASE_ID, STUDENT_KEY)
    assert (disclosure["type"]["code"], disclosure["subtype"][0]["code"]) == \
        ("110106", "disclose")
    kinds = [a["type"]["coding"][0]["code"] for a in disclosure["agent"]]
    assert kinds == ["AUT", "110153", "110152", "429577009"]
    assert disclosure["purposeOfEvent"][0]["coding"][0]["code"] == "consent"
    assert disclosure["outcomeDesc"] == "delivered, accepted"
    consent = disclosure["entity"][-1]
    assert consent["what"]["identifier"]["value"] == str(CONSENT)


def test_a_break_glass_read_carries_purpose_btg_and_the_break_glass_as_its_policy(
        records: list[AuditRecord]) -> None:
    glass = next(r for r in records if r.basis == BREAK_GLASS)
    user = audit_event(glass, CASE_ID, STUDENT_KEY)["agent"][0]
    assert [c["code"] for c in user["purposeOfUse"][0]["coding"]] == ["emergency", "BTG"]
    assert user["policy"] == [f"urn:uuid:{glass.authorization}"]


def test_a_notice_no_attempt_delivered_is_a_failed_disclosure() -> None:
    failed = [e for e in crisis_case() if e.type != "GuardianNoticeDispatched"]
    envelope = next(e for e in failed if e.type == "GuardianNoticeIssued")
    failure = Envelope.model_validate(envelope.model_dump() | {
        "type": "GuardianNoticeFailed", "event_id": uuid4(),
        "data": {"notice_id": str(NOTICE), "channel": "sms", "reason": "gateway_refused"}})
    (notice,) = of_kind(audit_records([*failed, failure]), Kind.GUARDIAN_NOTICE)
    assert not notice.sent
    assert audit_event(notice, CASE_ID, STUDENT_KEY)["outcome"] == "4"


def test_an_incident_reported_to_the_district_commission_is_a_disclosure_marked_late() -> None:
    (report,) = of_kind(audit_records(incident_then_transfer()), Kind.AUTHORITY_REPORT)
    recipient = report.agent(AgentKind.RECIPIENT)
    assert recipient is not None and recipient.id == "district_education_commission"
    assert report.handle == REPORT and [a.kind for a in report.answers] == ["late"]
    AuditEvent.model_validate(audit_event(report, CASE_ID, STUDENT_KEY))


def test_a_history_sent_to_the_next_school_is_a_disclosure_under_the_consent() -> None:
    (transfer,) = of_kind(audit_records(incident_then_transfer()), Kind.TRANSFER)
    assert transfer.agent(AgentKind.RECIPIENT).id == "school-77"  # type: ignore[union-attr]
    assert transfer.what == ("case_history", "risk_tier")
    assert (transfer.basis, transfer.authorization) == ("consent", CONSENT)
    resource = AuditEvent.model_validate(audit_event(transfer, CASE_ID, STUDENT_KEY))
    assert resource.type.code == "110106"

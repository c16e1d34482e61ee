"""Every GET route of every service that shows a case or a student is a logged read: one
event per record shown, naming who read it (subject and role), why (`purpose`) and what of
it; the routes that show no one's record are named, with why, so that a new route must be
placed in one list or the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from casetrail.http import api_routes
from casetrail.kernel import EventMeta
from contracts.codes import DisclosureBasis, Role, Tier
from services.assessment.application import AssessmentApplication
from services.notification.application import NotificationApplication
from services.notification.domain.directory import Guardian
from services.referral.application import ReferralApplication
from tests.application.all_services import Served, all_served
from tests.application.conftest import assigned, deliver, detected, envelope
from tests.application.reads import Read, position, reads_after
from tests.application.test_notification import SCHOOL_ID, crisis_path
from tests.application.test_referral import decide, refer
from tests.identity import bearer
from tests.supervision_world import ListedTrail, served_supervision

READER = {"role": "crisis_team", "id": "t-9"}
AS_READER = bearer("crisis_team", subject="t-9")
PURPOSE = "safety_review"
TEAM = bearer("crisis_team", subject="t-1")

# GET routes that show a record of a case or a student: what each read logs.
RECORD_READS = {
    ("intake", "/cases/{case_id}"): "case_record",
    ("intake", "/students/{school_student_id}"): "growth_file",
    ("intake", "/transfers/{transfer_id}"): "transfer_packet",
    ("intake", "/reports/{report_id}"): "report_status",
    ("intake", "/cases"): "case_list",
    ("assessment", "/cases/{case_id}"): "case_record",
    ("notification", "/cases/{case_id}"): "case_record",
    ("notification", "/students/{school_student_id}/guardians"): "guardian_contacts",
    ("notification", "/calls/pending"): "pending_calls",
    ("referral", "/cases/{case_id}"): "case_record",
    ("referral", "/cases/{case_id}/referrals/{referral_id}/packet"): "referral_packet",
    ("referral", "/referrals/flagged"): "flagged_referrals",
    ("referral", "/follow-ups/overdue"): "overdue_follow_ups",
    ("referral", "/home-visits/due"): "home_visits_due",
    ("referral", "/referrals/without-consent"): "disclosed_without_consent",
    # The receiver's FHIR facade: its Task, and its Tasks searched (a list read).
    ("referral", "/fhir/Task/{referral_id}"): "referral_task",
    ("referral", "/fhir/Task"): "referral_tasks",
    ("intake", "/retention"): "retention",
    # The auditor's replay: each service's part of a case as it stood at a time.
    ("intake", "/cases/{case_id}/state"): "case_state",
    ("assessment", "/cases/{case_id}/state"): "case_state",
    ("notification", "/cases/{case_id}/state"): "case_state",
    ("referral", "/cases/{case_id}/state"): "case_state",
    # Supervision logs its readers' reads in its own store (a list read of the one case).
    ("supervision", "/cases/{case_id}/trail"): "case_trail",
    ("supervision", "/cases/{case_id}/report"): "incident_report",
    ("supervision", "/cases/{case_id}/audit-events"): "audit_events",
    ("supervision", "/cases/{case_id}/timeline"): "case_timeline",
    ("supervision", "/worklist"): "worklist",
}
# GET routes that show nobody's record, and why.
NO_RECORD = {
    "/status": "the service's backlogs",
    "/metrics": "the service's backlogs and counts, by code",
    "/asyncapi.json": "the bus's contracts",
    "/health": "whether the service is up",
    "/figures": "counts of cases, small ones suppressed",
    "/screenings/{screening_id}/template.csv": "an instrument's header",
    "/screenings/{screening_id}/template.xlsx": "an instrument's header",
    "/instruments/{instrument}": "an instrument's form",
    "/receivers": "the directory of institutions",
    "/ledger/key": "the public key of the service's log",
    "/fhir/metadata": "what the FHIR facade supports (a CapabilityStatement)",
    # What CASES carries of each record (ids and codes) and digests: no record of a person,
    # and a logged read would change the very log an auditor is checking.
    "/ledger/records": "digests and envelopes, as on the bus",
    # Which case moved, and where on CASES: the worklist read it prompts is logged.
    "/worklist/changes": "case ids and stream positions",
}


@pytest.fixture
def services(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[dict[str, Served]]:
    with (all_served(store_url, tmp_path) as running,
          served_supervision(store_url, tmp_path) as supervision):
        yield {**running, "supervision": supervision}


def get_routes(service: Served) -> set[str]:
    routes = api_routes(service.http.app.routes)  # type: ignore[attr-defined]
    # The docs' pages and assets are not in the schema: they show nothing of anyone.
    return {route.path for route in routes
            if "GET" in (route.methods or ()) and route.include_in_schema}


def test_every_get_route_is_a_logged_read_or_shows_no_record(
        services: dict[str, Served]) -> None:
    for name, service in services.items():
        for path in get_routes(service):
            assert (name, path) in RECORD_READS or path in NO_RECORD, (name, path)
    assert all(path in get_routes(services[name]) for name, path in RECORD_READS)


def read(service: Served, path: str) -> list[Read]:
    before = position(service.app)
    response = service.http.get(path, headers=AS_READER, params={"purpose": PURPOSE})
    assert response.status_code == 200, response.text
    return reads_after(service.app, before)


def by_reader(what: str, record: UUID, case_ids: tuple[UUID, ...] = ()) -> Read:
    return Read(record, what, READER["id"], READER["role"], PURPOSE, case_ids)


def reported(intake: Served) -> tuple[UUID, UUID]:
    made = intake.http.post("/reports", json={
        "student": {"school_student_id": "S-1", "name": "张三"},
        "channel": "staff_observation"}, headers=bearer("class_teacher", subject="ct-1"))
    assert made.status_code == 201, made.text
    return UUID(made.json()["case_id"]), UUID(made.json()["report_id"])


def test_reading_an_intake_case_or_a_reports_status_logs_one_read_of_the_case(
        services: dict[str, Served]) -> None:
    intake = services["intake"]
    case_id, report_id = reported(intake)
    assert read(intake, f"/cases/{case_id}") == [by_reader("case_record", case_id)]
    assert read(intake, f"/reports/{report_id}") == [by_reader("report_status", case_id)]


def test_listing_intakes_cases_logs_one_read_of_the_cases_shown(
        services: dict[str, Served]) -> None:
    intake = services["intake"]
    case_id, _ = reported(intake)
    [logged] = read(intake, "/cases")
    assert (logged.what, logged.subject, logged.role, logged.purpose, logged.case_ids) == (
        "case_list", "t-9", "crisis_team", PURPOSE, (case_id,))


def test_reading_a_growth_file_logs_a_read_of_the_student_and_of_each_case(
        services: dict[str, Served]) -> None:
    intake = services["intake"]
    case_id, _ = reported(intake)
    student_read, case_read = read(intake, "/students/S-1")
    assert student_read.what == "growth_file" and student_read.record != case_id
    assert (student_read.subject, student_read.role, student_read.purpose) == (
        "t-9", "crisis_team", PURPOSE)
    assert case_read == by_reader("growth_file", case_id)


def test_reading_the_growth_file_of_a_student_with_flags_only_is_logged_too(
        services: dict[str, Served]) -> None:
    intake = services["intake"]
    flagged = intake.http.put("/students/S-2/key-concerns", json={
        "key_concerns": ["left_behind"]}, headers=TEAM)
    assert flagged.status_code == 200
    [logged] = read(intake, "/students/S-2")
    assert (logged.what, logged.subject, logged.purpose) == ("growth_file", "t-9", PURPOSE)


def test_reading_a_transfers_packet_logs_a_read_of_the_case_it_came_from(
        services: dict[str, Served]) -> None:
    intake = services["intake"]
    case_id, _ = reported(intake)
    sent = intake.http.post(f"/cases/{case_id}/transfers", json={
        "to_school": "middle-school-9", "to_stage": "middle",
        "consent": {"guardian_rank": 1, "guardian_given_at": datetime.now(UTC).isoformat(),
                    "student_consented": True}}, headers=TEAM)
    assert sent.status_code == 201, sent.text
    transfer_id = sent.json()["transfer_id"]
    assert read(intake, f"/transfers/{transfer_id}") == [
        by_reader("transfer_packet", case_id)]


def test_reading_an_assessment_logs_one_read_of_the_case(
        services: dict[str, Served]) -> None:
    assessment = services["assessment"]
    app = assessment.app
    assert isinstance(app, AssessmentApplication)
    case_id = uuid4()
    deliver(app, app.on_case_detected, envelope("intake", case_id, detected()))
    assert read(assessment, f"/cases/{case_id}") == [by_reader("case_record", case_id)]


def notified(notification: Served) -> UUID:
    """A crisis case whose primary guardian is to be called."""
    app = notification.app
    assert isinstance(app, NotificationApplication)
    app.record_guardians(SCHOOL_ID, [Guardian(
        rank=1, relation="mother", name="王芳", phone="+86 139 0000 0001",
        preferred_channel="phone", language="zh")], EventMeta.by("psych_teacher", "p-1"))
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    return case_id


def test_reading_a_notification_record_guardians_or_the_call_list_is_logged(
        services: dict[str, Served]) -> None:
    notification = services["notification"]
    case_id = notified(notification)
    assert read(notification, f"/cases/{case_id}") == [by_reader("case_record", case_id)]
    [contacts] = read(notification, f"/students/{SCHOOL_ID}/guardians")
    assert (contacts.what, contacts.subject, contacts.role, contacts.purpose) == (
        "guardian_contacts", "t-9", "crisis_team", PURPOSE)
    shown_contacts, listed = read(notification, "/calls/pending")
    assert shown_contacts.what == "guardian_contacts"
    assert (listed.what, listed.subject, listed.purpose, listed.case_ids) == (
        "pending_calls", "t-9", PURPOSE, (case_id,))


def test_reading_a_referral_case_its_packet_or_a_work_list_is_logged(
        services: dict[str, Served]) -> None:
    referral = services["referral"]
    app = referral.app
    assert isinstance(app, ReferralApplication)
    case_id = decide(app, Tier.SERIOUS)
    assigned(app, case_id, "p-1", Role.PSYCH_TEACHER)
    referral_id = refer(app, case_id, "district-centre", meta=EventMeta.by("crisis_team", "t-1"))
    assert read(referral, f"/cases/{case_id}") == [by_reader("case_record", case_id)]
    assert read(referral, f"/cases/{case_id}/referrals/{referral_id}/packet") == [
        by_reader("referral_packet", case_id)]
    for path, listed in [("/referrals/flagged", "flagged_referrals"),
                         ("/follow-ups/overdue", "overdue_follow_ups"),
                         ("/home-visits/due", "home_visits_due")]:
        [logged] = read(referral, path)
        assert (logged.what, logged.subject, logged.role, logged.purpose) == (
            listed, "t-9", "crisis_team", PURPOSE)


def test_the_auditors_list_of_disclosures_without_consent_is_a_logged_read_of_its_cases(
        services: dict[str, Served]) -> None:
    referral = services["referral"]
    app = referral.app
    assert isinstance(app, ReferralApplication)
    case_id = decide(app, Tier.CRISIS)
    refer(app, case_id, "anding-hospital", basis=DisclosureBasis.SAFETY_OVERRIDE,
          rationale="knife in bag")
    before = position(app)
    listed = referral.http.get("/referrals/without-consent", params={"purpose": "audit"},
                               headers=bearer("auditor", subject="a-1"))
    assert listed.status_code == 200, listed.text
    [logged] = reads_after(app, before)
    assert (logged.what, logged.subject, logged.role, logged.purpose, logged.case_ids) == (
        "disclosed_without_consent", "a-1", "auditor", "audit", (case_id,))


def test_the_auditors_replay_of_a_case_is_a_logged_read_of_it_in_supervision(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    case_id = uuid4()
    trail = ListedTrail([envelope("intake", case_id, detected())])
    with served_supervision(store_url, tmp_path, trail) as supervision:
        before = position(supervision.app)
        shown = supervision.http.get(f"/cases/{case_id}/trail", params={"purpose": "audit"},
                                     headers=bearer("auditor", subject="a-1"))
        assert shown.status_code == 200, shown.text
        [logged] = reads_after(supervision.app, before)
    assert (logged.what, logged.subject, logged.role, logged.purpose, logged.case_ids) == (
        "case_trail", "a-1", "auditor", "audit", (case_id,))

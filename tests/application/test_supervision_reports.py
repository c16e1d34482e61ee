"""The auditor reads a case's incident report and its audit events from supervision, each
read logged in supervision's store; nobody else does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from casetrail.cli.audit_report import audit_report
from casetrail.cli.commands import RequestRefused
from casetrail.cli.runtime import Runtime
from casetrail.kernel import ListReads
from casetrail.ledger.verification import Finding, FindingKind, Verdict
from contracts.case_state import PartAnswer
from contracts.envelope import Envelope
from services.supervision.application import SupervisionStore, VerificationUnavailable
from services.supervision.bootstrap import build
from services.supervision.config import SupervisionSettings
from services.supervision.incident_reports import AUDIT_EVENTS_READ, REPORT_READ
from tests.identity import bearer, token
from tests.receivers import serving_app
from tests.supervision_case import CASE_ID, HOSPITAL, crisis_case

AUDITOR = bearer("auditor", subject="a-1")


class CasesInMemory:
    """CASES as supervision's replica has it once caught up: the crisis case only."""

    caught_up = True

    def __init__(self, envelopes: list[Envelope]) -> None:
        self.cases = {CASE_ID: envelopes}

    def envelopes(self, case_id: UUID) -> Sequence[Envelope]:
        return self.cases.get(case_id, [])

    def positioned(self, case_id: UUID) -> Sequence[tuple[int, Envelope]]:
        return list(enumerate(self.envelopes(case_id), 1))


class NoServiceAsked:
    """The reports come from CASES alone: no service's own store is asked."""

    async def part(self, service: str, case_id: UUID, as_of: datetime, credentials: str,
                   purpose: str) -> PartAnswer:
        raise AssertionError(f"{service} asked for its part of a case")


@pytest.fixture
def settings(store_url: tuple[str, str | None]) -> SupervisionSettings:
    url, schema = store_url
    return SupervisionSettings(store_url=url, store_schema=schema)


@pytest.fixture
def client(settings: SupervisionSettings) -> TestClient:
    # No lifespan: the API over a replica that is already caught up.
    return TestClient(build(settings, CasesInMemory(crisis_case()), NoServiceAsked()))


def reads_of(settings: SupervisionSettings, reader_id: str) -> list[tuple[str, list[UUID]]]:
    store = SupervisionStore(settings.event_store_env())
    day = datetime.now(UTC).date().isoformat()
    log_id = ListReads.create_id("supervision", reader_id, day)
    return [(e.listed, e.case_ids) for e in store.events.get(log_id)
            if isinstance(e, ListReads.Read)]


def test_the_auditor_reads_the_incident_report_as_html_in_chinese_and_the_read_is_logged(
        client: TestClient, settings: SupervisionSettings) -> None:
    response = client.get(f"/cases/{CASE_ID}/report", params={"lang": "zh", "format": "html"},
                          headers=AUDITOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "事件报告" in response.text and "超时" in response.text
    assert reads_of(settings, "a-1") == [(REPORT_READ, [CASE_ID])]


def test_the_auditor_reads_the_incident_report_as_a_pdf_in_english(
        client: TestClient) -> None:
    response = client.get(f"/cases/{CASE_ID}/report", params={"lang": "en", "format": "pdf"},
                          headers=AUDITOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_the_auditor_reads_the_audit_events_as_a_fhir_bundle_and_the_read_is_logged(
        client: TestClient, settings: SupervisionSettings) -> None:
    response = client.get(f"/cases/{CASE_ID}/audit-events", headers=AUDITOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection" and len(bundle.entry or []) == 11
    assert reads_of(settings, "a-1") == [(AUDIT_EVENTS_READ, [CASE_ID])]


@pytest.mark.parametrize("role", ["district_officer", "crisis_team_head", "principal",
                                  "psych_teacher", "receiver_liaison", "system"])
@pytest.mark.parametrize("path", ["report", "audit-events"])
def test_no_one_but_the_auditor_reads_them(client: TestClient, role: str, path: str) -> None:
    outside = role in {"district_officer", "receiver_liaison"}
    response = client.get(f"/cases/{CASE_ID}/{path}", headers=bearer(
        role, subject="x-1", school=None if outside else "school-1",
        receiver=HOSPITAL if role == "receiver_liaison" else None))
    assert response.status_code == 403


def test_a_case_cases_does_not_hold_is_not_found(client: TestClient) -> None:
    response = client.get(f"/cases/{uuid4()}/audit-events", headers=AUDITOR)
    assert response.status_code == 404


def test_a_language_or_format_the_report_has_not_is_refused_naming_the_field(
        client: TestClient) -> None:
    response = client.get(f"/cases/{CASE_ID}/report", params={"lang": "fr"}, headers=AUDITOR)
    assert response.status_code == 422
    assert "lang" in response.text and "fr" not in response.text.replace("format", "")


def test_casetrail_audit_report_writes_the_report_the_auditor_reads(
        settings: SupervisionSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    api = build(settings, CasesInMemory(crisis_case()), NoServiceAsked())
    output = tmp_path / "report.html"
    with serving_app(api, lifespan="off") as base:
        runtime = Runtime("nats://127.0.0.1:4222", {"supervision": base})
        assert audit_report(runtime, CASE_ID, "en", "html", output, token("auditor"),
                            None) == 0
        with pytest.raises(RequestRefused):
            audit_report(runtime, CASE_ID, "en", "html", output, token("principal"), None)
    assert "Incident report" in output.read_text()
    assert str(output) in capsys.readouterr().out


class FixedVerdict:
    """The verifier port, answering one verdict for the case (or the bus being down)."""

    def __init__(self, verdict: Verdict | None) -> None:
        self.verdict = verdict
        self.asked: list[UUID] = []

    async def verify(self, case_id: UUID) -> Verdict:
        self.asked.append(case_id)
        if self.verdict is None:
            raise VerificationUnavailable("the bus is down")
        return self.verdict


ALTERED = Finding(FindingKind.BUS_ALTERED, "intake", 3, f"CaseOpened v1 of case {CASE_ID}",
                  "at stream sequence 7: its sha256 differs from the envelope committed in "
                  "leaf 2")
PENDING = Finding(FindingKind.NOT_YET_CHECKPOINTED, "referral", 9, None,
                  "not in a checkpoint yet: 1 event after position 8, the last checkpointed")


def report_text(settings: SupervisionSettings, verifier: FixedVerdict | None) -> str:
    api = build(settings, CasesInMemory(crisis_case()), NoServiceAsked(), verifier=verifier)
    response = TestClient(api).get(f"/cases/{CASE_ID}/report",
                                   params={"lang": "en", "format": "html"}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def test_a_case_whose_events_match_the_signed_checkpoints_is_reported_verified(
        settings: SupervisionSettings) -> None:
    verifier = FixedVerdict(Verdict((PENDING,), events_checked=23, checkpoints_checked=4))
    text = report_text(settings, verifier)
    assert verifier.asked == [CASE_ID]
    assert 'id="verdict">Verified: no finding' in text
    assert '<td id="events-checked">23</td>' in text
    assert "not in a checkpoint yet" in text  # a note, not a finding
    assert "stores were not compared" in text and "casetrail verify --case" in text


def test_a_finding_is_reported_naming_the_event(settings: SupervisionSettings) -> None:
    text = report_text(settings, FixedVerdict(Verdict((ALTERED,), 23, 4)))
    assert 'id="verdict">Verification found problems' in text
    assert "BUS_ALTERED" in text and f"intake position 3 (CaseOpened v1 of case {CASE_ID})" \
        in text
    assert "Verified" not in text


def test_without_a_pinned_key_the_report_says_the_checkpoints_could_not_be_checked(
        settings: SupervisionSettings) -> None:
    text = report_text(settings, None)
    assert "Not verified: the checkpoints could not be checked" in text
    assert "SUPERVISION_LEDGER_KEYS_FILE" in text and "Verified" not in text


def test_a_bus_that_cannot_be_read_leaves_the_report_unverified_saying_so(
        settings: SupervisionSettings) -> None:
    text = report_text(settings, FixedVerdict(None))
    assert "Not verified: the bus could not be read" in text and "Verified" not in text

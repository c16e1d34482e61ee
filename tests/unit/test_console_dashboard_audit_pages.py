"""The dashboard and the auditor's view, against services that answer canned JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.console.application import ServiceUnavailable
from tests.console_fakes import FakeServices, console_app, signed_in

CASE = UUID(int=3)
FIGURES: dict[str, Any] = {
    "from": "2026-03-01", "to": "2026-06-30", "by": "school", "timezone": "Asia/Shanghai",
    "as_of": "2026-06-30T08:00:00+00:00", "smallest_shown": 5, "groups": [{
        "school": "school-1", "cases": 12, "by_tier": {"crisis": "<5", "general": "withheld",
                                                       "serious": 7},
        "by_source": {"staff_observation": 12},
        "hours_to_stage": {"assessed": {"cases": 12, "p50": 1.5, "p90": 4.0}},
        "guardians": {"notified": 12, "by_outcome": {"reached": 12}, "reached_share": 1.0,
                      "hours_to_reach": {"cases": 12, "p50": 0.2, "p90": 1.0}},
        "referrals": {"made": "<5"}, "follow_ups": {}, "home_visits": {}, "closures": {}}]}


def event(at: str, kind: str) -> dict[str, Any]:
    return {"event_id": kind, "service": "intake", "type": kind, "recorded_at": at,
            "occurred_at": at, "actor": {"role": "class_teacher", "id": "t-1"}}


def trail(as_of: str, *events: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": str(CASE), "as_of": as_of, "events": list(events), "differences": [
        {"service": "referral", "field": "closed", "cases_says": True, "store_says": False}],
        "stores": {"intake": {"status": "answered"}}, "state": {
            "stage": "detected", "closed": False, "events": len(events), "told": [],
            "assessment": {"tier": None}, "referral": {"referrals": []},
            "follow_ups_due": [], "follow_ups_overdue": [], "flags": []}}


def test_the_figures_are_tables_and_bars_and_no_bar_for_a_suppressed_count() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", "/figures", FIGURES)
    client, _ = signed_in(console_app(services), "district_officer")
    page = client.get("/dashboard?from=2026-03-01&to=2026-06-30&by=school")
    assert page.status_code == 200
    assert services.calls[-1].params == {"from": "2026-03-01", "to": "2026-06-30",
                                         "by": "school", "format": "json"}
    assert 'data-test="figures-by_tier"' in page.text and "<svg" in page.text
    assert page.text.count('class="bar"') == 1 + 1 + 1 + 1  # groups, serious, source, reached
    assert "&lt;5" in page.text and "/dashboard/figures.xlsx?from=2026-03-01" in page.text


def test_the_dashboard_speaks_english_when_chosen() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", "/figures", FIGURES)
    client, _ = signed_in(console_app(services), "district_officer")
    client.cookies.set("console_lang", "en")
    page = client.get("/dashboard?from=2026-03-01&to=2026-06-30")
    assert "Cases detected from Mar 1, 2026 to Jun 30, 2026" in page.text
    assert "督导" not in page.text


def test_a_period_that_is_no_date_is_refused_naming_the_field_without_asking() -> None:
    services = FakeServices()
    client, _ = signed_in(console_app(services), "district_officer")
    page = client.get("/dashboard?from=someday")
    assert 'data-test="refusal"' in page.text and "someday" not in page.text
    assert services.calls == []


def test_the_figures_file_is_handed_on() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", "/figures", b"a,b\n", content_type="text/csv",
                    headers={"content-disposition": 'attachment; filename="f.csv"'})
    client, _ = signed_in(console_app(services), "auditor")
    download = client.get("/dashboard/figures.csv?from=2026-03-01&to=2026-06-30")
    assert download.content == b"a,b\n" and services.calls[-1].params["format"] == "csv"


def test_a_403_from_supervision_is_shown_as_a_message() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", f"/cases/{CASE}/trail",
                    {"detail": "only auditor may read_trail"}, status=403)
    services.answer("supervision", "GET", f"/cases/{CASE}/audit-events",
                    {"detail": "only auditor may read_audit_events"}, status=403)
    client, _ = signed_in(console_app(services), "district_officer")
    page = client.get(f"/audit/cases/{CASE}")
    assert page.status_code == 200
    assert 'data-test="refusal"' in page.text and "only auditor may read_trail" in page.text


def test_the_slider_stops_at_each_event_and_a_stop_asks_the_trail_at_its_moment() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", f"/cases/{CASE}/trail", trail(
        "2026-03-03T00:00:00+00:00", event("2026-03-01T08:00:00+00:00", "CaseDetected"),
        event("2026-03-02T08:00:00+00:00", "TierDecided")))
    services.answer("supervision", "GET", f"/cases/{CASE}/audit-events", {
        "resourceType": "Bundle", "entry": []})
    client, _ = signed_in(console_app(services), "auditor")
    page = client.get(f"/audit/cases/{CASE}")
    assert 'data-test="slider"' in page.text and 'max="1"' in page.text
    assert 'value="1"' in page.text and 'data-test="differences"' in page.text
    assert f"/audit/cases/{CASE}/report.pdf?lang=zh" in page.text
    moments = "2026-03-01T08:00:00+00:00 2026-03-02T08:00:00+00:00"
    part = client.get(f"/audit/cases/{CASE}/as-of", params={"step": 0, "moments": moments})
    assert part.status_code == 200 and "<html" not in part.text
    assert "第 1 个事件，共 2 个" in part.text
    assert services.calls[-1].params == {"as_of": "2026-03-01T08:00:00+00:00"}
    client.get(f"/audit/cases/{CASE}?step=0")
    assert services.calls[-1].params == {"as_of": "2026-03-01T08:00:00+00:00"}


def test_the_access_and_disclosure_log_is_a_table() -> None:
    services = FakeServices()
    services.answer("supervision", "GET", f"/cases/{CASE}/trail", trail("2026-03-03T00:00Z"))
    services.answer("supervision", "GET", f"/cases/{CASE}/audit-events", {
        "resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "AuditEvent", "recorded": "2026-03-01T08:00:00Z", "outcome": "0",
            "meta": {"profile": ["…/IHE.BasicAudit.PatientRead"]},
            "agent": [{"type": {"coding": [{"code": "IRCP"}]},
                       "who": {"identifier": {"value": "psy-1"}},
                       "role": [{"coding": [{"code": "psych_teacher"}]}]}],
            "entity": [{}, {"name": "case_record"}]}}]})
    client, _ = signed_in(console_app(services), "auditor")
    page = client.get(f"/audit/cases/{CASE}")
    assert 'data-test="audit-events"' in page.text and "psy-1" in page.text


def test_a_case_id_that_is_not_one_is_said_and_one_that_is_opens_the_case() -> None:
    client, _ = signed_in(console_app(FakeServices()), "auditor")
    assert client.get("/audit?case_id=nope").text.count('role="alert"') == 1
    moved = client.get(f"/audit?case_id={CASE}")
    assert moved.status_code == 303 and moved.headers["location"] == f"/audit/cases/{CASE}"


def test_a_service_that_does_not_answer_is_said_on_the_page() -> None:
    class Silent(FakeServices):
        async def openapi(self, service: str) -> Mapping[str, Any]:
            raise ServiceUnavailable(service)

    client, _ = signed_in(console_app(Silent()), "psych_teacher")
    page = client.get("/report")

    assert page.status_code == 503
    assert "intake does not answer" in page.text

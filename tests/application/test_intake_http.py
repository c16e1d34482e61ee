"""Intake's HTTP API: bad input named by field (422), broken rules (409), files uploaded."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.intake.adapters.sheets import read_sheet
from services.intake.application.screenings import NO_CONSENT
from services.intake.domain.screening_sheet import Sheet
from tests.application.intake_api import PSYCH, READ_AS, TEACHER, by, report, served
from tests.identity import bearer
from tests.intake_files import csv_file, xlsx_file

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def asq_screening(client: TestClient) -> str:
    screening_id: str = client.post("/screenings", json={
        "instrument": "asq", "held_on": "2026-03-01"}, headers=by(PSYCH)).json()["screening_id"]
    return screening_id


def upload(client: TestClient, screening_id: str, name: str, content: bytes,
           kind: str = CSV, role: str = "psych_teacher") -> httpx.Response:
    response: httpx.Response = client.post(f"/screenings/{screening_id}/imports",
                                           files={"file": (name, content, kind)},
                                           headers=bearer(role))
    return response


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    with served(env) as client:
        # Signed in as the school's crisis team unless a request says who else acts.
        client.headers.update(bearer("crisis_team", subject="t-1"))
        yield client


@pytest.mark.parametrize(("channel", "role"), [
    ("guardian", "class_teacher"), ("hotline", "guardian")])
def test_a_report_through_a_channel_not_the_signed_in_roles_is_forbidden(
        client: TestClient, channel: str, role: str) -> None:
    response = client.post("/reports", json={
        "student": {"school_student_id": "S-1"}, "channel": channel},
        headers=bearer(role, subject="x-1"))
    assert response.status_code == 403


def test_a_report_through_a_channel_no_person_reports_by_is_refused_naming_the_channel(
        client: TestClient) -> None:
    response = client.post("/reports", json={
        "student": {"school_student_id": "S-1"}, "channel": "screening"},
        headers=bearer("psych_teacher"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "channel"]


def test_a_report_climbs_by_request_and_the_case_record_shows_its_path(
        client: TestClient) -> None:
    received = report(client)
    path = f"/cases/{received['case_id']}/reports/{received['report_id']}"
    skipping = client.post(f"{path}/forwards", json={"to_level": "school"}, headers=by(TEACHER))
    assert skipping.status_code == 409
    assert client.post(f"{path}/forwards",
                       json={"to_level": "grade"}, headers=by(TEACHER)).status_code == 201
    leader = {"role": "grade_leader", "id": "gl-1"}
    acknowledged = client.post(f"{path}/acknowledgements", json={"level": "grade"},
        headers=by(leader))
    assert acknowledged.status_code == 201
    assert acknowledged.json()["level"] == "grade"
    twice = client.post(f"{path}/acknowledgements", json={"level": "grade"}, headers=by(leader))
    assert twice.status_code == 409
    record = client.get(f"/cases/{received['case_id']}", headers=READ_AS).json()
    steps = [(s["step"], s["level"], s["by_id"]) for s in record["reports"][0]["path"]]
    assert steps == [("reported", "class", "ct-1"), ("forwarded", "grade", "ct-1"),
                     ("acknowledged", "grade", "gl-1")]


def test_flags_and_the_growth_file_by_school_id(client: TestClient) -> None:
    received = report(client)
    flagged = client.put("/students/S-1/key-concerns",
                         json={"key_concerns": ["bereaved"]}, headers=by(PSYCH))
    assert flagged.status_code == 200
    assert flagged.json() == {"key_concerns": ["bereaved"]}
    growth = client.get("/students/S-1", headers=READ_AS).json()
    assert growth["key_concerns"] == ["bereaved"]
    assert [c["case_id"] for c in growth["cases"]] == [received["case_id"]]
    assert client.get("/students/S-404", headers=READ_AS).status_code == 404
    assert client.get("/students/S-1", headers=bearer("peer")).status_code == 403


@pytest.mark.parametrize(("name", "kind", "content"), [
    ("answers.csv", CSV, csv_file(("school_student_id", "q1", "q2", "q3", "q4", "q5"),
                                  ("S-1", "是", "否", "否", "否", "否"),
                                  ("S-2", "yes", "no", "no", "no", "no"))),
    ("answers.xlsx", XLSX, xlsx_file(("school_student_id", "q1", "q2", "q3", "q4", "q5"),
                                     ("S-1", "是", "否", "否", "否", "否"),
                                     ("S-2", "yes", "no", "no", "no", "no"))),
])
def test_a_screening_file_is_uploaded_consented_rows_scored_and_the_rest_refused_by_line(
        client: TestClient, name: str, kind: str, content: bytes) -> None:
    screening = client.post("/screenings", json={"instrument": "asq", "held_on": "2026-03-01",
                                                 "grade_label": "初二"}, headers=by(PSYCH))
    assert screening.status_code == 201
    screening_id = screening.json()["screening_id"]
    consents = client.post(f"/screenings/{screening_id}/consents", json={
        "consents": [{"school_student_id": "S-1", "student_consented": True,
                      "guardian_consented": True, "guardian_rank": 1}]}, headers=by(PSYCH))
    assert consents.json()["consented"] == 1
    form = by(PSYCH)
    uploaded = client.post(f"/screenings/{screening_id}/imports",
                           files={"file": (name, content, kind)}, headers=form)
    assert uploaded.status_code == 201, uploaded.text
    result = uploaded.json()
    assert result["accepted"] == 1 and result["positive"] == 1
    assert [r["line"] for r in result["refused"]] == [3]
    again = client.post(f"/screenings/{screening_id}/imports",
                        files={"file": (name, content, kind)}, headers=form)
    assert again.json() == result


def test_a_preview_of_an_upload_answers_as_the_import_would_and_takes_nothing(
        client: TestClient) -> None:
    screening_id = asq_screening(client)
    client.post(f"/screenings/{screening_id}/consents", json={
        "consents": [{"school_student_id": "S-1", "student_consented": True,
                      "guardian_consented": True}]}, headers=by(PSYCH))
    content = csv_file(("school_student_id", "q1", "q2", "q3", "q4", "q5"),
                       ("S-1", "yes", "no", "no", "no", "no"), ("S-2", "no", "no", "no", "no"))
    preview = client.post(f"/screenings/{screening_id}/imports/preview",
                          files={"file": ("a.csv", content, CSV)}, headers=by(PSYCH))
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"screening_id": screening_id, "imported_already": False,
                              "accepted": 1, "positive": 1,
                              "refused": [{"line": 3, "reason": NO_CONSENT}]}
    imported = upload(client, screening_id, "a.csv", content)
    assert imported.json()["accepted"] == 1 and imported.json()["cases"]
    for refused in [("notes.txt", b"hello", "text/plain"), ("a.csv", b"name,q1\nS-1,1\n", CSV)]:
        answer = client.post(f"/screenings/{screening_id}/imports/preview",
                             files={"file": refused}, headers=by(PSYCH))
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "file"]
    forbidden = client.post(f"/screenings/{screening_id}/imports/preview",
                            files={"file": ("a.csv", content, CSV)},
                            headers=bearer("class_teacher"))
    assert forbidden.status_code == 403


def test_a_file_that_is_no_spreadsheet_or_a_cut_off_workbook_is_refused_naming_the_file(
        client: TestClient) -> None:
    screening_id = client.post("/screenings", json={
        "instrument": "phq_a", "held_on": "2026-03-01"}, headers=by(PSYCH)).json()["screening_id"]
    form = by(PSYCH)
    workbook = xlsx_file(("school_student_id", "q1"), ("S-1", 1))
    for upload in [("notes.txt", b"hello", "text/plain"),
                   ("a.csv", b"name,q1\nS-1,1\n", CSV),
                   ("a.xlsx", workbook[:-10], XLSX)]:
        response = client.post(f"/screenings/{screening_id}/imports",
                               files={"file": upload}, headers=form)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "file"]


def test_an_incident_starts_the_checklist_and_each_item_is_done_once(
        client: TestClient) -> None:
    response = client.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm", "description": "在宿舍"},
            headers=by(TEACHER))
    assert response.status_code == 201
    incident = response.json()
    item = f"/cases/{incident['case_id']}/incidents/{incident['incident_id']}/checklist"
    assert client.post(item, json={"item": "first_aid"}).status_code == 201
    assert client.post(item, json={"item": "first_aid"}).status_code == 409
    assert client.post(item, json={"item": "unknown"}).status_code == 409
    record = client.get(f"/cases/{incident['case_id']}", headers=READ_AS).json()
    checklist = record["incidents"][0]["checklist"]
    assert [c["item"] for c in checklist if c["done"]] == ["first_aid"]


def test_a_transfer_with_consent_is_received_once_and_its_packet_read(
        client: TestClient) -> None:
    case_id = report(client)["case_id"]
    body: dict[str, Any] = {"to_school": "middle-9", "to_stage": "middle"}
    assert client.post(f"/cases/{case_id}/transfers", json=body).status_code == 409
    body["consent"] = {"guardian_rank": 1, "guardian_given_at": "2026-01-05T08:00:00Z",
                       "student_consented": True}
    sent = client.post(f"/cases/{case_id}/transfers", json=body)
    assert sent.status_code == 201
    transfer_id = sent.json()["transfer_id"]
    receipt = {"school_student_id": "M-1", "school_code": "middle-9"}
    received = client.post(f"/transfers/{transfer_id}/receipt", json=receipt,
                           headers=bearer("psych_teacher", subject="m-1"))
    assert received.status_code == 201
    assert client.post(f"/transfers/{transfer_id}/receipt", json=receipt).status_code == 409
    packet = client.get(f"/transfers/{transfer_id}", headers=READ_AS).json()
    assert packet["from_case_id"] == case_id
    assert packet["received_record_id"] == received.json()["case_id"]
    new_record = client.get(f"/cases/{received.json()['case_id']}", headers=READ_AS).json()
    assert new_record["kind"] == "transferred_record"


def test_screenings_and_transfers_are_forbidden_to_anyone_but_the_psychology_staff(
        client: TestClient) -> None:
    screening = client.post("/screenings", json={"instrument": "asq", "held_on": "2026-03-01"},
        headers=by(TEACHER))
    assert screening.status_code == 403
    refused = upload(client, asq_screening(client), "a.csv", b"school_student_id,q1\n",
                     role="class_teacher")
    assert refused.status_code == 403
    case_id = report(client)["case_id"]
    transfer = client.post(f"/cases/{case_id}/transfers", json={
        "to_school": "middle-9", "to_stage": "middle",
        "consent": {"guardian_rank": 1, "guardian_given_at": "2026-01-05T08:00:00Z",
                    "student_consented": True}}, headers=bearer("guardian", subject="g"))
    assert transfer.status_code == 403


def test_an_uploaded_file_is_parsed_once_off_the_application_thread(
        env: dict[str, str]) -> None:
    parsed_on: list[str] = []

    def reading(filename: str, content: bytes) -> Sheet:
        parsed_on.append(threading.current_thread().name)
        return read_sheet(filename, content)

    content = xlsx_file(("school_student_id", "q1", "q2", "q3", "q4", "q5"),
                        ("S-1", "no", "no", "no", "no"))
    with served(env, reader=reading) as client:
        uploaded = upload(client, asq_screening(client), "a.xlsx", content, XLSX)
    assert uploaded.status_code == 201
    assert len(parsed_on) == 1 and not parsed_on[0].startswith("intake-test")


@pytest.mark.parametrize(("lang", "student"), [("zh", "学号"), ("en", "school_student_id")])
def test_the_screenings_template_downloads_in_either_language_and_imports_as_filled_in(
        client: TestClient, lang: str, student: str) -> None:
    screening_id = asq_screening(client)
    client.post(f"/screenings/{screening_id}/consents", json={"consents": [
        {"school_student_id": "S-1", "student_consented": True, "guardian_consented": True}]},
            headers=by(PSYCH))
    as_csv = client.get(f"/screenings/{screening_id}/template.csv", params={"lang": lang})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    [header] = csv.reader(as_csv.content.decode("utf-8-sig").splitlines())
    assert header[0] == student and len(header) == 6
    as_xlsx = client.get(f"/screenings/{screening_id}/template.xlsx", params={"lang": lang})
    assert read_sheet("t.xlsx", as_xlsx.content).header == header
    filled = as_csv.content + "S-1,是,否,否,否,否\r\n".encode()
    assert upload(client, screening_id, "filled.csv", filled).json()["positive"] == 1


def test_the_templates_openapi_declares_the_files_they_download_as(
        client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for kind, media_type in (("csv", CSV), ("xlsx", XLSX)):
        answer = paths[f"/screenings/{{screening_id}}/template.{kind}"]["get"]["responses"]
        assert list(answer["200"]["content"]) == [media_type]


def test_a_file_lacking_columns_is_a_422_naming_them_and_an_unknown_template_a_404(
        client: TestClient) -> None:
    screening_id = asq_screening(client)
    refused = upload(client, screening_id, "a.csv", b"school_student_id,q1,q2\nS-1,no,no\n")
    assert refused.status_code == 422
    [error] = refused.json()["detail"]
    assert error["loc"] == ["body", "file"] and "columns q3, q4, q5" in error["msg"]
    unknown = "00000000-0000-0000-0000-000000000007"
    assert client.get(f"/screenings/{unknown}/template.csv").status_code == 404
    assert client.get(f"/screenings/{screening_id}/template.csv",
                      params={"lang": "fr"}).status_code == 422


def test_a_break_glass_opens_by_the_servers_clock_and_lasts_no_longer_than_it_says(
        client: TestClient) -> None:
    case_id = report(client)["case_id"]
    opener = bearer("psych_teacher", subject="p-glass")
    path = f"/cases/{case_id}/break-glass"
    later = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    dated = client.post(path, json={"reason": "imminent_danger", "minutes": 120, "at": later},
                        headers=opener)
    assert dated.status_code == 422
    assert dated.json()["detail"][0]["loc"] == ["body", "at"]
    opened = client.post(path, json={"reason": "imminent_danger", "minutes": 120},
                         headers=opener)
    assert opened.status_code == 201, opened.text
    until = datetime.fromisoformat(opened.json()["until"])
    assert until <= datetime.now(UTC) + timedelta(minutes=120)

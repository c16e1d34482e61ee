"""The screening pages, against services that answer canned JSON: a file previewed shows
the rows intake would refuse and records nothing; imported, it is sent with its key."""

from __future__ import annotations

from uuid import UUID

import pytest

from services.console.application import Call
from tests.console_fakes import FakeServices, console_app, signed_in

SCREENING = UUID(int=5)
PREVIEWED = {"screening_id": str(SCREENING), "imported_already": False, "accepted": 2,
             "positive": 1, "refused": [
                 {"line": 4, "reason": "no recorded informed consent of both the student "
                                       "and the guardian for this screening"}]}
FILE = {"file": ("answers.csv", b"school_student_id,q1\nS-1,yes\n", "text/csv")}


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


def test_a_preview_shows_the_rows_that_will_be_refused_and_why(
        services: FakeServices) -> None:
    services.answer("intake", "POST", f"/screenings/{SCREENING}/imports/preview", PREVIEWED)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/preview", data={"csrf": csrf}, files=FILE,
                       headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert 'data-test="preview-table"' in page.text and 'data-test="refused-row"' in page.text
    assert "<td>4</td>" in page.text
    [sent] = services.calls
    assert sent.files == FILE and sent.idempotency_key is None
    assert not services.asked("intake", f"/screenings/{SCREENING}/imports")


def test_the_import_sends_the_same_file_with_the_forms_key_and_draws_a_new_one(
        services: FakeServices) -> None:
    services.answer("intake", "POST", f"/screenings/{SCREENING}/imports", {
        "batch_id": "b", "accepted": 2, "positive": 1, "refused": PREVIEWED["refused"],
        "cases": [{"line": 2, "case_id": str(UUID(int=9)), "opened": True}]}, status=201)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/import", files=FILE,
                       data={"csrf": csrf, "idempotency_key": "k-1"},
                       headers={"HX-Request": "true"})
    [sent] = services.calls
    assert sent == Call("intake", "POST", f"/screenings/{SCREENING}/imports", files=FILE,
                        idempotency_key="k-1")
    assert 'data-test="refused-rows"' in page.text
    assert f'href="/cases/{UUID(int=9)}"' in page.text
    assert 'hx-swap-oob="true"' in page.text and 'value="k-1"' not in page.text


def test_a_file_refused_whole_says_nothing_was_taken(services: FakeServices) -> None:
    services.answer("intake", "POST", f"/screenings/{SCREENING}/imports/preview", {
        "detail": [{"loc": ["body", "file"], "type": "value_error",
                    "msg": "the file lacks the asq columns q3"}]}, status=422)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/preview", data={"csrf": csrf}, files=FILE,
                       headers={"HX-Request": "true"})
    assert page.status_code == 200 and "lacks the asq columns q3" in page.text
    assert 'role="alert"' in page.text


def test_no_file_chosen_is_said_without_asking_intake(services: FakeServices) -> None:
    client, csrf = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/preview", data={"csrf": csrf},
                       headers={"HX-Request": "true"})
    assert 'data-test="refusal"' in page.text and services.calls == []


def test_without_script_the_preview_is_a_page_of_its_own(services: FakeServices) -> None:
    services.answer("intake", "POST", f"/screenings/{SCREENING}/imports/preview", PREVIEWED)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/preview", data={"csrf": csrf}, files=FILE)
    assert "<html" in page.text and 'data-test="preview-table"' in page.text
    assert f'href="/screenings/{SCREENING}"' in page.text


def test_a_form_without_the_sessions_csrf_token_is_refused(services: FakeServices) -> None:
    client, _ = signed_in(console_app(services), "psych_teacher")
    page = client.post(f"/screenings/{SCREENING}/import", data={"csrf": "forged"}, files=FILE)
    assert page.status_code == 403 and services.calls == []


def test_a_screening_is_scheduled_from_intakes_form_and_its_page_follows(
        services: FakeServices) -> None:
    services.answer("intake", "POST", "/screenings", {"screening_id": str(SCREENING)}, 201)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    assert 'name="instrument"' in client.get("/screenings").text
    moved = client.post("/screenings", data={"csrf": csrf, "idempotency_key": "k-2",
                                             "instrument": "asq", "held_on": "2026-09-01"})
    assert moved.status_code == 303 and moved.headers["location"] == f"/screenings/{SCREENING}"
    assert services.calls[-1].json == {"instrument": "asq", "held_on": "2026-09-01"}
    page = client.get(f"/screenings/{SCREENING}")
    assert f"/screenings/{SCREENING}/template.xlsx?lang=en" in page.text
    assert 'data-test="preview"' in page.text and 'type="file"' in page.text


def test_consents_are_recorded_from_the_rows_filled_in(services: FakeServices) -> None:
    services.answer("intake", "POST", f"/screenings/{SCREENING}/consents",
                    {"screening_id": str(SCREENING), "consented": 1}, 201)
    client, csrf = signed_in(console_app(services), "psych_teacher")
    moved = client.post(f"/screenings/{SCREENING}/consents", data={
        "csrf": csrf, "idempotency_key": "k-3", "consents.0.school_student_id": "S-1",
        "consents.0.student_consented": "true", "consents.0.guardian_consented": "true"})
    assert moved.status_code == 303
    assert services.calls[-1].json == {"consents": [{
        "school_student_id": "S-1", "student_consented": True, "guardian_consented": True}]}


def test_the_template_is_handed_on_as_the_file_intake_sent(services: FakeServices) -> None:
    services.answer("intake", "GET", f"/screenings/{SCREENING}/template.csv",
                    "学号,q1\n".encode(), content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="screening-zh.csv"'})
    client, _ = signed_in(console_app(services), "psych_teacher")
    download = client.get(f"/screenings/{SCREENING}/template.csv?lang=zh")
    assert download.content == "学号,q1\n".encode()
    assert download.headers["content-disposition"] == 'attachment; filename="screening-zh.csv"'
    assert services.calls[-1].params == {"lang": "zh"}
    assert client.get(f"/screenings/{SCREENING}/template.exe").status_code == 404

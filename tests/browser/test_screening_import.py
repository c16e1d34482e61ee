"""A screening run through the console's pages: scheduled, consents recorded, the template
downloaded, a file of answers previewed (a refused row shown with its reason, nothing
recorded) and then imported."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from contracts.codes import Role
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PSYCH, TEAM = PEOPLE[Role.PSYCH_TEACHER], PEOPLE[Role.CRISIS_TEAM]
CONSENTED = ("s-screen-calm", "s-screen-worried")
NOT_CONSENTED = "s-screen-unasked"
# The ASQ's four questions, then the acuity question asked only after a yes.
ANSWERS = {"s-screen-calm": ("no", "no", "no", "no", ""),
           "s-screen-worried": ("yes", "no", "no", "no", "no"),
           NOT_CONSENTED: ("no", "no", "no", "no", "")}


def scheduled(page: Page, shot: Screenshots) -> str:
    page.click("nav a[href='/screenings']")
    form = page.locator("form[data-test=form-schedule_screening]")
    form.locator("[name=instrument]").select_option("asq")
    form.locator("[name=held_on]").fill(
        datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d"))
    form.locator("[name=grade_label]").fill("初二")
    shot(page, "schedule-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/screenings/[0-9a-f-]{36}$"))
    return page.locator("[data-test=screening-id]").inner_text()


def consents_recorded(page: Page, shot: Screenshots) -> None:
    page.click("#h-consents + details > summary")
    form = page.locator("form[data-test=form-screening_consents]")
    for row, student in enumerate(CONSENTED):
        form.locator(f"[name='consents.{row}.school_student_id']").fill(student)
        form.locator(f"[name='consents.{row}.student_consented'][value=true]").check()
        form.locator(f"[name='consents.{row}.guardian_consented'][value=true]").check()
    shot(page, "consents-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=consents$"))
    expect(page.locator("[data-test=done]")).to_be_visible()


def template_header(page: Page, shot: Screenshots) -> list[str]:
    """The Chinese CSV template as the browser saves it: its header and nothing else."""
    with page.expect_download() as arrived:
        page.click("[data-test=templates] a[href$='template.csv?lang=zh']")
    download = arrived.value
    assert download.suggested_filename == "screening-zh.csv"
    lines = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    shot(page, "template-downloaded")
    assert len(lines) == 1
    return lines[0]


def answers_file(header: list[str], folder: Path) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for student, answers in ANSWERS.items():
        writer.writerow((student, *answers))
    path = folder / "answers.csv"
    path.write_text(out.getvalue(), "utf-8")
    return path


def screening_cases(site: Site) -> int:
    return sum(case["channel"] == "screening"
               for case in site.read("intake", "/cases", TEAM))


def test_a_psychology_teacher_previews_a_file_with_a_row_without_consent_and_then_imports_it(
        page: Page, shot: Screenshots, site: Site, tmp_path: Path) -> None:
    signed_in(page, PSYCH)
    screening_id = scheduled(page, shot)
    consents_recorded(page, shot)
    header = template_header(page, shot)
    assert header[0] == "学号" and len(header) == 6
    answers = answers_file(header, tmp_path)
    opened_before = screening_cases(site)

    upload = page.locator("form[data-test=form-import]")
    upload.locator("[data-test=file]").set_input_files(str(answers))
    upload.locator("[data-test=preview]").click()
    expect(page.locator("[data-test=preview-result]")).to_be_visible()
    expect(page.locator("[data-test=preview-summary]")).to_contain_text(
        re.compile(r"将计分行数: 2 .*筛查阳性: 1 .*拒收行数: 1"))
    refused = page.locator("[data-test=preview-table] [data-test=refused-row]")
    expect(refused).to_have_count(1)
    expect(refused.locator("td")).to_have_text(
        ["4", "无知情同意", re.compile(r"^no recorded informed consent")])
    shot(page, "previewed")
    # Intake has taken nothing: the file is not imported, and no screen opened a case.
    again = site.posted("intake", f"/screenings/{screening_id}/imports/preview", PSYCH,
                        files={"file": ("answers.csv", answers.read_bytes(), "text/csv")})
    assert again["imported_already"] is False
    assert screening_cases(site) == opened_before

    upload.locator("[data-test=import]").click()
    expect(page.locator("[data-test=result]")).to_be_visible()
    expect(page.locator("[data-test=result-summary]")).to_contain_text(
        re.compile(r"已计分行数: 2 .*筛查阳性: 1 .*拒收行数: 1"))
    expect(page.locator("[data-test=refused-rows] [data-test=refused-row] td").first
           ).to_have_text("4")
    # The worried student's yes opened a case; the line is hers, the file's third.
    expect(page.locator("[data-test=cases-opened] tbody tr td").first).to_have_text("3")
    expect(page.locator("[data-test=cases-opened] tbody tr")).to_have_count(1)
    shot(page, "imported")
    assert site.posted("intake", f"/screenings/{screening_id}/imports/preview", PSYCH,
                       files={"file": ("answers.csv", answers.read_bytes(), "text/csv")}
                       )["imported_already"] is True
    assert screening_cases(site) == opened_before + 1

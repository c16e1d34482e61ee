"""A district officer reads the supervisors' figures and nothing of a case: the auditor's
view answers them with the services' refusal, shown as a message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.codes import Role
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in, until_shown
from tests.identity import SCHOOL

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICER = PEOPLE[Role.DISTRICT_OFFICER]
STUDENT = "s-browser-district"
NAME = "学生区县"


def test_a_district_officer_sees_the_figures_of_the_school_and_no_case_or_name(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported(STUDENT, name=NAME)
    signed_in(page, OFFICER)
    page.click("nav a[href='/dashboard']")
    expect(page.locator("h1")).to_have_text("督导看板")
    # Supervision counts the case once it has read its detection from the bus.
    until_shown(page, "/dashboard", "[data-test=figures-groups]", SCHOOL)
    expect(page.locator("[data-test=figures-group]")).not_to_have_count(0)
    expect(page.locator("[data-test=figures-by_tier]").first).to_be_visible()
    expect(page.locator("[data-test=refusal]")).to_have_count(0)
    shot(page, "figures")
    body = page.locator("main").inner_text()
    assert case_id not in body and NAME not in body and STUDENT not in body


def test_a_district_officer_opening_a_case_in_the_audit_view_is_told_it_is_not_allowed(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported("s-browser-district-audit")
    signed_in(page, OFFICER)
    page.click("nav a[href='/audit']")
    page.fill("#case-id", case_id)
    shot(page, "audit-form")
    page.click("form[data-test=form-audit_case] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/audit/cases/{case_id}$"))
    refusals = page.locator("[data-test=refusal]")
    expect(refusals).to_have_count(2)
    expect(refusals.first).to_contain_text("无权操作: a district_officer may not replay")
    expect(refusals.last).to_contain_text("无权操作: a district_officer may not read who saw")
    expect(page.locator("[data-test=state]")).to_have_count(0)
    expect(page.locator("[data-test=audit-events]")).to_have_count(0)
    shot(page, "refused")

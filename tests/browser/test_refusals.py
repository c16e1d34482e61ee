"""What the services refuse, as the pages show it, and a step sent twice done once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from contracts.codes import Role
from tests.browser.case_page import opened
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TEAM, PSYCH = PEOPLE[Role.CRISIS_TEAM], PEOPLE[Role.PSYCH_TEACHER]


def decision(form: Locator, *, rationale: str = "ideation with a plan") -> None:
    """The tier proposed for ideation alone, serious, decided by the team."""
    form.locator("[name=tier]").select_option("serious")
    form.locator("[name=rationale]").fill(rationale)
    for row, person in enumerate((TEAM, PSYCH)):
        form.locator(f"[name='participants.{row}.role']").select_option(person.role.value)
        form.locator(f"[name='participants.{row}.id']").fill(person.id)


def test_a_class_teacher_deciding_a_tier_is_shown_the_services_refusal_and_nothing_is_recorded(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported("s-browser-403")
    signed_in(page, PEOPLE[Role.CLASS_TEACHER])
    form = opened(page, f"/cases/{case_id}", "decide_tier")
    decision(form)
    form.locator("button[type=submit]").click()
    refusal = page.locator("form[data-test=form-decide_tier] [data-test=refusal]")
    expect(refusal).to_contain_text("无权操作: a class_teacher may not")
    expect(page.locator("[data-test=done]")).to_have_count(0)
    shot(page, "refused")
    assert site.read("assessment", f"/cases/{case_id}", TEAM)["decisions"] == []


def test_a_missing_rationale_is_named_by_its_field_and_the_corrected_form_records_one_decision(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported("s-browser-422")
    signed_in(page, TEAM)
    form = opened(page, f"/cases/{case_id}", "decide_tier")
    key = form.locator("[name=idempotency_key]").input_value()
    decision(form, rationale="")
    form.locator("button[type=submit]").click()
    rationale = page.locator("#f-rationale")
    expect(rationale).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-rationale + .field-error")).to_have_text("必填项")
    shot(page, "rationale-missing")
    assert site.read("assessment", f"/cases/{case_id}", TEAM)["decisions"] == []
    form = page.locator("form[data-test=form-decide_tier]")
    assert form.locator("[name=idempotency_key]").input_value() == key
    rationale.fill("ideation with a plan, seen again this morning")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cases/{case_id}?done=decide_tier")
    expect(page.locator("[data-test=decision]")).to_have_count(1)
    shot(page, "corrected")
    decisions = site.read("assessment", f"/cases/{case_id}", TEAM)["decisions"]
    assert [d["rationale"] for d in decisions] == ["ideation with a plan, seen again this morning"]


def test_a_form_sent_twice_with_its_idempotency_key_records_one_step(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported("s-browser-twice")
    signed_in(page, TEAM)
    form = opened(page, f"/cases/{case_id}", "decide_tier")
    decision(form)
    shot(page, "filled")
    # As a second click or a browser's resend would: the very same form data posted again.
    landed = form.evaluate("""async (form) => {
        const data = new URLSearchParams(new FormData(form));
        const landed = [];
        for (const _ of [1, 2]) {
            const answer = await fetch(form.action, {method: "POST", body: data});
            landed.push(new URL(answer.url).search);
        }
        return landed;
    }""")
    # Each redirected to the case page saying the step was recorded: the second is the
    # first's answer again.
    assert landed == ["?done=decide_tier", "?done=decide_tier"]
    page.goto(f"/cases/{case_id}")
    expect(page.locator("[data-test=decision]")).to_have_count(1)
    shot(page, "once")
    assert len(site.read("assessment", f"/cases/{case_id}", TEAM)["decisions"]) == 1

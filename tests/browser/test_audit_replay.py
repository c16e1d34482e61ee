"""The auditor's view of a case: the record as it stood at a moment chosen with the slider,
who read the case, and the incident report that says whether the trail verifies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.codes import Role
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in, until_shown

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TEAM, AUDITOR = PEOPLE[Role.CRISIS_TEAM], PEOPLE[Role.AUDITOR]
STATE = "[data-test=trail] [data-test=state]"


def decided(site: Site, case_id: str) -> None:
    """The team's decision of the proposed tier, sent to assessment's API."""
    site.posted("assessment", f"/cases/{case_id}/decision", TEAM, json={
        "tier": "serious", "rationale": "ideation with a plan, no attempt",
        "participants": [{"role": TEAM.role.value, "id": TEAM.id}]})


def events_shown(page: Page) -> int:
    return int(page.locator(f"{STATE} dt:text-is('事件数') + dd").inner_text())


def test_an_auditor_replays_a_case_as_it_stood_before_its_tier_was_decided(
        page: Page, shot: Screenshots, site: Site) -> None:
    case_id = site.reported("s-browser-audit")
    decided(site, case_id)
    site.read("intake", f"/cases/{case_id}", TEAM)  # a read the access log must show

    signed_in(page, AUDITOR)
    page.click("nav a[href='/audit']")
    page.fill("#case-id", case_id)
    page.click("form[data-test=form-audit_case] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/audit/cases/{case_id}$"))
    # Supervision learns the decision from the bus a moment after assessment records it.
    until_shown(page, f"/audit/cases/{case_id}", STATE, "严重")
    tier = page.locator(f"{STATE} dt:text-is('风险等级') + dd")
    expect(tier).to_contain_text(f"严重 · 危机干预小组 {TEAM.id}")
    slider = page.locator("[data-test=slider]")
    last = int(slider.get_attribute("max") or 0)
    assert last >= 2 and slider.input_value() == str(last)
    expect(page.locator("[data-test=position]")).to_contain_text(f"第 {last + 1} 个事件")
    latest = events_shown(page)
    shot(page, "latest")

    slider.focus()
    page.keyboard.press("Home")
    expect(page.locator("[data-test=position]")).to_contain_text(
        f"第 1 个事件，共 {last + 1} 个")
    expect(tier).to_have_text("未定")
    expect(page.locator("[data-test=trail-events] li")).to_have_count(1)
    assert events_shown(page) < latest
    shot(page, "first-event")

    # The stops go: detected, the tier proposed, the team's decision.
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-test=position]")).to_contain_text("第 2 个事件")
    expect(tier).to_have_text("未定")
    expect(page.locator("[data-test=trail-events] li").last).to_contain_text("系统建议等级")
    shot(page, "tier-proposed")
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-test=position]")).to_contain_text("第 3 个事件")
    expect(tier).to_contain_text(f"严重 · 危机干预小组 {TEAM.id}")
    expect(page.locator("[data-test=trail-events] li").last).to_contain_text("评定风险等级")
    shot(page, "tier-decided")

    reads = page.locator("[data-test=audit-events] [data-test=audit-event]",
                         has_text="查阅")
    expect(reads.first).to_be_visible()
    expect(page.locator("[data-test=audit-events]")).to_contain_text(TEAM.id)

    with page.context.expect_page() as opened:
        page.click("[data-test=report-links] a[href$='report.html?lang=zh']")
    report = opened.value
    report.wait_for_load_state()
    verification = report.locator("h2", has_text="完整性验证")
    expect(verification).to_be_visible()
    # The test system pins no verifier key of the services' logs: the report says it could
    # not verify, never that it did.
    expect(report.locator("body")).to_contain_text("未验证：无法核验检查点")
    shot(report, "incident-report")

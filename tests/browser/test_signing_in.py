"""Signing in on the console's page with the built-in issuer's users, and the language the
pages speak."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.codes import Role
from tests.browser.conftest import PEOPLE, Screenshots, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_crisis_team_member_signs_in_and_reaches_the_worklist(
        page: Page, shot: Screenshots) -> None:
    page.goto("/worklist")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/worklist"))
    shot(page, "sign-in")
    signed_in(page, PEOPLE[Role.CRISIS_TEAM])
    expect(page.locator("h1")).to_have_text("工作清单")
    expect(page.locator(".me")).to_contain_text(PEOPLE[Role.CRISIS_TEAM].id)
    shot(page, "worklist")


def test_a_wrong_password_is_refused_without_saying_which_was_wrong(
        page: Page, shot: Screenshots) -> None:
    team = PEOPLE[Role.CRISIS_TEAM]
    page.goto("/sign-in")
    page.fill("#name", team.name)
    page.fill("#password", "not-the-password")
    page.click("form[action='/sign-in'] button[type=submit]")
    wrong_password = page.locator("[role=alert]").inner_text()
    shot(page, "wrong-password")
    page.fill("#name", "nobody-of-this-school")
    page.fill("#password", team.password)
    page.click("form[action='/sign-in'] button[type=submit]")
    expect(page.locator("[role=alert]")).to_have_text(wrong_password)
    shot(page, "unknown-user")
    assert wrong_password == "用户名或密码不正确。"
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.goto("/worklist")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_the_language_switch_turns_the_pages_to_english_and_back_and_stays_across_pages(
        page: Page, shot: Screenshots) -> None:
    signed_in(page, PEOPLE[Role.CRISIS_TEAM])
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("工作清单")
    shot(page, "worklist-zh")
    page.click("[data-test=language]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Worklist")
    shot(page, "worklist-en")
    page.click("nav >> text=Report a concern")
    expect(page.locator("h1")).to_have_text("Report a concern")
    shot(page, "report-en")
    page.click("[data-test=language]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/report$"))
    expect(page.locator("h1")).to_have_text("报告关注")
    shot(page, "report-zh")
    page.click("nav a[href='/worklist']")
    expect(page.locator("h1")).to_have_text("工作清单")

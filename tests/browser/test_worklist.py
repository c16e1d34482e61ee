"""The crisis team's worklist, as it changes while they look at it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contracts.codes import Role
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_crisis_reported_appears_on_the_open_worklist_without_a_reload(
        page: Page, shot: Screenshots, site: Site) -> None:
    signed_in(page, PEOPLE[Role.CRISIS_TEAM])
    page.wait_for_load_state("networkidle")
    # Gone if the page were loaded again: the row must come by the live stream.
    page.evaluate("window.stillTheSamePage = true")
    shot(page, "before")
    site.reported("s-browser-live", name="学生实时", imminent=True)
    row = page.locator("[data-test=worklist] tr", has_text="学生实时")
    expect(row).to_be_visible(timeout=5_000)
    assert page.evaluate("window.stillTheSamePage") is True
    shot(page, "after")

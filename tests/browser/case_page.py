"""A case's page as the tests work it: open a step's form, fill it, send it."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Screenshots

Fill = Callable[[Locator], None]


def opened(page: Page, case_url: str, name: str) -> Locator:
    """The step's form, drawn into the case page (htmx) from its service's OpenAPI."""
    page.goto(case_url)
    page.click(f"[data-test=step-{name}]")
    form = page.locator(f"form[data-test=form-{name}]")
    expect(form).to_be_visible()
    return form


def recorded(page: Page, case_url: str, name: str, fill: Fill, shot: Screenshots) -> Page:
    """The step sent from its form; the case page it returns to says it was recorded."""
    form = opened(page, case_url, name)
    fill(form)
    shot(page, f"{name}-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"done={name}$"))
    expect(page.locator("[data-test=done]")).to_be_visible()
    shot(page, f"{name}-recorded")
    return page

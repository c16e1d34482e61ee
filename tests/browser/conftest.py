"""The console in a real headless browser: Debian's chromium driven by Playwright, over the
whole system (NATS, the services, the console) started as the e2e tests start it, with the
built-in issuer's users signing in by password as people in a school do."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from casetrail.cli.processes import CONSOLE
from casetrail.identity.issuer import LocalIssuer, UserDirectory, issuer_dir
from casetrail.identity.principal import Principal
from contracts.codes import Role
from tests.identity import SCHOOL
from tests.system import System, running_system

CHROMIUM = os.environ.get("CASETRAIL_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("CASETRAIL_SCREENSHOTS", "/tmp/casetrail-screenshots"))


@dataclass(frozen=True)
class User:
    name: str  # the login name typed on the sign-in page
    id: str  # who the trail says acted
    role: Role

    @property
    def password(self) -> str:
        return f"pw-{self.name}-of-the-tests"


PEOPLE = {role: User(role.value.replace("_", "-"), f"{role.value}-1", role) for role in (
    Role.CRISIS_TEAM_HEAD, Role.PSYCH_TEACHER, Role.CRISIS_TEAM, Role.CLASS_TEACHER,
    Role.PRINCIPAL, Role.AUDITOR, Role.DISTRICT_OFFICER)}
WITHOUT_SCHOOL = (Role.AUDITOR, Role.DISTRICT_OFFICER)


@dataclass
class Site:
    """The running system as the browser tests see it: the console's address, and the
    services' APIs read as one of the users, to check what the pages recorded."""

    system: System
    issuer: LocalIssuer

    @property
    def console(self) -> str:
        return self.system.cluster.url(CONSOLE)

    def _bearer(self, user: User) -> dict[str, str]:
        principal = Principal(user.id, user.role,
                              None if user.role in WITHOUT_SCHOOL else SCHOOL)
        return {"Authorization": "Bearer " + self.issuer.issue(principal)}

    def read(self, service: str, path: str, user: User) -> Any:
        response = httpx.get(self.system.cluster.url(service) + path,
                             headers=self._bearer(user), timeout=10.0)
        response.raise_for_status()
        return response.json()

    def posted(self, service: str, path: str, user: User, *, json: Any = None,
               files: dict[str, tuple[str, bytes, str]] | None = None) -> Any:
        """A command sent through a service's API as `user`, with a key of its own."""
        response = httpx.post(self.system.cluster.url(service) + path, json=json, files=files,
                              headers={**self._bearer(user), "Idempotency-Key": str(uuid4())},
                              timeout=10.0)
        response.raise_for_status()
        return response.json()

    def reported(self, student_id: str, *, name: str | None = None,
                 imminent: bool = False) -> str:
        """A concern reported through intake's API by a class teacher, once assessment
        and referral know its case: the start of a test about a later step."""
        response = httpx.post(
            self.system.cluster.url("intake") + "/reports",
            json={"student": {"school_student_id": student_id,
                              "name": name or f"学生 {student_id}"},
                  "channel": "staff_observation", "signs": ["suicidal_ideation"],
                  "imminent": imminent, "description": "told a friend of a plan"},
            headers={**self._bearer(PEOPLE[Role.CLASS_TEACHER]),
                     "Idempotency-Key": f"report-{student_id}"}, timeout=10.0)
        response.raise_for_status()
        case_id = str(response.json()["case_id"])
        deadline = time.monotonic() + 30
        for service in ("assessment", "referral"):
            while httpx.get(self.system.cluster.url(service) + f"/cases/{case_id}",
                            headers=self._bearer(PEOPLE[Role.CRISIS_TEAM])).status_code != 200:
                assert time.monotonic() < deadline, f"{service} never learnt of {case_id}"
                time.sleep(0.2)
        return case_id


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole system, once for the browser tests, the built-in issuer's keys in its own
    data dir: the console signs people in with them and every service verifies them."""
    data = tmp_path_factory.mktemp("browser")
    issuer = LocalIssuer(issuer_dir(data)).ensure()
    users = UserDirectory.of(data)
    for user in PEOPLE.values():
        users.add(user.name, user.role, None if user.role in WITHOUT_SCHOOL else SCHOOL,
                  user_id=user.id, password=user.password)
    settings = {"CASETRAIL_OIDC_JWKS_FILE": str(issuer.jwks_file),
                # People work each step by hand: the ladder waits as long as a school's.
                "NOTIFICATION_ESCALATE_CRISIS_AFTER_SECONDS": "900"}
    with running_system(data, settings) as system:
        yield Site(system, issuer)


# Package-scoped, not session-scoped: Playwright's sync API holds an event loop while it runs,
# and every later test that starts one of its own (asyncio.run) would fail beside it.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, never a downloaded browser: its absence fails the tests."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no chromium at {CHROMIUM}: install Debian's `chromium` package "
                    "(apt-get install chromium) or set CASETRAIL_CHROMIUM to one")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser context (no cookies: nobody signed in, the default language) on a
    laptop's screen in China, with the console as its base address."""
    context = browser.new_context(base_url=site.console, viewport={"width": 1280, "height": 900},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


class Screenshots:
    """Each page a test visits, kept outside the repository (CASETRAIL_SCREENSHOTS)."""

    def __init__(self, test: str) -> None:
        self.prefix = re.sub(r"[^a-z0-9_]+", "-", test.lower())
        self.taken = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, what: str) -> Path:
        self.taken += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.taken:02d}-{what}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(request.node.name)


def signed_in(page: Page, user: User) -> Page:
    """Signed in on the console's page as `user`, on the worklist it opens."""
    page.context.clear_cookies(name="console_session")
    page.goto("/sign-in")
    page.fill("#name", user.name)
    page.fill("#password", user.password)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(re.compile(r"/worklist"))
    return page


def until_shown(page: Page, url: str, selector: str, text: str, timeout: float = 30.0) -> None:
    """The page at `url`, drawn again until `selector` shows `text`: what another service
    learns from the bus arrives a moment after the step that caused it."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if text in " ".join(page.locator(selector).all_inner_texts()):
            return
        assert time.monotonic() < deadline, f"{selector} never showed {text!r} at {url}"
        time.sleep(0.3)

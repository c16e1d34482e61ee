"""The four services wired as their bootstraps wire them (contract checks included), each
with its HTTP API served in process: for tests that drive every service at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from casetrail.service import ServiceEntry
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication
from services.assessment.bootstrap import ENTRY as ASSESSMENT
from services.intake.bootstrap import ENTRY as INTAKE
from services.notification.bootstrap import ENTRY as NOTIFICATION
from services.referral.bootstrap import ENTRY as REFERRAL
from tests.application.conftest import served
from tests.conftest import PSEUDONYM_KEY

S = TypeVar("S", bound=ServiceSettings)

ENTRIES: dict[str, ServiceEntry[Any, Any]] = {
    "intake": INTAKE, "assessment": ASSESSMENT, "notification": NOTIFICATION,
    "referral": REFERRAL}


@dataclass(frozen=True)
class Running:
    """One service in process: its settings, its application and an HTTP client of its API."""

    settings: ServiceSettings
    app: ServiceApplication
    http: httpx.AsyncClient


def settings_of(entry: ServiceEntry[S, Any], store_url: tuple[str, str | None],
                data_dir: Path) -> S:
    """The service's settings on the test's store (its own file, with SQLite); nothing read
    from the environment."""
    url, schema = store_url
    kind = entry.settings
    assert isinstance(kind, type) and issubclass(kind, ServiceSettings)
    if url.startswith("sqlite:///"):
        url = f"sqlite:///{data_dir}/{kind.__name__}.db"
    settings: S = kind.model_validate({  # type: ignore[assignment]
        "CASETRAIL_PSEUDONYM_KEY": PSEUDONYM_KEY, "CASETRAIL_DATA_DIR": str(data_dir),
        "store_url": url, "store_schema": schema})
    return settings


@asynccontextmanager
async def all_served(store_url: tuple[str, str | None],
                     data_dir: Path) -> AsyncIterator[dict[str, Running]]:
    async with AsyncExitStack() as stack:
        running = {}
        for name, entry in ENTRIES.items():
            settings = settings_of(entry, store_url, data_dir)
            app = entry.checked_application(settings)
            http = await stack.enter_async_context(
                served(settings, app, entry.build_api, published=entry.published))
            running[name] = Running(settings, app, http)
        yield running

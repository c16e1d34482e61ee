"""The four services wired as their bootstraps wire them (contract checks included), each
with its HTTP API served in process: for tests that drive every service at once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication
from casetrail.worker import ApplicationThread
from services.assessment.bootstrap import ENTRY as ASSESSMENT
from services.intake.bootstrap import ENTRY as INTAKE
from services.notification.bootstrap import ENTRY as NOTIFICATION
from services.referral.bootstrap import ENTRY as REFERRAL
from tests.conftest import DATA_MASTER_KEY, PSEUDONYM_KEY

S = TypeVar("S", bound=ServiceSettings)

ENTRIES: dict[str, ServiceEntry[Any, Any]] = {
    "intake": INTAKE, "assessment": ASSESSMENT, "notification": NOTIFICATION,
    "referral": REFERRAL}


@dataclass(frozen=True)
class Served:
    """One process's API in process: its runtime, its store and an HTTP client of its API
    (without its lifespan: no bus)."""

    runtime: ServiceRuntime
    app: ServiceApplication
    http: TestClient

    @property
    def settings(self) -> ServiceSettings:
        return self.runtime.settings


@dataclass(frozen=True)
class Running(Served):
    """One publishing service in process, with the wiring its bootstrap declares."""

    entry: ServiceEntry[Any, Any]


def settings_of(entry: ServiceEntry[S, Any], store_url: tuple[str, str | None],
                data_dir: Path, extra: Mapping[str, Any] | None = None) -> S:
    """The service's settings on the test's store (its own file, with SQLite); nothing read
    from the environment."""
    url, schema = store_url
    kind = entry.settings
    assert isinstance(kind, type) and issubclass(kind, ServiceSettings)
    if url.startswith("sqlite:///"):
        url = f"sqlite:///{data_dir}/{kind.__name__}.db"
    settings: S = kind.model_validate({  # type: ignore[assignment]
        "CASETRAIL_PSEUDONYM_KEY": PSEUDONYM_KEY, "CASETRAIL_DATA_DIR": str(data_dir),
        "store_url": url, "store_schema": schema, "data_master_key": DATA_MASTER_KEY,
        **(extra or {})})
    return settings


@contextmanager
def all_served(store_url: tuple[str, str | None], data_dir: Path,
               extra: Mapping[str, Mapping[str, Any]] | None = None
               ) -> Iterator[dict[str, Running]]:
    """Every service, each with the `extra` settings given under its name."""
    running = {}
    for name, entry in ENTRIES.items():
        settings = settings_of(entry, store_url, data_dir, (extra or {}).get(name))
        app = entry.checked_application(settings)
        runtime = ServiceRuntime(settings=settings, app=app, published=entry.published,
                                 thread=ApplicationThread(f"{name}-test"),
                                 other_credentials=entry.other_credentials(settings))
        running[name] = Running(runtime=runtime, app=app, entry=entry,
                                http=TestClient(entry.build_api(runtime, app)))
    try:
        yield running
    finally:
        for service in running.values():
            service.http.close()
            service.runtime.thread.shutdown()

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from casetrail.cli.keys import PERSONAL_DATA_SERVICES
from casetrail.personal.vault import new_master_key
from casetrail.store import ServiceApplication
from tests.identity import use_test_issuer
from tests.infra import fresh_schema, new_nats_server, postgres_url

PSEUDONYM_KEY = "test-pseudonym-key"
CIPHER_KEY = "dGVzdC1jaXBoZXIta2V5LW9mLTMyLWJ5dGVzLW9rISE="  # base64 of 32 test bytes
# Wraps the students' data keys: the tests' own, made afresh for each run.
DATA_MASTER_KEY = new_master_key()
DATA_MASTER_KEYS = {f"{service.upper()}_DATA_MASTER_KEY": DATA_MASTER_KEY
                    for service in PERSONAL_DATA_SERVICES}


def pytest_configure(config: pytest.Config) -> None:
    use_test_issuer()


@pytest.fixture(autouse=True)
def _applications_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every application a test makes is closed after it, so its database connections go
    back at once: hundreds of tests stay under PostgreSQL's connection limit."""
    made: list[ServiceApplication] = []
    construct = ServiceApplication.__init__

    def constructing(app: ServiceApplication, env: dict[str, str]) -> None:
        construct(app, env)
        made.append(app)

    monkeypatch.setattr(ServiceApplication, "__init__", constructing)
    yield
    for app in made:
        app.close()


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One NATS for the in-process tests, which keep apart by case ids and consumer names."""
    if url := os.environ.get("NATS_URL"):
        yield url
        return
    with new_nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres() -> Iterator[str | None]:
    with postgres_url() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path,
              postgres: str | None) -> Iterator[tuple[str, str | None]]:
    """(URL, schema) of an empty event store: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.db'}", None
        return
    if postgres is None:
        pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on PostgreSQL")
    with fresh_schema(postgres) as schema:
        yield postgres, schema

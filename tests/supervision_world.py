"""Supervision in process, on a test's store, beside the four services in process: the
services' own states asked over ASGI with the reader's token, as over HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from casetrail.store import ServiceApplication
from contracts.case_state import PartAnswer
from contracts.envelope import Envelope
from services.supervision.adapters.service_states import ServiceStatesOverHttp
from services.supervision.application import ServiceStates
from services.supervision.bootstrap import build
from services.supervision.config import SupervisionSettings
from services.supervision.worklists import PositionedTrail
from tests.application.all_services import Running, Served


class ListedTrail:
    """CASES as a list of envelopes (a test's)."""

    def __init__(self, envelopes: Sequence[Envelope], *, caught_up: bool = True) -> None:
        self.listed = envelopes
        self.caught_up = caught_up

    def envelopes(self, case_id: UUID) -> Sequence[Envelope]:
        return [e for e in self.listed if e.case_id == case_id]

    def positioned(self, case_id: UUID) -> Sequence[tuple[int, Envelope]]:
        return [(n, e) for n, e in enumerate(self.listed, 1) if e.case_id == case_id]


class InProcessStates:
    """Each service's /state, asked of its API in this process."""

    def __init__(self, services: Mapping[str, Running]) -> None:
        self.adapters = {name: ServiceStatesOverHttp(
            {name: f"http://{name}"}, 5.0,
            transport=httpx.ASGITransport(app=running.http.app))
            for name, running in services.items()}

    async def part(self, service: str, case_id: UUID, as_of: datetime, credentials: str,
                   purpose: str) -> PartAnswer:
        return await self.adapters[service].part(service, case_id, as_of, credentials,
                                                 purpose)


class Disagreeing:
    """The services' states, but one field of one service's part says otherwise."""

    def __init__(self, states: ServiceStates, service: str, field: str,
                 says: object) -> None:
        self.states, self.service, self.field, self.says = states, service, field, says

    async def part(self, service: str, case_id: UUID, as_of: datetime, credentials: str,
                   purpose: str) -> PartAnswer:
        answer = await self.states.part(service, case_id, as_of, credentials, purpose)
        if service != self.service or answer.part is None:
            return answer
        return answer.model_copy(update={"part": {**answer.part, self.field: self.says}})


@contextmanager
def served_supervision(store_url: tuple[str, str | None], data_dir: Path,
                       trail: PositionedTrail | None = None, states: ServiceStates | None = None,
                       extra: Mapping[str, Any] | None = None) -> Iterator[Served]:
    """Supervision's API (without its lifespan: no bus) on the test's store, on the given
    trail (else an empty one) and states (else none that answers), with `extra` settings."""
    url, schema = store_url
    if url.startswith("sqlite:///"):
        url = f"sqlite:///{data_dir}/supervision.db"
    settings = SupervisionSettings.model_validate({
        "CASETRAIL_DATA_DIR": str(data_dir), "store_url": url, "store_schema": schema,
        # A stream of the worklist's changes ends soon: the test client reads it to its end.
        "worklist_stream_seconds": 0.05, **(extra or {})})
    api = build(settings, trail or ListedTrail([]),
                states or ServiceStatesOverHttp({}, settings.service_timeout_seconds))
    runtime = api.state.runtime
    client = TestClient(api)
    try:
        yield Served(runtime=runtime, app=runtime.app, http=client)
    finally:
        client.close()
        runtime.thread.shutdown()


@contextmanager
def supervision(store_url: tuple[str, str | None], data_dir: Path, trail: PositionedTrail,
                states: ServiceStates) -> Iterator[tuple[TestClient, ServiceApplication]]:
    """Supervision's HTTP client and its store of reads."""
    with served_supervision(store_url, data_dir, trail, states) as served:
        yield served.http, served.app

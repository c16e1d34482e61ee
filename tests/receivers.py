"""A receiver's system played in the test process: its FHIR webhook over real HTTP."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request, Response

from casetrail.bus.embedded import free_port


@dataclass
class Hospital:
    """The hospital's webhook: refuses the first `refuse` packets with 503, keeps the rest."""

    refuse: int = 0
    received: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    refused: int = 0

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/fhir")
        async def receive(request: Request) -> Response:
            if self.refused < self.refuse:
                self.refused += 1
                return Response(status_code=503)
            self.received.append((await request.json(), dict(request.headers)))
            return Response(status_code=200)

        return api


@contextlib.contextmanager
def serving(hospital: Hospital) -> Iterator[str]:
    with serving_app(hospital.app()) as base:
        yield f"{base}/fhir"


@contextlib.contextmanager
def serving_app(app: FastAPI, *, lifespan: Literal["auto", "on", "off"] = "auto"
                ) -> Iterator[str]:
    """The app served over HTTP on a free port for the test's while: its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)

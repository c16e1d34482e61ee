"""The services' public APIs over HTTP, with the reader's bearer token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from uuid import UUID

import httpx

from casetrail import tracing
from services.console.application.ports import (
    EXPIRED,
    OPENED,
    Answer,
    Call,
    ServiceUnavailable,
)


class ServicesOverHttp:
    def __init__(self, urls: Mapping[str, str], timeout: float,
                 client: httpx.AsyncClient | None = None) -> None:
        self.urls = dict(urls)
        self.client = client or httpx.AsyncClient(timeout=timeout)
        self._openapi: dict[str, Mapping[str, Any]] = {}

    async def call(self, call: Call, token: str) -> Answer:
        # The page's trace goes on into the service's (telemetry only).
        headers = {"Authorization": f"Bearer {token}", **tracing.carried()}
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        try:
            response = await self.client.request(
                call.method, self.urls[call.service] + call.path, params=dict(call.params),
                json=call.json if call.files is None else None,
                files=dict(call.files) if call.files else None, headers=headers)
        except httpx.TransportError:
            return Answer(503, {"detail": f"{call.service} does not answer"})
        kind = response.headers.get("content-type", "")
        body: Any = response.content
        if "json" in kind:
            body = response.json()
        keep = {k: v for k, v in response.headers.items()
                if k.lower() == "content-disposition"}
        return Answer(response.status_code, body, kind, keep)

    async def openapi(self, service: str) -> Mapping[str, Any]:
        """A service's API description, asked once: it changes only with the service."""
        if service not in self._openapi:
            try:
                response = await self.client.get(self.urls[service] + "/openapi.json")
                response.raise_for_status()
                self._openapi[service] = response.json()
            except (httpx.HTTPError, ValueError):
                raise ServiceUnavailable(service) from None
        return self._openapi[service]

    async def changes(self, token: str) -> AsyncIterator[str]:
        try:
            async with self.client.stream(
                    "GET", self.urls["supervision"] + "/worklist/changes",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=httpx.Timeout(None, connect=5.0)) as response:
                if response.status_code != 200:
                    return
                yield OPENED
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "changed":
                        yield str(UUID(str(json.loads(line[5:])["case_id"])))
                    elif event == EXPIRED and not line:
                        yield EXPIRED
                        return
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return  # the browser asks again; a change missed is read with the worklist

    async def close(self) -> None:
        await self.client.aclose()

"""Each publishing service's own part of a case, over its HTTP API, asked for with the
reader's own bearer token: the service checks it and logs the read itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import httpx

from contracts.case_state import PartAnswer


class ServiceStatesOverHttp:
    def __init__(self, urls: Mapping[str, str], timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = dict(urls)
        self.timeout = timeout
        self.transport = transport

    async def part(self, service: str, case_id: UUID, as_of: datetime,
                   credentials: str, purpose: str) -> PartAnswer:
        url = self.urls.get(service)
        if url is None:
            return PartAnswer(status="unreachable")
        try:
            async with httpx.AsyncClient(base_url=url, timeout=self.timeout,
                                         transport=self.transport) as client:
                answer = await client.get(
                    f"/cases/{case_id}/state",
                    params={"as_of": as_of.isoformat(), "purpose": purpose},
                    headers={"Authorization": f"Bearer {credentials}"})
        except httpx.TransportError:
            return PartAnswer(status="unreachable")
        if answer.status_code == 404:
            return PartAnswer(status="no_record")
        if answer.status_code in (401, 403):
            return PartAnswer(status="refused")
        if answer.status_code != 200:
            return PartAnswer(status="unreachable")
        return PartAnswer(status="answered", part=answer.json())

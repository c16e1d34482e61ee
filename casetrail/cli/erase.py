"""`casetrail erase STUDENT_KEY --reason R`: the student's personal data erased in every
service that holds some, by deleting the student's data key there. The trail stays."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from casetrail.cli.commands import IDEMPOTENCY_KEY, RequestRefused, bearer
from casetrail.cli.keys import PERSONAL_DATA_SERVICES
from casetrail.cli.runtime import Runtime


def erase_everywhere(clients: Mapping[str, httpx.Client], student_key: str, reason: str,
                     token: str | None) -> dict[str, httpx.Response]:
    """Each service's answer, as the one signed in (`token`, else CASETRAIL_TOKEN); one
    Idempotency-Key for the run, so that a retry of it anywhere changes nothing."""
    headers = {**bearer(token), IDEMPOTENCY_KEY: str(uuid.uuid4())}
    return {service: client.post(f"/students/{student_key}/erasure",
                                 json={"reason": reason}, headers=headers)
            for service, client in clients.items()}


def _line(service: str, response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"{service:<14}refused ({response.status_code}): {RequestRefused(response).detail}"
    done: dict[str, Any] = response.json()
    how = "erased" if done["erased_now"] else "erased before"
    return (f"{service:<14}{how} at {done['erased_at']} by {done['erased_by']['role']}:"
            f"{done['erased_by']['id']} ({done['reason']})")


def erase(runtime: Runtime, student_key: str, reason: str, token: str | None) -> int:
    """0 once every service has erased the student (now or before), 1 if one refused."""
    clients = {service: httpx.Client(base_url=runtime.services[service], timeout=30.0)
               for service in PERSONAL_DATA_SERVICES}
    try:
        answers = erase_everywhere(clients, student_key, reason, token)
    finally:
        for client in clients.values():
            client.close()
    for service, response in answers.items():
        print(_line(service, response))
    return 0 if all(r.status_code == 200 for r in answers.values()) else 1

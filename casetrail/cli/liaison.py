"""A receiver's system, answering a referral the way a hospital's would: by updating the
referral's FHIR Task through referral's endpoint, with the receiver's own token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from casetrail.cli.commands import RequestRefused, send_command
from contracts.fhir import BUSINESS_STATUS_SYSTEM, DECLINE_SYSTEM


class Liaison:
    def __init__(self, http: httpx.AsyncClient, referral_url: str, receiver_id: str,
                 token: str) -> None:
        self.http = http
        self.referral_url = referral_url
        self.receiver_id = receiver_id
        self.token = token

    async def update_task(self, referral_id: UUID, status: str, *,
                          decline_reason: str | None = None,
                          business_status: str | None = None) -> dict[str, Any]:
        """accepted; rejected (with a reason); in-progress (scheduled or admitted); completed."""
        task: dict[str, Any] = {"resourceType": "Task", "id": str(referral_id),
                                "status": status, "intent": "order"}
        if decline_reason:
            task["statusReason"] = {"coding": [{"system": DECLINE_SYSTEM,
                                                "code": decline_reason}]}
        if business_status:
            task["businessStatus"] = {"coding": [{"system": BUSINESS_STATUS_SYSTEM,
                                                  "code": business_status}]}
        response = await send_command(
            self.http, "PUT", f"{self.referral_url}/fhir/Task/{referral_id}", json=task,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/fhir+json"})
        if response.status_code >= 400:
            raise RequestRefused(response)
        answered: dict[str, Any] = response.json()
        return answered

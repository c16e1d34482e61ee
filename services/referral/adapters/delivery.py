"""Posting a packet to a receiver's FHIR webhook.

The Bundle's entries carry `ifNoneExist` on the referral's identifier, and the request the
same header and the referral id as its `Idempotency-Key`, so a packet sent twice (a crash
between sending and recording) creates nothing twice at the receiver.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
from pydantic import SecretStr

from contracts.fhir import REFERRAL_SYSTEM


class WebhookPoster:
    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, SecretStr]) -> None:
        self.client = client
        self.tokens = tokens

    async def post(self, endpoint: str, receiver_id: str, referral_id: UUID,
                   bundle: dict[str, Any]) -> str | None:
        """None when the receiver took the packet; otherwise the reason, as a code."""
        headers = {"Content-Type": "application/fhir+json",
                   "If-None-Exist": f"identifier={REFERRAL_SYSTEM}|{referral_id}",
                   "Idempotency-Key": str(referral_id)}
        if token := self.tokens.get(receiver_id):
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        try:
            response = await self.client.post(endpoint, json=bundle, headers=headers)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError:
            return "unreachable"
        if response.is_success:
            return None
        return f"http_{response.status_code}"

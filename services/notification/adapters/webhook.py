"""SMS through a generic HTTP gateway: a signed JSON POST per message.

The receiver checks `X-Casetrail-Signature`, the hex HMAC-SHA256 under the shared secret of
`<X-Casetrail-Timestamp>.<body>`. Every post carries `Idempotency-Key`, the message id (also
`message_id` in the body): a message sent again after a crash carries the same key, so a
provider that honours the key (as the IETF httpapi-idempotency-key draft asks) delivers it
once. Exactly once to the family therefore holds only with such a provider.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from contracts.codes import DeliveryGuarantee
from services.notification.application import DeliveryRefused, OutgoingMessage

SIGNATURE_HEADER = "X-Casetrail-Signature"
TIMESTAMP_HEADER = "X-Casetrail-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Worth another try; 409 is a provider still carrying out a post with the same
# Idempotency-Key (httpapi-idempotency-key draft), as after a crash mid-send.
RETRYABLE = frozenset({408, 409, 425, 429})


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSmsGateway:
    def __init__(self, url: str, secret: bytes, *, timeout_seconds: float = 10.0,
                 provider_honours_key: bool = False) -> None:
        self.url = url
        self.secret = secret
        self.timeout_seconds = timeout_seconds
        # Whether the provider drops a repeated Idempotency-Key: its contract says, not us.
        self.provider_honours_key = provider_honours_key

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        return (DeliveryGuarantee.ONCE if self.provider_honours_key
                else DeliveryGuarantee.AT_LEAST_ONCE)

    async def send(self, message: OutgoingMessage) -> None:
        if not message.to:
            raise DeliveryRefused("no_contact")
        body = json.dumps({"message_id": str(message.message_id), "to": message.to,
                           "text": message.text}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: signature(self.secret, timestamp, body),
                   IDEMPOTENCY_HEADER: str(message.message_id)}
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            response = await client.post(self.url, content=body, headers=headers)
        if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE:
            raise DeliveryRefused("gateway_refused", f"HTTP {response.status_code}")
        response.raise_for_status()  # 5xx and the retryable 4xx: tried again

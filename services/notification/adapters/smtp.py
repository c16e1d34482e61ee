"""E-mail through the school's SMTP relay (stdlib smtplib, on a worker thread)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from contracts.codes import DeliveryGuarantee
from services.notification.application import DeliveryRefused, OutgoingMessage

SUBJECT = "学校通知 / School notice"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    sender: str = "casetrail@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout_seconds: float = 10.0


class SmtpUnavailable(Exception):
    """A temporary refusal (4xx): worth another try. Carries the code, not the server text."""


class SmtpGateway:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        return DeliveryGuarantee.AT_LEAST_ONCE  # relays do not drop a repeated Message-ID

    async def send(self, message: OutgoingMessage) -> None:
        """Sends every time asked: the sent ledger in front of the gateways keeps a message
        from being sent twice, across restarts."""
        if not message.to:
            raise DeliveryRefused("no_contact")
        await asyncio.to_thread(self._send, self._email(message))

    def _email(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.to
        email["Subject"] = SUBJECT
        # The message id is the idempotency key a receiving relay can de-duplicate on.
        email["Message-ID"] = f"<{message.message_id}@casetrail>"
        email.set_content(message.text)
        return email

    def _send(self, email: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as client:
                if s.starttls:
                    client.starttls()
                if s.username and s.password:
                    client.login(s.username, s.password)
                client.send_message(email)
        # Only codes leave here: the server's text names the refused addresses, and the
        # refusal is logged.
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryRefused("address_refused") from None
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:  # a permanent refusal; 4xx is worth a retry
                raise DeliveryRefused("gateway_refused", f"SMTP {error.smtp_code}") from None
            raise SmtpUnavailable(f"SMTP {error.smtp_code}") from None

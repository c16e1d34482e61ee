"""Gateways that carry a message to a guardian, the crisis team, the police or the commission.

Every message carries its own id, stable across resends (a notice's id is derived from its
case and number), as its idempotency key. The sent ledger in front of them (adapters/ledger.py)
keeps any gateway from being handed a message twice, except for a crash during the hand-over
itself; whether that copy reaches anyone depends on the gateway:

- SMS webhook (adapters/webhook.py): the id is the `Idempotency-Key` header; a provider that
  honours it delivers the message once.
- SMTP (adapters/smtp.py): the id is the e-mail's `Message-ID`, but SMTP relays do not drop a
  repeated one: an e-mail is at least once, and the guardian may get a copy.
- The file gateway drops a repeated id itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

from contracts.codes import DeliveryGuarantee
from services.notification.application import DeliveryRefused, MessageGateway, OutgoingMessage

log = logging.getLogger(__name__)


class FileGateway:
    """The embedded default: messages appended to a JSON-lines file, one per message id.

    Stands where an SMS gateway or SMTP relay stands when none is configured. The contact is
    not written: the file is outside the encrypted store.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._sent: set[str] = set()
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    self._sent.add(json.loads(line)["message_id"])
                except (ValueError, KeyError):
                    # A line cut short by a crash was not sent as a whole: send it again.
                    log.warning("ignoring an incomplete line in %s", path)

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        return DeliveryGuarantee.ONCE  # it drops a message id it has written

    async def send(self, message: OutgoingMessage) -> None:
        key = str(message.message_id)
        if key in self._sent:
            return
        line = json.dumps({"message_id": key, "recipient": message.recipient,
                           "channel": message.channel, "template_id": message.template_id,
                           "text": message.text, "contact_on_file": message.to is not None},
                          ensure_ascii=False) + "\n"
        await asyncio.to_thread(self._append, line)
        self._sent.add(key)

    def _append(self, line: str) -> None:
        with self.path.open("a") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())


NO_CONTACT = "no_contact"


class ChannelRouter:
    """SMS through the SMS gateway, e-mail through SMTP, when configured; else through the
    default (file) gateway, the embedded stand-in for a provider.

    A message without a contact for its channel is refused at once (`no_contact`), whoever
    it is for: nobody receives it, so the trail must not say it was sent. A guardian's
    notice fails and the ladder moves on ("if no guardian can be reached the school must
    escalate, not wait"); an escalation or a report beyond the family fails, goes on the
    team's list to be made by hand, and an escalation's ladder moves on too."""

    def __init__(self, default: MessageGateway, *, sms: MessageGateway | None = None,
                 email: MessageGateway | None = None) -> None:
        self.default = default
        self.by_channel = {channel: gateway for channel, gateway
                           in (("sms", sms), ("email", email)) if gateway is not None}

    def gateway_for(self, message: OutgoingMessage) -> MessageGateway:
        if message.to is None:
            raise DeliveryRefused(NO_CONTACT)
        return self.by_channel.get(message.channel, self.default)

    async def send(self, message: OutgoingMessage) -> None:
        await self.gateway_for(message).send(message)

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        return self.gateway_for(message).guarantee(message)

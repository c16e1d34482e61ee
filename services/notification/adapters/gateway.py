"""Gateways that carry a notice to a guardian.

Every message carries its own id as the idempotency key: a dispatcher that crashed after
sending and before recording it sends again, and the gateway drops the copy.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """To a guardian (`guardian_1`, `guardian_2`) or to the crisis team
    (`crisis_team_head`), about the student behind `student_key`; the gateway resolves the
    contact and the template text."""

    message_id: UUID
    student_key: str
    recipient: str
    channel: str
    template_id: str


class MessageGateway(Protocol):
    async def send(self, message: OutgoingMessage) -> None: ...


class FileGateway:
    """The embedded default: messages appended to a JSON-lines file, one per message id.

    Stands where an SMS gateway or SMTP relay stands in a school's deployment; the contact
    details and the template text are resolved there, from the key and template id.
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

    async def send(self, message: OutgoingMessage) -> None:
        key = str(message.message_id)
        if key in self._sent:
            return
        line = json.dumps({**asdict(message), "message_id": key}) + "\n"
        await asyncio.to_thread(self._append, line)
        self._sent.add(key)

    def _append(self, line: str) -> None:
        with self.path.open("a") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())

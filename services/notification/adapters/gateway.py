"""Gateways that carry a notice to a guardian.

Every message carries the notice id as its idempotency key: a dispatcher that crashed after
sending and before recording it sends again, and the gateway drops the copy.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class GuardianMessage:
    notice_id: UUID
    student_key: str
    guardian_rank: int
    channel: str
    template_id: str


class GuardianGateway(Protocol):
    async def send(self, message: GuardianMessage) -> None: ...


class FileGateway:
    """The embedded default: messages appended to a JSON-lines file, one per notice id.

    Stands where an SMS gateway or SMTP relay stands in a school's deployment; the contact
    details and the template text are resolved there, from the key and template id.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._sent: set[str] = set()
        if path.exists():
            self._sent = {json.loads(line)["notice_id"] for line in path.read_text().splitlines()
                          if line.strip()}

    async def send(self, message: GuardianMessage) -> None:
        key = str(message.notice_id)
        if key in self._sent:
            return
        line = json.dumps({**asdict(message), "notice_id": key}) + "\n"
        await asyncio.to_thread(self._append, line)
        self._sent.add(key)

    def _append(self, line: str) -> None:
        with self.path.open("a") as file:
            file.write(line)
            file.flush()

"""The durable ledger of messages sent, in front of every gateway: a message the ledger has is
never handed to a gateway again, after a restart or a crash, whichever gateway took it.

The remaining window, honestly: a crash after the gateway handed a message over and before the
ledger's write is on disk sends that message once more when the service comes back. That
window is the provider's whole round trip (150 ms for a webhook that answers in 150 ms), not
the ledger's write. Recording before sending would close it, but would turn the crash into a
message never sent, which for a guardian in a crisis is worse than a duplicate. So the copy is
the provider's to drop: the message id travels with every message (see adapters/gateway.py
for which gateways honour it).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from contracts.codes import DeliveryGuarantee
from services.notification.application import MessageGateway, OutgoingMessage


class SentLedger:
    """Message ids sent, in a small SQLite file of the data dir, written with synchronous=FULL
    so a recorded send survives a power cut. Contacts are not written: ids and channels only."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS sent (message_id TEXT PRIMARY KEY, "
                         "channel TEXT NOT NULL, sent_at TEXT NOT NULL)")

    def has(self, message_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM sent WHERE message_id = ?",
                                   (message_id,)).fetchone()
        return row is not None

    def record(self, message_id: str, channel: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO sent VALUES (?, ?, ?)",
                             (message_id, channel, datetime.now(UTC).isoformat()))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class LedgeredGateway:
    """Sends through `gateway` only what the ledger has not recorded, then records it."""

    def __init__(self, gateway: MessageGateway, ledger: SentLedger) -> None:
        self.gateway = gateway
        self.ledger = ledger

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        # The ledger closes a crash after the send is recorded, not one mid-send.
        return self.gateway.guarantee(message)

    async def send(self, message: OutgoingMessage) -> None:
        key = str(message.message_id)
        if await asyncio.to_thread(self.ledger.has, key):
            return
        await self.gateway.send(message)
        await asyncio.to_thread(self.ledger.record, key, message.channel)

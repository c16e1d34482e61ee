"""Background work of the notification service: send what was issued, escalate what is late."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from casetrail.worker import ApplicationThread
from services.notification.adapters.gateway import DeliveryRefused, MessageGateway
from services.notification.application import NotificationApplication

log = logging.getLogger(__name__)

GATEWAY_UNAVAILABLE = "gateway_unavailable"
MAX_BACKOFF_SECONDS = 60.0


def dispatcher(app: NotificationApplication, thread: ApplicationThread,
               gateway: MessageGateway, attempts: int = 3,
               backoff_seconds: float = 1.0) -> Callable[[], Awaitable[None]]:
    """Sends each pending message. A guardian's notice refused by its gateway, or failing
    `attempts` times, is recorded as failed and the ladder goes on; anything else that fails
    is tried again later, waiting longer each time. Failures are counted in memory: after a
    restart a message gets its tries again."""
    failures: Counter[UUID] = Counter()
    retry_at: dict[UUID, float] = {}

    async def dispatch() -> None:
        for case_id, message in await thread.run(app.messages_to_send):
            key = message.message_id
            if retry_at.get(key, 0.0) > time.monotonic():
                continue
            if not await thread.run(app.still_queued, key):
                continue  # the family answered or the case closed while others were sent
            reason: str | None = None
            try:
                await gateway.send(message)
            except DeliveryRefused as refusal:
                # The reason code only: a gateway's own text may carry a contact.
                log.warning("message %s refused: %s", key, refusal.reason)
                reason = refusal.reason
            except Exception as error:
                # One gateway failure must not hold back the other families' notices. The
                # error's type only, never its text: a transport error may name a contact.
                log.warning("sending message %s failed: %s", key, type(error).__name__)
                failures[key] += 1
                if failures[key] >= attempts:
                    reason = GATEWAY_UNAVAILABLE
            else:
                failures.pop(key, None)
                retry_at.pop(key, None)
                await thread.run(app.mark_dispatched, case_id, key, message.channel)
                continue
            failed = reason is not None and await thread.run(app.fail_delivery, case_id, key,
                                                             reason)
            if failed:
                failures.pop(key, None)
                retry_at.pop(key, None)
            else:
                wait = backoff_seconds * 2 ** min(failures[key], 6)
                retry_at[key] = time.monotonic() + min(wait, MAX_BACKOFF_SECONDS)

    return dispatch


def escalator(app: NotificationApplication,
              thread: ApplicationThread) -> Callable[[], Awaitable[int]]:
    async def escalate() -> int:
        return await thread.run(app.escalate_overdue, datetime.now(UTC))

    return escalate

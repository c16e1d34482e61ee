"""Background work of the notification service: send what was issued, escalate what is late."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from casetrail.service import BackgroundTask
from casetrail.worker import ApplicationThread
from services.notification.adapters.gateway import DeliveryRefused, MessageGateway
from services.notification.application import NotificationApplication

log = logging.getLogger(__name__)

GATEWAY_UNAVAILABLE = "gateway_unavailable"


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> BackgroundTask:
    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await work()
            except Exception:
                log.exception("background work failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    return loop


def dispatcher(app: NotificationApplication, thread: ApplicationThread,
               gateway: MessageGateway, attempts: int = 3) -> Callable[[], Awaitable[None]]:
    """Sends each pending message; a guardian's notice refused by its gateway, or failing
    `attempts` times, is recorded as failed and the ladder goes on. Failed attempts are
    counted in memory: after a restart a notice gets its tries again."""
    failures: Counter[object] = Counter()

    async def dispatch() -> None:
        for case_id, message in await thread.run(app.messages_to_send):
            try:
                await gateway.send(message)
            except DeliveryRefused as refusal:
                log.warning("message %s refused: %s", message.message_id, refusal)
                await thread.run(app.fail_delivery, case_id, message.message_id,
                                 refusal.reason)
                continue
            except Exception:
                # One gateway failure must not hold back the other families' notices.
                log.exception("sending message %s failed", message.message_id)
                failures[message.message_id] += 1
                if failures[message.message_id] >= attempts and await thread.run(
                        app.fail_delivery, case_id, message.message_id, GATEWAY_UNAVAILABLE):
                    del failures[message.message_id]
                continue
            failures.pop(message.message_id, None)
            await thread.run(app.mark_dispatched, case_id, message.message_id, message.channel)

    return dispatch


def escalator(app: NotificationApplication,
              thread: ApplicationThread) -> Callable[[], Awaitable[int]]:
    async def escalate() -> int:
        return await thread.run(app.escalate_overdue, datetime.now(UTC))

    return escalate

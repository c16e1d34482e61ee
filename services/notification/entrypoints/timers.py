"""Background work of the notification service: send what was issued, escalate what is late."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from casetrail.service import BackgroundTask
from casetrail.worker import ApplicationThread
from services.notification.adapters.gateway import MessageGateway
from services.notification.application import NotificationApplication

log = logging.getLogger(__name__)


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
               gateway: MessageGateway) -> Callable[[], Awaitable[None]]:
    async def dispatch() -> None:
        for case_id, message in await thread.run(app.messages_to_send):
            try:
                await gateway.send(message)
            except Exception:
                # One gateway refusal must not hold back the other families' notices.
                log.exception("sending message %s failed; it stays pending", message.message_id)
                continue
            await thread.run(app.mark_dispatched, case_id, message.message_id)

    return dispatch


def escalator(app: NotificationApplication,
              thread: ApplicationThread) -> Callable[[], Awaitable[int]]:
    async def escalate() -> int:
        return await thread.run(app.escalate_overdue, datetime.now(UTC))

    return escalate

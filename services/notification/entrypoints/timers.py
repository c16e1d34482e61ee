"""Background work of the notification service: send what was issued, escalate what is late."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from opentelemetry.trace import SpanKind

from casetrail import tracing
from casetrail.worker import ApplicationThread
from services.notification.application import (
    DeliveryRefused,
    MessageGateway,
    NotificationApplication,
)

log = logging.getLogger(__name__)

GATEWAY_UNAVAILABLE = "gateway_unavailable"
MAX_BACKOFF_SECONDS = 60.0


def dispatcher(app: NotificationApplication, thread: ApplicationThread,
               gateway: MessageGateway, attempts: int = 3,
               backoff_seconds: float = 1.0) -> Callable[[], Awaitable[None]]:
    """Sends each pending message. Every failed try is recorded. A message refused for good
    (no contact on file, a refused address), or a guardian's notice failing `attempts` times,
    is recorded as failed and the ladder goes on; anything else that fails is tried again
    later, waiting longer each time. The tries are counted in the store, so a restart does
    not start them over."""
    retry_at: dict[UUID, float] = {}

    async def dispatch() -> None:
        for case_id, key in await thread.run(app.queued):
            if retry_at.get(key, 0.0) > time.monotonic():
                continue  # built only when its turn comes, not on every tick
            # Sent, and its outcome recorded, in the trace of the work that issued it.
            issued_in = await thread.run(app.issued_in, key) if tracing.enabled() else None
            with tracing.resumed(issued_in):
                await send(case_id, key)

    async def send(case_id: UUID, key: UUID) -> None:
        if not await thread.run(app.still_queued, key):
            return  # the family answered or the case closed while others were sent
        try:
            message = await thread.run(app.outgoing, case_id, key)
        except Exception as error:
            log.error("message %s of case %s cannot be built: %s", key, case_id,
                      type(error).__name__)
            return
        try:
            with tracing.span("gateway send", kind=SpanKind.CLIENT, case_id=case_id,
                              attributes={"casetrail.channel": message.channel,
                                          "casetrail.template_id": message.template_id}):
                await gateway.send(message)
        except DeliveryRefused as refusal:
            # The reason code only: a gateway's own text may carry a contact.
            log.warning("message %s refused: %s", key, refusal.reason)
            reason, for_good = refusal.reason, True
        except Exception as error:
            # One gateway failure must not hold back the other families' notices. The
            # error's type only, never its text: a transport error may name a contact.
            log.warning("sending message %s failed: %s", key, type(error).__name__)
            reason, for_good = GATEWAY_UNAVAILABLE, False
        else:
            retry_at.pop(key, None)
            await thread.run(app.mark_dispatched, case_id, key, message.channel,
                             gateway.guarantee(message))
            return
        attempt, failed = await thread.run(app.delivery_failed, case_id, key, reason,
                                           give_up_after=1 if for_good else attempts,
                                           for_good=for_good)
        if failed:
            retry_at.pop(key, None)
        else:
            wait = backoff_seconds * 2 ** min(attempt, 6)
            retry_at[key] = time.monotonic() + min(wait, MAX_BACKOFF_SECONDS)

    return dispatch


def escalator(app: NotificationApplication,
              thread: ApplicationThread) -> Callable[[], Awaitable[int]]:
    """Takes the next ladder step of what ran out of time, and flags the authority reports
    not sent within the policy's time."""
    async def escalate() -> int:
        now = datetime.now(UTC)
        flagged = await thread.run(app.flag_overdue_reports, now)
        return flagged + await thread.run(app.escalate_overdue, now)

    return escalate

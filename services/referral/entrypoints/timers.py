"""Background work of the referral service: deliver packets to webhooks with retries, pass
over receivers that did not answer in time, raise overdue follow-ups and home visits due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from opentelemetry.trace import SpanKind

from casetrail import tracing
from casetrail.worker import ApplicationThread
from services.referral.application import ReferralApplication
from services.referral.packets import OutgoingPacket, PacketPoster

log = logging.getLogger(__name__)


def backoff(first: timedelta, cap: timedelta) -> Callable[[int], timedelta]:
    """Wait after the n-th failed attempt: doubling from `first`, at most `cap`."""

    def wait(attempt: int) -> timedelta:
        return min(first * (1 << min(max(attempt - 1, 0), 20)), cap)

    return wait


def deliverer(app: ReferralApplication, thread: ApplicationThread, poster: PacketPoster,
              wait: Callable[[int], timedelta]) -> Callable[[], Awaitable[None]]:
    async def deliver() -> None:
        for packet in await thread.run(app.packets_due, datetime.now(UTC), wait):
            # Each try a trace of its own: the post, and the delivery or failure it records.
            with tracing.span("deliver packet", case_id=packet.case_id):
                await post(packet)

    async def post(packet: OutgoingPacket) -> None:
        with tracing.span("post packet", kind=SpanKind.CLIENT, case_id=packet.case_id):
            failure = await poster.post(packet.endpoint, packet.receiver_id,
                                        packet.referral_id, packet.bundle)
        now = datetime.now(UTC)
        if failure is None:
            await thread.run(app.mark_delivered, packet.case_id, packet.referral_id, now)
        else:
            attempt = await thread.run(app.delivery_failed, packet.case_id,
                                       packet.referral_id, failure, now)
            log.warning("packet %s to %s: attempt %d failed (%s)", packet.referral_id,
                        packet.receiver_id, attempt, failure)

    return deliver


def watcher(app: ReferralApplication,
            thread: ApplicationThread) -> Callable[[], Awaitable[None]]:
    async def watch() -> None:
        now = datetime.now(UTC)
        # Each job on its own: one that fails leaves the others to run on this tick.
        for job in (app.pass_over_unanswered, app.raise_overdue, app.raise_visits_due):
            try:
                await thread.run(job, now)
            except Exception:
                log.exception("%s failed; tried again on the next tick", job.__name__)

    return watch

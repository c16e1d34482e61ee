"""Failed delivery attempts of a case's messages, each an event of the trail ("every attempt,
failure, acknowledgement and escalation is an event"): a guardian's notice, an escalation or
an authority report. Counted in the store, so a restart does not give a message its tries
again. Part of a case's notification record."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta, ReadLogged


class Delivery(ReadLogged):
    """What GuardianNotification adds for delivery attempts; it sets these in its __init__."""

    failed_attempts: dict[UUID, int]

    def attempt_failed(self, message_id: UUID, kind: str, reason: str,
                       meta: EventMeta) -> int:
        """One more failed try to send a message; returns how many it has had."""
        attempt = self.failed_attempts.get(message_id, 0) + 1
        self._attempt_failed(message_id, kind, reason, attempt, meta)
        return attempt

    class DeliveryAttemptFailed(Aggregate.Event):
        message_id: UUID
        kind: str  # notice, escalation or report
        reason: str  # a code, never a gateway's text
        attempt: int
        meta: EventMeta

    @event(DeliveryAttemptFailed)
    def _attempt_failed(self, message_id: UUID, kind: str, reason: str, attempt: int,
                        meta: EventMeta) -> None:
        self.failed_attempts[message_id] = attempt

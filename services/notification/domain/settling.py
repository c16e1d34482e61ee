"""What stops a case's messages: a guardian reached (the queued notices and escalations are
withdrawn, so nothing reaches the police after the family answered) or the case closed (its
ladder stops and it leaves the call list). Part of a case's notification record."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta, ReadLogged
from contracts.codes import NoticeChannel
from services.notification.domain.messages import Escalation, Notice

ACKNOWLEDGED = "acknowledged"
CASE_CLOSED = "case_closed"


class Settling(ReadLogged):
    """What GuardianNotification adds to stop its messages; it sets these in its __init__."""

    notices: list[Notice]
    escalations: list[Escalation]
    current: UUID | None
    closed: bool
    told_since: int

    def queued(self) -> list[UUID]:
        """Notices and escalations issued but not sent (phone notices are calls, not sent)."""
        notices = [n.notice_id for n in self.notices
                   if not (n.dispatched or n.failed or n.withdrawn)
                   and n.channel != NoticeChannel.PHONE]
        escalations = [e.escalation_id for e in self.escalations
                       if not (e.dispatched or e.withdrawn or e.failed)]
        return notices + escalations

    def withdraw_queued(self, reason: str, meta: EventMeta) -> None:
        """Nothing still queued goes out any more. The authority reports are not withdrawn:
        the commission is told of an incident whatever the family said."""
        queued = self.queued()
        if queued:
            self._withdrawn(queued, reason, meta)

    class MessagesWithdrawn(Aggregate.Event):
        message_ids: list[UUID]
        reason: str
        meta: EventMeta

    @event(MessagesWithdrawn)
    def _withdrawn(self, message_ids: list[UUID], reason: str, meta: EventMeta) -> None:
        ids = set(message_ids)
        for notice in self.notices:
            notice.withdrawn = notice.withdrawn or notice.notice_id in ids
        for escalation in self.escalations:
            escalation.withdrawn = escalation.withdrawn or escalation.escalation_id in ids

    def close(self, meta: EventMeta) -> None:
        """The case was closed: the ladder stops, queued messages are withdrawn."""
        if self.closed:
            return
        self.withdraw_queued(CASE_CLOSED, meta)
        self._closed(meta)

    class Closed(Aggregate.Event):
        meta: EventMeta

    @event(Closed)
    def _closed(self, meta: EventMeta) -> None:
        self.closed = True
        self.current = None

    def reopen(self, meta: EventMeta) -> None:
        """The case was opened again: its next crisis or tier decision tells the family."""
        if self.closed:
            self._reopened(meta)

    class Reopened(Aggregate.Event):
        meta: EventMeta

    @event(Reopened)
    def _reopened(self, meta: EventMeta) -> None:
        self.closed = False
        self.told_since = len(self.notices)

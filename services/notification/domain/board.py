"""Notices still to send, and acknowledgement deadlines still running.

A projection of the service's own events, rebuilt from its store at start: timers are events
and deadlines, not sleeping coroutines, so they survive a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from services.notification.domain.notice import GuardianNotification as Notification


class NoticeBoard:
    def __init__(self) -> None:
        self.undispatched: dict[UUID, UUID] = {}  # notice or escalation id -> case id
        self.deadlines: dict[UUID, tuple[UUID, datetime]] = {}  # notice id -> case, by when

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            if isinstance(event, Notification.NoticeIssued):
                self.undispatched[event.notice_id] = event.originator_id
                self.deadlines[event.notice_id] = (event.originator_id, event.acknowledge_by)
            elif isinstance(event, Notification.NoticeDispatched):
                self.undispatched.pop(event.message_id, None)
            elif isinstance(event, Notification.Acknowledged):
                # Reaching the guardian settles every notice of the case.
                self.deadlines = {notice: (case, by) for notice, (case, by)
                                  in self.deadlines.items() if case != event.originator_id}
            elif isinstance(event, Notification.Escalated):
                self.deadlines.pop(event.notice_id, None)
                self.undispatched[event.escalation_id] = event.originator_id

    def overdue(self, now: datetime) -> list[tuple[UUID, UUID]]:
        """(case id, notice id) of every notice whose acknowledgement is late."""
        return [(case_id, notice_id) for notice_id, (case_id, by) in self.deadlines.items()
                if by <= now]

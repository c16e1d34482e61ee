"""Messages still to send, calls still to make, and the ladder steps whose time is running.

A projection of the service's own events, rebuilt from its store at start: timers are events
and deadlines, not sleeping coroutines, so they survive a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.codes import NoticeChannel
from services.notification.domain.glass import GlassAlerts
from services.notification.domain.messages import Escalation
from services.notification.domain.notice import GuardianNotification as Notification
from services.notification.domain.plan import PlanAndReports as Record
from services.notification.domain.settling import Settling


class NoticeBoard:
    def __init__(self) -> None:
        # notice, escalation, report or alert id -> case id, in the order they were issued
        self.undispatched: dict[UUID, UUID] = {}
        # case id -> (the ladder step awaiting acknowledgement, until when)
        self.deadlines: dict[UUID, tuple[UUID, datetime]] = {}
        # phone notices whose guardian nobody has reached or given up on: notice id -> case id
        self.calls: dict[UUID, UUID] = {}
        # authority reports not sent nor flagged late: report id -> (case id, report by)
        self.reports_due: dict[UUID, tuple[UUID, datetime]] = {}
        # escalations and reports nobody could receive, the team's to take up by hand:
        # message id -> (case id, kind); an escalation leaves once the family is reached
        self.unreachable: dict[UUID, tuple[UUID, str]] = {}
        # message id -> the trace it was issued in, while undispatched (telemetry only)
        self.issued_in: dict[UUID, str] = {}

    def apply(self, events: Iterable[Any]) -> None:
        for event in events:
            case_id = event.originator_id
            if isinstance(event, Notification.NoticeIssued):
                if event.channel == NoticeChannel.PHONE:
                    self.calls[event.notice_id] = case_id
                else:
                    self._queue(event.notice_id, case_id, event)
                self.deadlines[case_id] = (event.notice_id, event.acknowledge_by)
            elif isinstance(event, Notification.NoticeDispatched):
                self._unqueue(event.message_id)
            elif isinstance(event, Record.ReportDispatched):
                self._unqueue(event.report_id)
                self.reports_due.pop(event.report_id, None)
            elif isinstance(event, Record.ReportOverdue):
                self.reports_due.pop(event.report_id, None)
            elif isinstance(event, Notification.NoticeFailed):
                self._step_over(case_id, event.notice_id)
            elif isinstance(event, Notification.Unreachable):
                self.unreachable[event.message_id] = (case_id, event.kind)
                self._step_over(case_id, event.message_id)
            elif isinstance(event, Notification.Acknowledged):
                # Reaching a guardian settles the whole ladder of the case.
                self.deadlines.pop(case_id, None)
                self.calls = {n: c for n, c in self.calls.items() if c != case_id}
                self.unreachable = {m: (c, kind) for m, (c, kind) in self.unreachable.items()
                                    if c != case_id or kind != Escalation.KIND}
            elif isinstance(event, Settling.MessagesWithdrawn):
                for message_id in event.message_ids:
                    self._unqueue(message_id)
            elif isinstance(event, Settling.Closed):
                self.deadlines.pop(case_id, None)
                self.calls = {n: c for n, c in self.calls.items() if c != case_id}
                self.unreachable = {m: (c, kind) for m, (c, kind) in self.unreachable.items()
                                    if c != case_id}
            elif isinstance(event, Notification.Escalated):
                self._queue(event.escalation_id, case_id, event)
                self.deadlines.pop(case_id, None)
                if event.due_by is not None:
                    self.deadlines[case_id] = (event.escalation_id, event.due_by)
            elif isinstance(event, GlassAlerts.GlassAlertIssued):
                self._queue(event.alert_id, case_id, event)
            elif isinstance(event, Record.ReportIssued):
                self._queue(event.report_id, case_id, event)
                self.reports_due[event.report_id] = (case_id, event.report_by)

    def _queue(self, message_id: UUID, case_id: UUID, event: Any) -> None:
        self.undispatched[message_id] = case_id
        if traceparent := getattr(getattr(event, "meta", None), "traceparent", None):
            self.issued_in[message_id] = traceparent

    def _unqueue(self, message_id: UUID) -> None:
        self.undispatched.pop(message_id, None)
        self.issued_in.pop(message_id, None)

    def _step_over(self, case_id: UUID, message_id: UUID) -> None:
        self._unqueue(message_id)
        self.calls.pop(message_id, None)
        if self.deadlines.get(case_id, (None,))[0] == message_id:
            del self.deadlines[case_id]

    def overdue(self, now: datetime) -> list[tuple[UUID, UUID]]:
        """(case id, step id) of every ladder step whose time ran out."""
        return [(case_id, step_id) for case_id, (step_id, by) in self.deadlines.items()
                if by <= now]

    def reports_overdue(self, now: datetime) -> list[tuple[UUID, UUID]]:
        """(case id, report id) of every authority report not sent in its time."""
        return [(case_id, report_id) for report_id, (case_id, by) in self.reports_due.items()
                if by <= now]

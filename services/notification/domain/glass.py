"""The case's team told of a break-glass: someone with no relation to the case opened it, and
the head of the crisis team hears who (role and id), why (the reason code) and until when.
Part of a case's notification record."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta, ReadLogged
from services.notification.domain.messages import GlassAlert

GLASS_RECIPIENT = "crisis_team_head"


class GlassAlerts(ReadLogged):
    """What GuardianNotification adds for break-glass alerts; it sets these in its __init__."""

    alerts: list[GlassAlert]

    def alert_break_glass(self, opened_by: UUID, actor_role: str, actor_id: str, reason: str,
                          until: datetime, meta: EventMeta) -> UUID:
        """One alert per break-glass (intake's event `opened_by`), however often it arrives."""
        for alert in self.alerts:
            if alert.opened_by == opened_by:
                return alert.alert_id
        alert_id = uuid5(self.id, f"break-glass/{opened_by}")
        self._alert_issued(alert_id, opened_by, actor_role, actor_id, reason, until,
                           GLASS_RECIPIENT, meta)
        return alert_id

    class GlassAlertIssued(Aggregate.Event):
        alert_id: UUID
        opened_by: UUID
        actor_role: str
        actor_id: str
        reason: str
        until: datetime
        recipient: str
        meta: EventMeta

    @event(GlassAlertIssued)
    def _alert_issued(self, alert_id: UUID, opened_by: UUID, actor_role: str, actor_id: str,
                      reason: str, until: datetime, recipient: str, meta: EventMeta) -> None:
        self.alerts.append(GlassAlert(alert_id, opened_by, actor_role, actor_id, reason, until,
                                      recipient))

"""Notification's part of a case in the shared vocabulary (contracts/case_state.py)."""

from __future__ import annotations

from contracts.case_state import EscalationState, NoticeState, NotificationPart
from services.notification.domain.notice import GuardianNotification


def part_of(notification: GuardianNotification) -> NotificationPart:
    return NotificationPart(
        notices=[NoticeState(notice_id=n.notice_id, tier=n.tier, guardian_rank=n.guardian_rank,
                             channel=n.channel, dispatched=n.dispatched,
                             acknowledged=n.acknowledged, failed=n.failed is not None)
                 for n in notification.notices],
        escalations=[EscalationState(escalation_id=e.escalation_id, notice_id=e.notice_id,
                                     escalated_to=e.escalated_to, dispatched=e.dispatched,
                                     failed=e.failed is not None)
                     for e in notification.escalations])

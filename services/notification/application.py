"""Notification's commands and queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking

from casetrail.bus.inbox import following
from casetrail.kernel import EventMeta
from casetrail.store import ServiceApplication
from contracts.codes import GuardianRank, NoticeChannel, Role, Tier
from contracts.envelope import Envelope
from contracts.events import assessment
from services.notification.adapters.gateway import OutgoingMessage
from services.notification.domain.board import NoticeBoard
from services.notification.domain.notice import (
    AcknowledgementPolicy,
    GuardianNotification,
    Notice,
)

PAGE = 1000


class NotificationApplication(ServiceApplication):
    name = "notification"

    def __init__(self, env: dict[str, str], policy: AcknowledgementPolicy) -> None:
        super().__init__(env)
        self.policy = policy
        self.on_commit.append(self._keep_board)

    def _keep_board(self, events: Sequence[DomainEventProtocol[UUID]]) -> None:
        if "board" in self.__dict__:  # not built yet: it will read these from the store
            self.board.apply(events)

    @cached_property
    def board(self) -> NoticeBoard:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        board = NoticeBoard()
        start = 1
        while notifications := self.recorder.select_notifications(start=start, limit=PAGE):
            board.apply(self.mapper.to_domain_event(n) for n in notifications)
            start = notifications[-1].id + 1
        return board

    def on_crisis_path_started(self, envelope: Envelope, data: assessment.CrisisPathStarted,
                               tracking: Tracking) -> None:
        self._tell_family(envelope, data.student_key, Tier.CRISIS, tracking)

    def on_tier_decided(self, envelope: Envelope, data: assessment.TierDecided,
                        tracking: Tracking) -> None:
        self._tell_family(envelope, data.student_key, data.tier, tracking)

    def _tell_family(self, envelope: Envelope, student_key: str, tier: Tier,
                     tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        notification = self.find_case(envelope.case_id, GuardianNotification)
        if notification is None:
            notification = GuardianNotification.open(envelope.case_id, student_key, meta)
        notification.tell_family(tier, self.policy, meta, now=datetime.now(UTC))
        self.record(notification, tracking=tracking)

    def acknowledge(self, case_id: UUID, guardian_rank: GuardianRank, channel: NoticeChannel,
                    meta: EventMeta) -> UUID:
        notification = self.get_case(case_id, GuardianNotification)
        notice_id = notification.acknowledge(guardian_rank, channel, meta)
        self.record(notification)
        return notice_id

    def messages_to_send(self) -> list[tuple[UUID, OutgoingMessage]]:
        messages = []
        for message_id, case_id in list(self.board.undispatched.items()):
            notification = self.get_case(case_id, GuardianNotification)
            message = notification.message(message_id)
            recipient = (f"guardian_{message.guardian_rank}" if isinstance(message, Notice)
                         else message.escalated_to)
            messages.append((case_id, OutgoingMessage(
                message_id=message_id, student_key=notification.student_key,
                recipient=recipient, channel=NoticeChannel.SMS.value,
                template_id=message.template_id)))
        return messages

    def mark_dispatched(self, case_id: UUID, message_id: UUID) -> None:
        notification = self.get_case(case_id, GuardianNotification)
        notification.mark_dispatched(message_id, EventMeta.by(Role.SYSTEM, self.name))
        self.record(notification)

    def escalate_overdue(self, now: datetime) -> int:
        escalated = 0
        for case_id, notice_id in self.board.overdue(now):
            notification = self.get_case(case_id, GuardianNotification)
            meta = EventMeta.by(Role.SYSTEM, self.name, occurred_at=now)
            if notification.escalate_if_unacknowledged(notice_id, now, meta):
                self.record(notification)
                escalated += 1
        return escalated

"""Telling a student's guardians about a case (000 items 6, 8, 10; DOMAIN.md, Family-notified).

What is said is a template id per tier and language, never the text of the case. A notice
not acknowledged in time escalates: the school must not wait (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import GuardianRank, NoticeChannel, Tier

ESCALATION_TARGET = "crisis_team_head"


@dataclass(frozen=True)
class AcknowledgementPolicy:
    """How long to wait for a guardian's acknowledgement, per tier (DOMAIN.md defaults)."""

    crisis: timedelta = timedelta(minutes=15)
    serious: timedelta = timedelta(hours=24)
    general: timedelta = timedelta(days=3)

    def wait_for(self, tier: Tier) -> timedelta:
        waits = {Tier.CRISIS: self.crisis, Tier.SERIOUS: self.serious,
                 Tier.GENERAL: self.general}
        return waits[tier]


def template_for(tier: Tier, language: str = "zh") -> str:
    return f"guardian-notice-{tier.value}-{language}-v1"


@dataclass
class Notice:
    notice_id: UUID
    tier: str
    guardian_rank: int
    channel: str
    template_id: str
    acknowledge_by: datetime
    dispatched: bool = False
    acknowledged: bool = False
    escalated: bool = False

    @property
    def awaiting_acknowledgement(self) -> bool:
        return not (self.acknowledged or self.escalated)


@dataclass
class Escalation:
    """The crisis team told that a guardian did not acknowledge in time."""

    escalation_id: UUID
    notice_id: UUID
    tier: str
    escalated_to: str
    dispatched: bool = False

    @property
    def template_id(self) -> str:
        return f"escalation-unacknowledged-{self.tier}-zh-v1"


class GuardianNotification(ReadLogged):
    class Opened(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Opened)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.notices: list[Notice] = []
        self.escalations: list[Escalation] = []

    @classmethod
    def open(cls, case_id: UUID, student_key: str, meta: EventMeta) -> GuardianNotification:
        return cls._create(cls.Opened, id=case_id, student_key=student_key, meta=meta)

    @property
    def highest_tier_told(self) -> Tier:
        return max((Tier(n.tier) for n in self.notices), key=lambda t: t.rank,
                   default=Tier.NONE)

    def tell_family(self, tier: Tier, policy: AcknowledgementPolicy, meta: EventMeta, *,
                    now: datetime) -> None:
        """Notify the primary guardian, unless they were already told of this tier or higher.

        The guardian's time to acknowledge runs from now, when the notice goes out, not from
        when the concern was observed."""
        if tier.rank <= self.highest_tier_told.rank:
            return
        notice_id = uuid5(self.id, f"notice/{len(self.notices) + 1}")
        self._issue(notice_id, tier.value, GuardianRank.PRIMARY.value, NoticeChannel.SMS.value,
                    template_for(tier), now + policy.wait_for(tier), meta)

    class NoticeIssued(Aggregate.Event):
        notice_id: UUID
        tier: str
        guardian_rank: int
        channel: str
        template_id: str
        acknowledge_by: datetime
        meta: EventMeta

    @event(NoticeIssued)
    def _issue(self, notice_id: UUID, tier: str, guardian_rank: int, channel: str,
               template_id: str, acknowledge_by: datetime, meta: EventMeta) -> None:
        self.notices.append(Notice(notice_id, tier, guardian_rank, channel, template_id,
                                   acknowledge_by))

    def notice(self, notice_id: UUID) -> Notice:
        for notice in self.notices:
            if notice.notice_id == notice_id:
                return notice
        raise CaseRuleViolated(f"no notice {notice_id} in this case")

    def message(self, message_id: UUID) -> Notice | Escalation:
        """A notice to a guardian, or an escalation to the crisis team, by its id."""
        for escalation in self.escalations:
            if escalation.escalation_id == message_id:
                return escalation
        return self.notice(message_id)

    def mark_dispatched(self, message_id: UUID, meta: EventMeta) -> None:
        message = self.message(message_id)
        if not message.dispatched:
            kind = "notice" if isinstance(message, Notice) else "escalation"
            self._dispatched(message_id, kind, NoticeChannel.SMS.value, meta)

    class NoticeDispatched(Aggregate.Event):
        message_id: UUID
        kind: str
        channel: str
        meta: EventMeta

    @event(NoticeDispatched)
    def _dispatched(self, message_id: UUID, kind: str, channel: str, meta: EventMeta) -> None:
        self.message(message_id).dispatched = True

    def acknowledge(self, guardian_rank: GuardianRank, channel: NoticeChannel,
                    meta: EventMeta) -> UUID:
        """A guardian confirmed they were told (a call answered, a reply to the SMS)."""
        if not self.notices:
            raise CaseRuleViolated("no guardian has been notified in this case yet")
        latest = self.notices[-1]
        if latest.acknowledged:
            raise CaseRuleViolated("the latest notice is already acknowledged")
        self._acknowledged(latest.notice_id, guardian_rank.value, channel.value, meta)
        return latest.notice_id

    class Acknowledged(Aggregate.Event):
        notice_id: UUID
        guardian_rank: int
        channel: str
        meta: EventMeta

    @event(Acknowledged)
    def _acknowledged(self, notice_id: UUID, guardian_rank: int, channel: str,
                      meta: EventMeta) -> None:
        # The guardian was reached: earlier notices of the case need no escalation either.
        for notice in self.notices:
            notice.acknowledged = True

    def escalate_if_unacknowledged(self, notice_id: UUID, now: datetime,
                                   meta: EventMeta) -> bool:
        notice = self.notice(notice_id)
        if not notice.awaiting_acknowledgement or now < notice.acknowledge_by:
            return False
        self._escalated(notice_id, uuid5(notice_id, "escalation"), ESCALATION_TARGET, meta)
        return True

    class Escalated(Aggregate.Event):
        notice_id: UUID
        escalation_id: UUID
        escalated_to: str
        meta: EventMeta

    @event(Escalated)
    def _escalated(self, notice_id: UUID, escalation_id: UUID, escalated_to: str,
                   meta: EventMeta) -> None:
        notice = self.notice(notice_id)
        notice.escalated = True
        self.escalations.append(Escalation(escalation_id, notice_id, notice.tier, escalated_to))

"""Telling a student's guardians about a case (000 items 6, 8, 10; DOMAIN.md, Family-notified).

What is said is a template id per tier and language, never the text of the case. A notice
not acknowledged in time, or that could not be delivered, moves the case up the tier's ladder:
the next guardian, then the head of the crisis team, then (crisis) the police. The school must
not wait (DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged, following_latest
from contracts.codes import CallOutcome, GuardianRank, NoticeChannel, Tier
from contracts.events.notification import SERVICE
from services.notification.domain.delivery import Delivery
from services.notification.domain.directory import Route
from services.notification.domain.glass import GlassAlerts
from services.notification.domain.messages import (
    DEFAULT_LANGUAGE,
    AuthorityReport,
    Call,
    Escalation,
    GlassAlert,
    Message,
    Notice,
    Plan,
    message_recipient,
    template_for,
)
from services.notification.domain.plan import PlanAndReports
from services.notification.domain.policy import NotificationPolicy, guardian_rank_of
from services.notification.domain.settling import ACKNOWLEDGED, Settling

ESCALATION_TARGET = "crisis_team_head"
# The primary guardian is told even with no one on file: the notice is recorded, fails at once
# for want of a contact (no_contact), and the ladder goes straight on to the team.
UNKNOWN_PRIMARY = Route(GuardianRank.PRIMARY.value, NoticeChannel.SMS.value, DEFAULT_LANGUAGE)
UNREACHED = {CallOutcome.NO_ANSWER, CallOutcome.WRONG_NUMBER}


class GuardianNotification(PlanAndReports, Settling, Delivery, GlassAlerts, ReadLogged):
    class Opened(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Opened)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.notices: list[Notice] = []
        self.escalations: list[Escalation] = []
        self.calls: list[Call] = []
        self.plans: list[Plan] = []
        self.reports: list[AuthorityReport] = []
        self.alerts: list[GlassAlert] = []
        self.current: UUID | None = None  # the ladder step awaiting acknowledgement
        self.closed = False
        self.told_since = 0  # notices before this index belong to a closed chapter
        self.failed_attempts: dict[UUID, int] = {}

    @classmethod
    def open(cls, case_id: UUID, student_key: str, meta: EventMeta) -> GuardianNotification:
        return cls._create(cls.Opened, id=case_id, student_key=student_key, meta=meta)

    @classmethod
    def open_unknown_student(cls, case_id: UUID, meta: EventMeta) -> GuardianNotification:
        """Opened by an event that names no student (a break-glass): the key is learnt from
        the first event that asks to tell the family."""
        return cls.open(case_id, "", meta)

    def learn_student(self, student_key: str, meta: EventMeta) -> None:
        if not self.student_key:
            self._student_learnt(student_key, meta)

    class StudentLearnt(Aggregate.Event):
        student_key: str
        meta: EventMeta

    @event(StudentLearnt)
    def _student_learnt(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key

    def tell_family(self, tier: Tier, policy: NotificationPolicy, routes: Mapping[int, Route],
                    meta: EventMeta, *, now: datetime, cause: str | None = None) -> None:
        """Notify the primary guardian; the time to acknowledge runs from now.

        A tier decision tells the family only of a tier higher than any they were told. A
        crisis path or an incident (`cause`, its upstream id) tells them of each one, even
        after an earlier crisis was settled or lowered: unless this very one was told, or a
        ladder at that tier is still running and already trying to reach them."""
        if cause is None:
            if tier.rank <= self.highest_tier_told.rank:
                return
        elif cause in {n.cause for n in self.notices} or self._ladder_running(tier):
            return
        route = routes.get(GuardianRank.PRIMARY.value, UNKNOWN_PRIMARY)
        self._notify(tier, 0, route, policy, meta, now, cause)

    def _ladder_running(self, tier: Tier) -> bool:
        if self.current is None or self.settled:
            return False
        step = self.message(self.current)
        return isinstance(step, Notice | Escalation) and Tier(step.tier).rank >= tier.rank

    @property
    def settled(self) -> bool:
        """The latest round was acknowledged (an acknowledgement settles every notice)."""
        return bool(self.notices) and self.notices[-1].acknowledged

    def _notify(self, tier: Tier, step: int, route: Route, policy: NotificationPolicy,
                meta: EventMeta, now: datetime, cause: str | None = None) -> None:
        notice_id = uuid5(self.id, f"notice/{len(self.notices) + 1}")
        self._issue(notice_id, tier.value, route.rank, route.channel,
                    template_for(tier.value, route.language), now + policy.wait_for(tier),
                    meta, step=step, language=route.language, cause=cause)

    class NoticeIssued(Aggregate.Event):
        notice_id: UUID
        tier: str
        guardian_rank: int
        channel: str
        template_id: str
        acknowledge_by: datetime
        meta: EventMeta
        step: int = 0
        language: str = DEFAULT_LANGUAGE
        cause: str | None = None  # the crisis path or incident that asked, if one did

    @event(NoticeIssued)
    def _issue(self, notice_id: UUID, tier: str, guardian_rank: int, channel: str,
               template_id: str, acknowledge_by: datetime, meta: EventMeta, step: int = 0,
               language: str = DEFAULT_LANGUAGE, cause: str | None = None) -> None:
        self._leave_current_step()
        self.notices.append(Notice(notice_id, tier, guardian_rank, channel, template_id,
                                   acknowledge_by, step, language, cause=cause))
        self.current = notice_id

    def _leave_current_step(self) -> None:
        for notice in self.notices:
            if notice.notice_id == self.current and not notice.failed:
                notice.escalated = True
        self.current = None

    def notice(self, notice_id: UUID) -> Notice:
        for notice in self.notices:
            if notice.notice_id == notice_id:
                return notice
        raise CaseRuleViolated(f"no notice {notice_id} in this case")

    def message(self, message_id: UUID) -> Message:
        """A notice, an escalation, an authority report or a break-glass alert, by its id."""
        for escalation in self.escalations:
            if escalation.escalation_id == message_id:
                return escalation
        for alert in self.alerts:
            if alert.alert_id == message_id:
                return alert
        for report in self.reports:
            if report.report_id == message_id:
                return report
        return self.notice(message_id)

    def mark_dispatched(self, message_id: UUID, channel: str, delivery: str,
                        meta: EventMeta) -> None:
        """The message left; `delivery` is what its gateway promises against a copy."""
        message = self.message(message_id)
        if message.dispatched:
            return
        if isinstance(message, AuthorityReport):
            self._report_dispatched(message_id, meta.occurred_at <= message.report_by,
                                    delivery, meta)
            return
        self._dispatched(message_id, message.KIND, channel, delivery, meta)

    class NoticeDispatched(Aggregate.Event):
        message_id: UUID
        kind: str
        channel: str
        delivery: str  # "" in events stored before it was recorded
        meta: EventMeta

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["delivery"] = ""

    @event(NoticeDispatched)
    def _dispatched(self, message_id: UUID, kind: str, channel: str, delivery: str,
                    meta: EventMeta) -> None:
        message = self.message(message_id)
        message.dispatched = True
        if isinstance(message, Escalation):
            message.channel = channel

    def fail_delivery(self, notice_id: UUID, reason: str, policy: NotificationPolicy,
                      routes: Mapping[int, Route], meta: EventMeta, *, now: datetime) -> bool:
        """The notice could not reach its guardian: recorded, and if the ladder was waiting on
        it, the next step is taken at once rather than when its time runs out."""
        notice = self.notice(notice_id)
        if notice.acknowledged or notice.failed:
            return False
        was_current = self.current == notice_id
        self._failed(notice_id, notice.channel, reason, meta)
        if was_current and not self.settled:
            self._next_step(notice, notice.step, policy, routes,
                            following_latest(self, SERVICE, meta), now)
        return True

    def fail_unreachable(self, message_id: UUID, reason: str, policy: NotificationPolicy,
                         routes: Mapping[int, Route], meta: EventMeta, *,
                         now: datetime) -> bool:
        """An escalation, authority report or break-glass alert nobody can receive (no
        contact on file, or an address refused for good): recorded as such, never as sent,
        and left to the team.
        An escalation's ladder goes on at once to its next step, as for a guardian."""
        message = self.message(message_id)
        if isinstance(message, Notice) or message.dispatched or message.failed:
            return False
        was_current = self.current == message_id
        recipient = message_recipient(message)
        self._unreachable(message_id, message.KIND, recipient, reason, meta)
        if isinstance(message, Escalation) and was_current and not self.settled:
            self._next_step(self.notice(message.notice_id), message.step, policy, routes,
                            following_latest(self, SERVICE, meta), now)
        return True

    class Unreachable(Aggregate.Event):
        message_id: UUID
        kind: str  # escalation, report or break_glass
        recipient: str  # whom it names: crisis_team_head, police, the authority
        reason: str
        meta: EventMeta

    @event(Unreachable)
    def _unreachable(self, message_id: UUID, kind: str, recipient: str, reason: str,
                     meta: EventMeta) -> None:
        message = self.message(message_id)
        assert not isinstance(message, Notice)
        message.failed = reason
        if self.current == message_id:
            self.current = None

    class NoticeFailed(Aggregate.Event):
        notice_id: UUID
        channel: str
        reason: str
        meta: EventMeta

    @event(NoticeFailed)
    def _failed(self, notice_id: UUID, channel: str, reason: str, meta: EventMeta) -> None:
        self.notice(notice_id).failed = reason
        if self.current == notice_id:
            self.current = None

    def record_call(self, guardian_rank: GuardianRank, outcome: CallOutcome,
                    policy: NotificationPolicy, routes: Mapping[int, Route], meta: EventMeta, *,
                    now: datetime) -> UUID | None:
        """A person phoned a guardian. Reached is an acknowledgement; no answer or a wrong
        number fails a phone notice to that guardian, and the ladder goes on at once."""
        if not self.notices:
            raise CaseRuleViolated("no guardian has been notified in this case yet")
        notice = next((n for n in reversed(self.notices)
                       if n.guardian_rank == guardian_rank.value), None)
        notice_id = notice.notice_id if notice else None
        self._called(notice_id, guardian_rank.value, outcome.value, meta)
        if outcome == CallOutcome.REACHED and not self.notices[-1].acknowledged:
            self._acknowledged(notice_id or self.notices[-1].notice_id, guardian_rank.value,
                               NoticeChannel.PHONE.value, meta)
            self.withdraw_queued(ACKNOWLEDGED, meta)
        elif outcome in UNREACHED and notice and notice.channel == NoticeChannel.PHONE:
            self.fail_delivery(notice.notice_id, outcome.value, policy, routes, meta, now=now)
        return notice_id

    class Called(Aggregate.Event):
        notice_id: UUID | None
        guardian_rank: int
        outcome: str
        meta: EventMeta

    @event(Called)
    def _called(self, notice_id: UUID | None, guardian_rank: int, outcome: str,
                meta: EventMeta) -> None:
        self.calls.append(Call(guardian_rank, outcome, notice_id, meta.occurred_at))

    def acknowledge(self, guardian_rank: GuardianRank, channel: NoticeChannel,
                    meta: EventMeta) -> UUID:
        """A guardian, primary or secondary, confirmed they were told (a call answered, a
        reply to the message): the ladder stops."""
        if not self.notices:
            raise CaseRuleViolated("no guardian has been notified in this case yet")
        if self.notices[-1].acknowledged:
            raise CaseRuleViolated("the latest notice is already acknowledged")
        notice = next((n for n in reversed(self.notices)
                       if n.guardian_rank == guardian_rank.value), self.notices[-1])
        self._acknowledged(notice.notice_id, guardian_rank.value, channel.value, meta)
        self.withdraw_queued(ACKNOWLEDGED, meta)
        return notice.notice_id

    class Acknowledged(Aggregate.Event):
        notice_id: UUID
        guardian_rank: int
        channel: str
        meta: EventMeta

    @event(Acknowledged)
    def _acknowledged(self, notice_id: UUID, guardian_rank: int, channel: str,
                      meta: EventMeta) -> None:
        # The family was reached: no notice of the case needs to escalate any more.
        for notice in self.notices:
            notice.acknowledged = True
        self.current = None

    def escalate_if_unacknowledged(self, message_id: UUID, now: datetime,
                                   policy: NotificationPolicy, routes: Mapping[int, Route],
                                   meta: EventMeta) -> bool:
        """Take the ladder's next step if the step waiting on `message_id` ran out of time."""
        if self.current != message_id or self.settled:
            return False
        step = self.message(message_id)
        if isinstance(step, Notice):
            if now < step.acknowledge_by:
                return False
            return self._next_step(step, step.step, policy, routes, meta, now)
        if isinstance(step, Escalation) and step.due_by is not None and now >= step.due_by:
            return self._next_step(self.notice(step.notice_id), step.step, policy, routes,
                                   meta, now)
        return False

    def _next_step(self, notice: Notice, after: int, policy: NotificationPolicy,
                   routes: Mapping[int, Route], meta: EventMeta, now: datetime) -> bool:
        """The next guardian on file, else whoever the ladder names beyond the family."""
        tier = Tier(notice.tier)
        ladder = policy.for_tier(tier).ladder
        for index in range(after + 1, len(ladder)):
            rank = guardian_rank_of(ladder[index])
            if rank is None:
                last = index == len(ladder) - 1
                self._escalated(notice.notice_id, uuid5(notice.notice_id, f"escalation/{index}"),
                                ladder[index], meta, step=index,
                                due_by=None if last else now + policy.wait_for(tier))
                return True
            if rank in routes:  # a guardian with nobody on file is skipped
                self._notify(tier, index, routes[rank], policy, meta, now)
                return True
        return False

    class Escalated(Aggregate.Event):
        notice_id: UUID
        escalation_id: UUID
        escalated_to: str
        meta: EventMeta
        step: int = 0
        due_by: datetime | None = None

    @event(Escalated)
    def _escalated(self, notice_id: UUID, escalation_id: UUID, escalated_to: str,
                   meta: EventMeta, step: int = 0, due_by: datetime | None = None) -> None:
        self._leave_current_step()
        self.escalations.append(Escalation(escalation_id, notice_id, self.notice(notice_id).tier,
                                           escalated_to, step, due_by))
        self.current = escalation_id if due_by is not None else None


"""Notification's commands and queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from casetrail.kernel import CaseNotFound, EventMeta, following
from casetrail.personal.records import PersonalRecords
from casetrail.personal.sealing import ERASED, PersonalData
from casetrail.pseudonym import Pseudonyms
from casetrail.store import snapshotted
from casetrail.timer_work import each_case
from contracts.case_state import NotificationPart
from contracts.codes import (
    CallOutcome,
    DeliveryGuarantee,
    GuardianRank,
    NoticeChannel,
    PlanMeasure,
    Role,
    Tier,
)
from contracts.envelope import Envelope
from contracts.events import assessment, intake, referral
from services.notification.case_part import part_of
from services.notification.domain.board import NoticeBoard
from services.notification.domain.directory import (
    Guardian,
    GuardianDirectory,
    Route,
    directory_id,
)
from services.notification.domain.messages import (
    AuthorityReport,
    Call,
    Escalation,
    GlassAlert,
    Notice,
    Plan,
    message_recipient,
)
from services.notification.domain.notice import GuardianNotification
from services.notification.domain.policy import NotificationPolicy

# Of a list of cases, those the reader may see: their need-to-know, as the API decides it.
CaseFilter = Callable[[list[UUID]], list[UUID]]


@dataclass(frozen=True)
class OutgoingMessage:
    """To `recipient` (`guardian_1`, `guardian_2`, `crisis_team_head`, `police`,
    `district_education_commission`) at `to`, the contact from this service's store (None when
    nobody is on file), with the template's fixed text."""

    message_id: UUID
    recipient: str
    channel: str
    template_id: str
    text: str
    to: str | None = None


class DeliveryRefused(Exception):
    """The gateway refused the message for good (a bad address, a rejected request): trying
    again will not help. `reason` is a code that may go on the bus."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class MessageGateway(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Hands the message on; DeliveryRefused if it is refused for good."""

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        """What the gateway that takes this message promises against a copy sent again after
        a crash mid-send (the trail records it with the dispatch)."""


class MessageTexts(Protocol):
    """The fixed text of each message template."""

    def cover(self, policy: NotificationPolicy) -> None:
        """Raises if the policy can ask for a template that has no text."""

    def render(self, template_id: str) -> str: ...


class NotificationApplication(PersonalRecords):
    """The guardians' names and contacts and the plans' notes are sealed under the
    student's data key before they go into an event."""

    name = "notification"
    snapshotting_intervals = snapshotted(GuardianNotification, GuardianDirectory)
    state_dataclasses = (Notice, Escalation, Call, Plan, AuthorityReport, GlassAlert, Guardian)

    def __init__(self, env: dict[str, str], policy: NotificationPolicy, *,
                 pseudonym_key: bytes, contacts: Mapping[str, str] | None = None,
                 templates: MessageTexts, personal: PersonalData) -> None:
        """`contacts`: the address (phone number or e-mail) of each recipient beyond the
        family: crisis_team_head, police, district_education_commission."""
        super().__init__(env, personal)
        self.policy = policy
        self.pseudonyms = Pseudonyms(pseudonym_key)
        self.contacts = dict(contacts or {})
        self.templates = templates
        self.templates.cover(policy)

    @cached_property
    def board(self) -> NoticeBoard:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        return self.keep_read_model(NoticeBoard())

    # The guardian directory.

    def record_guardians(self, school_student_id: str, guardians: list[Guardian],
                         meta: EventMeta) -> None:
        student_key = self.pseudonyms.student_key(school_student_id)
        directory = self._directory(student_key) or GuardianDirectory.open(student_key, meta)
        directory.record([replace(g, name=self.personal.seal(student_key, g.name),
                                  phone=self.personal.seal(student_key, g.phone),
                                  email=self.seal(student_key, g.email))
                          for g in guardians], meta)
        self.record(directory)

    def read_guardians(self, school_student_id: str, *, purpose: str,
                       reader: EventMeta) -> list[Guardian]:
        """A person's read of a student's contacts: logged before it is answered."""
        directory = self._directory(self.pseudonyms.student_key(school_student_id))
        if directory is None:
            raise CaseNotFound("no guardians on file for this student")
        directory.record_read(purpose, reader)
        self.record(directory)
        return [self._opened_guardian(directory.student_key, g) for g in directory.guardians]

    def _opened_guardian(self, student_key: str, guardian: Guardian) -> Guardian:
        return replace(guardian, name=self.opened(student_key, guardian.name),
                       phone=self.opened(student_key, guardian.phone),
                       email=self.opened(student_key, guardian.email))

    def _directory(self, student_key: str) -> GuardianDirectory | None:
        return self.find_case(directory_id(student_key), GuardianDirectory)

    def _routes(self, student_key: str) -> dict[int, Route]:
        directory = self._directory(student_key)
        return directory.routes if directory else {}

    # Telling the family.

    def on_crisis_path_started(self, envelope: Envelope, data: assessment.CrisisPathStarted,
                               tracking: Tracking) -> None:
        self.record(self._tell_family(envelope, data.student_key, Tier.CRISIS,
                                      cause=f"crisis_path/{data.report_id}"),
                    tracking=tracking)

    def on_tier_decided(self, envelope: Envelope, data: assessment.TierDecided,
                        tracking: Tracking) -> None:
        self.record(self._tell_family(envelope, data.student_key, data.tier), tracking=tracking)

    def on_incident_reported(self, envelope: Envelope, data: intake.IncidentReported,
                             tracking: Tracking) -> None:
        """Guardians first, at crisis tier, for every incident; then the commission."""
        notification = self._tell_family(envelope, data.student_key, Tier.CRISIS,
                                         cause=f"incident/{data.incident_id}")
        notification.report_incident(data.incident_id, self.policy,
                                     following(envelope, self.name), now=datetime.now(UTC))
        self.record(notification, tracking=tracking)

    def _tell_family(self, envelope: Envelope, student_key: str, tier: Tier,
                     cause: str | None = None) -> GuardianNotification:
        meta = following(envelope, self.name)
        notification = self.find_case(envelope.case_id, GuardianNotification)
        if notification is None:
            notification = GuardianNotification.open(envelope.case_id, student_key, meta)
        notification.learn_student(student_key, meta)
        notification.tell_family(tier, self.policy, self._routes(student_key), meta,
                                 now=datetime.now(UTC), cause=cause)
        return notification

    def on_break_glass_opened(self, envelope: Envelope, data: intake.BreakGlassOpened,
                              tracking: Tracking) -> None:
        """The case's team is told who opened the case with no relation to it (the
        envelope's actor, from their token), why and until when."""
        meta = following(envelope, self.name)
        notification = (self.find_case(envelope.case_id, GuardianNotification)
                        or GuardianNotification.open_unknown_student(envelope.case_id, meta))
        notification.alert_break_glass(envelope.event_id, envelope.actor.role.value,
                                       envelope.actor.id, data.reason.value, data.until, meta)
        self.record(notification, tracking=tracking)

    def on_case_closed(self, envelope: Envelope, data: referral.CaseClosed,
                       tracking: Tracking) -> None:
        """A closed case stops its ladder and leaves the call list."""
        notification = self.find_case(envelope.case_id, GuardianNotification)
        if notification is not None:
            notification.close(following(envelope, self.name))
        self.record(notification, tracking=tracking)

    def on_case_reopened(self, envelope: Envelope, data: referral.CaseReopened,
                         tracking: Tracking) -> None:
        notification = self.find_case(envelope.case_id, GuardianNotification)
        if notification is not None:
            notification.reopen(following(envelope, self.name))
        self.record(notification, tracking=tracking)

    # What people record.

    def acknowledge(self, case_id: UUID, guardian_rank: GuardianRank, channel: NoticeChannel,
                    meta: EventMeta) -> UUID:
        notification = self.get_case(case_id, GuardianNotification)
        notice_id = notification.acknowledge(guardian_rank, channel, meta)
        self.record(notification)
        return notice_id

    def record_call(self, case_id: UUID, guardian_rank: GuardianRank, outcome: CallOutcome,
                    meta: EventMeta) -> UUID | None:
        notification = self.get_case(case_id, GuardianNotification)
        notice_id = notification.record_call(
            guardian_rank, outcome, self.policy, self._routes(notification.student_key), meta,
            now=datetime.now(UTC))
        self.record(notification)
        return notice_id

    def record_plan(self, case_id: UUID, measures: list[PlanMeasure], agreed: bool,
                    guardian_rank: GuardianRank, review_on: date | None, notes: str | None,
                    meta: EventMeta) -> UUID:
        notification = self.get_case(case_id, GuardianNotification)
        plan_id = notification.record_plan(measures, agreed, guardian_rank, review_on,
                                           self.seal(notification.student_key, notes), meta)
        self.record(notification)
        return plan_id

    def pending_calls(self, *, purpose: str, reader: EventMeta,
                      visible: CaseFilter | None = None) -> list[dict[str, Any]]:
        """The team's call list: phone notices whose guardian is not reached yet, with the
        number to call; only of the cases `visible` keeps (the reader's need-to-know), if
        given. Each student's contacts shown is a logged read of the directory."""
        calls = []
        directories: dict[str, GuardianDirectory | None] = {}
        shown: dict[str, GuardianDirectory] = {}
        pending = list(self.board.calls.items())
        if visible is not None:
            kept = set(visible(sorted({case_id for _, case_id in pending})))
            pending = [(notice, case_id) for notice, case_id in pending if case_id in kept]
        for notice_id, case_id in pending:
            notification = self.get_case(case_id, GuardianNotification)
            notice = notification.notice(notice_id)
            key = notification.student_key
            if key not in directories:
                directories[key] = self._directory(key)
            directory = directories[key]
            guardian = directory.guardian(notice.guardian_rank) if directory else None
            if directory is not None and guardian is not None:
                shown[key] = directory
                guardian = self._opened_guardian(key, guardian)
            calls.append({
                "case_id": case_id, "notice_id": notice_id, "tier": notice.tier,
                "guardian_rank": notice.guardian_rank, "acknowledge_by": notice.acknowledge_by,
                "relation": guardian.relation if guardian else None,
                "name": guardian.name if guardian else None,
                "phone": guardian.phone if guardian else None})
        for directory in shown.values():  # one logged read per student whose contacts show
            directory.record_read(purpose, reader)
        if shown:
            self.record(*shown.values())
        return calls

    # The dispatcher and the timers.

    def queued(self) -> list[tuple[UUID, UUID]]:
        """(case, message) of every message issued and not yet sent, from the board."""
        return [(case_id, message_id)
                for message_id, case_id in list(self.board.undispatched.items())]

    def outgoing(self, case_id: UUID, message_id: UUID) -> OutgoingMessage:
        """The message as its gateway takes it: contact resolved, template rendered."""
        notification = self.get_case(case_id, GuardianNotification)
        message = notification.message(message_id)
        if isinstance(message, Notice):
            recipient, channel = f"guardian_{message.guardian_rank}", message.channel
            directory = self._directory(notification.student_key)
            guardian = directory.guardian(message.guardian_rank) if directory else None
            address = self.opened(notification.student_key,
                                  guardian.address(channel)) if guardian else None
            # An erased guardian has no contact left: the message cannot reach them.
            to = None if address == ERASED else address
        else:
            recipient = message_recipient(message)
            to = self.contacts.get(recipient)
            channel = (NoticeChannel.EMAIL if to and "@" in to else NoticeChannel.SMS).value
        text = self.templates.render(message.template_id)
        if isinstance(message, GlassAlert):
            text = f"{text}\n{message.facts(case_id)}"
        return OutgoingMessage(message_id=message_id, recipient=recipient, channel=channel,
                               template_id=message.template_id, text=text, to=to)

    def issued_in(self, message_id: UUID) -> str | None:
        """The trace a queued message was issued in, if traced (telemetry only)."""
        return self.board.issued_in.get(message_id)

    def still_queued(self, message_id: UUID) -> bool:
        """Not sent, withdrawn or failed since the dispatcher listed it."""
        return message_id in self.board.undispatched

    def mark_dispatched(self, case_id: UUID, message_id: UUID, channel: str,
                        delivery: DeliveryGuarantee) -> None:
        notification = self.get_case(case_id, GuardianNotification)
        notification.mark_dispatched(message_id, channel, delivery.value, self._system())
        self.record(notification)

    def delivery_failed(self, case_id: UUID, message_id: UUID, reason: str, *,
                        give_up_after: int, for_good: bool = False) -> tuple[int, bool]:
        """A try to send the message failed: recorded, in one save with what follows. A
        guardian's notice that has had `give_up_after` tries fails and the ladder goes on.
        A message beyond the family is retried unless it was refused `for_good` (no contact
        on file, an address refused): then nobody can receive it, it fails, and the team
        takes it up (`unreachable`). Returns (tries so far, whether the message failed)."""
        notification = self.get_case(case_id, GuardianNotification)
        message = notification.message(message_id)
        attempt = notification.attempt_failed(message_id, message.KIND, reason,
                                              self._system())
        # The guardians' routes (a load of their directory) only for a message that fails.
        if isinstance(message, Notice):
            failed = attempt >= give_up_after and notification.fail_delivery(
                message_id, reason, self.policy, self._routes(notification.student_key),
                self._system(), now=datetime.now(UTC))
        else:
            failed = for_good and notification.fail_unreachable(
                message_id, reason, self.policy, self._routes(notification.student_key),
                self._system(), now=datetime.now(UTC))
        self.record(notification)
        return attempt, failed

    def unreachable(self) -> list[dict[str, Any]]:
        """The team's list of escalations and reports nobody could receive, to make by hand
        (an escalation leaves it once the family is reached, any once the case closes)."""
        found = []
        for message_id, (case_id, kind) in list(self.board.unreachable.items()):
            message = self.get_case(case_id, GuardianNotification).message(message_id)
            assert not isinstance(message, Notice)
            recipient = message_recipient(message)
            found.append({"case_id": case_id, "message_id": message_id, "kind": kind,
                          "recipient": recipient, "template_id": message.template_id,
                          "reason": message.failed})
        return found

    def flag_overdue_reports(self, now: datetime) -> int:
        def flag(late: tuple[UUID, UUID]) -> int:
            case_id, report_id = late
            notification = self.get_case(case_id, GuardianNotification)
            if not notification.flag_overdue_report(report_id, self._system(now)):
                return 0
            self.record(notification)
            return 1

        return each_case("flagging late authority reports", self.board.reports_overdue(now),
                         flag)

    def escalate_overdue(self, now: datetime) -> int:
        def escalate(late: tuple[UUID, UUID]) -> int:
            case_id, step_id = late
            notification = self.get_case(case_id, GuardianNotification)
            if not notification.escalate_if_unacknowledged(
                    step_id, now, self.policy, self._routes(notification.student_key),
                    self._system(now)):
                return 0
            self.record(notification)
            return 1

        return each_case("escalating unacknowledged notices", self.board.overdue(now),
                         escalate)

    def _system(self, now: datetime | None = None) -> EventMeta:
        return EventMeta.by(Role.SYSTEM, self.name, occurred_at=now)

    def state_at(self, case_id: UUID, as_of: datetime, *, purpose: str,
                 reader: EventMeta) -> NotificationPart:
        """The case as notification's store had it at `as_of`; the read is logged."""
        return part_of(self.read_case_as_of(case_id, GuardianNotification, as_of, purpose=purpose,
                                            reader=reader))

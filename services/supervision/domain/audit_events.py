"""Who saw a case and who was told: the reads and disclosures in a case's envelopes, as
records in the shape of IHE BALP (Basic Audit Log Patterns).

A read is a person's `CaseViewed` (BALP "Read" with a patient: the reader, the service that
holds the record, the part read, the purpose). A disclosure is information leaving the school
(BALP "Privacy Disclosure at Source": the service that released it, who released it, the
outside party, the categories, the consent or safety override it was under) with what became
of it afterwards (delivered, acknowledged, accepted, declined, unanswered). Agents are role
codes and opaque ids; the patient is the student's pseudonym. Pure: envelopes in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel

from contracts.codes import DisclosureBasis, Role
from contracts.envelope import Envelope
from contracts.events import intake, notification, referral
from contracts.events import read_data as read_event
from contracts.events.base import CaseViewed


class Pattern(StrEnum):
    READ = "read"
    DISCLOSURE = "disclosure"


class Kind(StrEnum):
    """What the record is of."""

    CASE_VIEWED = "case_viewed"
    GUARDIAN_NOTICE = "guardian_notice"  # a message to a guardian
    GUARDIAN_CALL = "guardian_call"  # a person phoned a guardian and reached them
    ESCALATION = "escalation"  # no acknowledgement in time: told whom the ladder names
    REFERRAL = "referral"  # the packet to a hospital, the district centre or the police
    TRANSFER = "transfer"  # the case history to the student's next school
    AUTHORITY_REPORT = "authority_report"  # an incident reported to the district commission


class AgentKind(StrEnum):
    USER = "user"  # the person who read, or who released the information
    SOURCE = "source"  # the service that holds, or released, the record
    RECIPIENT = "recipient"  # the party told
    AUTHORIZER = "authorizer"  # the guardian whose consent the disclosure was under


BREAK_GLASS = "break_glass"  # a read's basis when its reader had opened the case so
GUARDIAN = Role.GUARDIAN.value


@dataclass(frozen=True)
class Agent:
    kind: AgentKind
    role: str  # a Role code, a receiver type, an authority or escalation code
    id: str  # opaque: an actor id, a directory id, a guardian's rank
    requestor: bool = False


@dataclass(frozen=True)
class Answer:
    """What became of a disclosure afterwards, and when."""

    kind: str  # delivered | delivery_failed | failed | acknowledged | unanswered | a response
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    event_id: UUID  # the envelope the record starts from
    pattern: Pattern
    kind: Kind
    at: datetime  # when it happened (occurred_at)
    service: str
    agents: tuple[Agent, ...]
    what: tuple[str, ...]  # the part read, or the categories disclosed
    purpose: str | None = None  # the reader's purpose code
    basis: str | None = None  # consent | safety_override | break_glass
    authorization: UUID | None = None  # the consent, or the break-glass event
    handle: UUID | None = None  # the notice, referral, transfer or report id
    channel: str | None = None
    answers: tuple[Answer, ...] = field(default=())
    sent: bool = True  # False: every attempt to tell failed

    def agent(self, kind: AgentKind | str) -> Agent | None:
        return next((a for a in self.agents if a.kind == kind), None)

    def answered(self, *kinds: str) -> Answer | None:
        return next((a for a in self.answers if a.kind in kinds), None)


@dataclass(frozen=True)
class _BreakGlass:
    event_id: UUID
    actor_id: str
    opened: datetime
    until: datetime

    def covers(self, actor_id: str, at: datetime) -> bool:
        return actor_id == self.actor_id and self.opened <= at <= self.until


def _user(envelope: Envelope) -> Agent:
    return Agent(AgentKind.USER, envelope.actor.role.value, envelope.actor.id, requestor=True)


def _source(envelope: Envelope) -> Agent:
    return Agent(AgentKind.SOURCE, "service", envelope.service)


def _guardian(rank: int) -> Agent:
    return Agent(AgentKind.RECIPIENT, GUARDIAN, str(rank))


class _Trail:
    """The records as the envelopes unfold, in recorded order."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []
        self.by_handle: dict[UUID, int] = {}
        self.glass: list[_BreakGlass] = []
        self.consents: dict[UUID, referral.ConsentRecorded] = {}
        self.issued: dict[UUID, tuple[Envelope, notification.GuardianNoticeIssued]] = {}
        self.escalations: dict[UUID, notification.NoticeEscalated] = {}
        self.reports: dict[UUID, notification.AuthorityReportIssued] = {}

    def add(self, record: AuditRecord) -> None:
        if record.handle is not None:
            self.by_handle[record.handle] = len(self.records)
        self.records.append(record)

    def answer(self, handle: UUID, answer: Answer) -> None:
        at = self.by_handle.get(handle)
        if at is not None:
            record = self.records[at]
            self.records[at] = replace(record, answers=(*record.answers, answer))

    def mark(self, handle: UUID, *, sent: bool) -> None:
        at = self.by_handle.get(handle)
        if at is not None:
            self.records[at] = replace(self.records[at], sent=sent)

    def follow(self, envelope: Envelope) -> None:
        data = read_event(envelope)
        if isinstance(data, CaseViewed):
            self._viewed(envelope, data)
        elif isinstance(data, intake.BreakGlassOpened):
            self.glass.append(_BreakGlass(envelope.event_id, envelope.actor.id,
                                          envelope.occurred_at, data.until))
        elif isinstance(data, intake.TransferDisclosed):
            self._transfer(envelope, data)
        elif envelope.service == notification.SERVICE:
            self._notification(envelope, data)
        elif envelope.service == referral.SERVICE:
            self._referral(envelope, data)

    def _viewed(self, envelope: Envelope, data: CaseViewed) -> None:
        glass = next((g for g in self.glass
                      if g.covers(envelope.actor.id, envelope.occurred_at)), None)
        self.add(AuditRecord(
            envelope.event_id, Pattern.READ, Kind.CASE_VIEWED, envelope.occurred_at,
            envelope.service, (_user(envelope), _source(envelope)), (data.what,),
            purpose=data.purpose, basis=BREAK_GLASS if glass else None,
            authorization=glass.event_id if glass else None))

    def _transfer(self, envelope: Envelope, data: intake.TransferDisclosed) -> None:
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.TRANSFER, envelope.occurred_at,
            envelope.service,
            (_user(envelope), _source(envelope),
             Agent(AgentKind.RECIPIENT, "school", data.to_school)),
            tuple(data.categories), basis=DisclosureBasis.CONSENT.value,
            authorization=data.consent_id, handle=data.transfer_id))

    def _notification(self, envelope: Envelope, data: BaseModel) -> None:
        if isinstance(data, notification.GuardianNoticeIssued):
            self.issued[data.notice_id] = (envelope, data)
        elif isinstance(data, notification.GuardianNoticeDispatched):
            self._notice_left(envelope, data.notice_id, data.channel.value, sent=True)
        elif isinstance(data, notification.GuardianNoticeFailed):
            if data.notice_id not in self.by_handle:
                self._notice_left(envelope, data.notice_id, data.channel.value, sent=False)
            self.answer(data.notice_id, Answer("failed", envelope.occurred_at, data.reason))
        elif isinstance(data, notification.GuardianCalled):
            self._called(envelope, data)
        elif isinstance(data, notification.GuardianAcknowledged):
            self.answer(data.notice_id, Answer("acknowledged", envelope.occurred_at))
        elif isinstance(data, notification.NoticeEscalated):
            if data.escalation_id is not None:
                self.escalations[data.escalation_id] = data
            self.answer(data.notice_id, Answer("escalated", envelope.occurred_at,
                                               data.escalated_to))
        elif isinstance(data, notification.EscalationDispatched):
            self._escalated(envelope, data)
        elif isinstance(data, notification.AuthorityReportIssued):
            self.reports[data.report_id] = data
        elif isinstance(data, notification.AuthorityReportDispatched):
            self._reported(envelope, data)

    def _notice_left(self, envelope: Envelope, notice_id: UUID, channel: str, *,
                     sent: bool) -> None:
        if notice_id in self.by_handle:
            self.mark(notice_id, sent=True)
            return
        issued, notice = self.issued.get(notice_id, (envelope, None))
        # A notice's guardian is named where it was issued; without that, by no rank.
        guardian = (_guardian(int(notice.guardian_rank)) if notice
                    else Agent(AgentKind.RECIPIENT, GUARDIAN, "unknown"))
        what = (f"template:{notice.template_id}", f"tier:{notice.tier.value}") if notice else ()
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.GUARDIAN_NOTICE, envelope.occurred_at,
            envelope.service, (_user(issued), _source(envelope), guardian), what,
            handle=notice_id, channel=channel, sent=sent))

    def _called(self, envelope: Envelope, data: notification.GuardianCalled) -> None:
        outcome = data.outcome.value
        if data.notice_id is not None and data.notice_id in self.by_handle:
            self.answer(data.notice_id, Answer(f"call_{outcome}", envelope.occurred_at))
            return
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.GUARDIAN_CALL, envelope.occurred_at,
            envelope.service,
            (_user(envelope), _source(envelope), _guardian(int(data.guardian_rank))), (),
            channel="phone", answers=(Answer(f"call_{outcome}", envelope.occurred_at),),
            sent=outcome == "reached"))

    def _escalated(self, envelope: Envelope,
                   data: notification.EscalationDispatched) -> None:
        escalation = self.escalations.get(data.escalation_id)
        to = escalation.escalated_to if escalation else "unknown"
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.ESCALATION, envelope.occurred_at,
            envelope.service,
            (_user(envelope), _source(envelope), Agent(AgentKind.RECIPIENT, to, to)),
            ("escalation",), handle=data.escalation_id, channel=data.channel.value))

    def _reported(self, envelope: Envelope,
                  data: notification.AuthorityReportDispatched) -> None:
        report = self.reports.get(data.report_id)
        authority = report.authority if report else "unknown"
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.AUTHORITY_REPORT,
            envelope.occurred_at, envelope.service,
            (_user(envelope), _source(envelope),
             Agent(AgentKind.RECIPIENT, authority, authority)),
            ("incident",), handle=data.report_id,
            answers=() if data.on_time else (Answer("late", envelope.occurred_at),)))

    def _referral(self, envelope: Envelope, data: BaseModel) -> None:
        if isinstance(data, referral.ConsentRecorded):
            self.consents[data.consent_id] = data
        elif isinstance(data, referral.ReferralMade):
            self._referred(envelope, data)
        elif isinstance(data, referral.ReferralDelivered):
            self.answer(data.referral_id, Answer("delivered", envelope.occurred_at))
        elif isinstance(data, referral.ReferralDeliveryFailed):
            self.answer(data.referral_id, Answer("delivery_failed", envelope.occurred_at,
                                                 data.reason))
        elif isinstance(data, referral.ReferralAnswered):
            reason = data.decline_reason.value if data.decline_reason else None
            self.answer(data.referral_id, Answer(data.response.value, envelope.occurred_at,
                                                 reason))
        elif isinstance(data, referral.ReferralUnanswered):
            self.answer(data.referral_id, Answer("unanswered", envelope.occurred_at))

    def _referred(self, envelope: Envelope, data: referral.ReferralMade) -> None:
        agents = [_user(envelope), _source(envelope),
                  Agent(AgentKind.RECIPIENT, data.receiver_type.value, data.receiver_id)]
        consent = self.consents.get(data.consent_id) if data.consent_id else None
        if consent is not None:
            agents.append(Agent(AgentKind.AUTHORIZER, GUARDIAN,
                                str(int(consent.given_by_guardian_rank))))
        basis = data.basis.value if data.basis else (
            DisclosureBasis.SAFETY_OVERRIDE.value if data.without_consent else None)
        self.add(AuditRecord(
            envelope.event_id, Pattern.DISCLOSURE, Kind.REFERRAL, envelope.occurred_at,
            envelope.service, tuple(agents), tuple(data.disclosed), basis=basis,
            authorization=data.consent_id, handle=data.referral_id))


def recorded_order(envelopes: Iterable[Envelope]) -> list[Envelope]:
    return sorted(envelopes, key=lambda e: (e.recorded_at, e.occurred_at))


def audit_records(envelopes: Sequence[Envelope]) -> list[AuditRecord]:
    """Every read by a person and every disclosure to another party in a case, in order."""
    trail = _Trail()
    for envelope in recorded_order(envelopes):
        trail.follow(envelope)
    return sorted(trail.records, key=lambda r: r.at)


def student_pseudonym(envelopes: Sequence[Envelope]) -> str | None:
    """The student's keyed pseudonym as the case's first event names it."""
    for envelope in recorded_order(envelopes):
        key = envelope.data.get("student_key")
        if isinstance(key, str):
            return key
    return None

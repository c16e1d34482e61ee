"""The incident report of a case, from its envelopes alone: the timeline, the stages reached,
each policy deadline against when it was met (breaches marked), the tier decisions with their
participants and the proposal's reason codes, the handoffs, reads and disclosures, and the
verification result it was given.

The deadlines are those the services wrote on the events when they set them (a notice's
acknowledge_by, a referral's answer_by, the follow-ups' due dates, an authority report's
report_by): the policy that applied at the time, read from the same contract, not copied.
Pure: envelopes in, a report out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from uuid import UUID

from contracts.case_state import STAGES
from contracts.envelope import Envelope
from contracts.events import assessment, notification, referral
from contracts.events import read_data as read_event
from services.supervision.domain.audit_events import (
    AgentKind,
    AuditRecord,
    Pattern,
    audit_records,
    recorded_order,
    student_pseudonym,
)


class Stage(StrEnum):
    """The pipeline's stages (contracts.case_state.STAGES), with the steps between them an
    auditor times too: the crisis path, the guardian's acknowledgement, a referral taken."""

    DETECTED = "detected"
    CRISIS_PATH = "crisis-path"
    ASSESSED = "assessed"
    FAMILY_NOTIFIED = "family-notified"
    ACKNOWLEDGED = "acknowledged"
    REFERRED = "referred"
    REFERRAL_ACCEPTED = "referral-accepted"
    FOLLOWED_UP = "followed-up"
    CLOSED = "closed"


REACHED_BY: dict[tuple[str, str], Stage] = {
    **{event: Stage(stage) for event, stage in STAGES.items()},
    ("intake", "TransferReceived"): Stage.DETECTED,
    ("assessment", "CrisisPathStarted"): Stage.CRISIS_PATH,
    ("notification", "GuardianAcknowledged"): Stage.ACKNOWLEDGED,
}
TAKEN = frozenset({"accepted", "scheduled", "admitted"})  # a referral's answer that takes it


class Check(StrEnum):
    """What a deadline is for."""

    ACKNOWLEDGEMENT = "acknowledgement"  # a guardian acknowledges a notice
    REFERRAL_ANSWER = "referral_answer"  # a receiver answers a referral
    FOLLOW_UP = "follow_up"  # a follow-up is recorded by its due day
    AUTHORITY_REPORT = "authority_report"  # an incident reported to the commission


@dataclass(frozen=True)
class StageReached:
    stage: Stage
    at: datetime
    since_detection: timedelta | None


@dataclass(frozen=True)
class Deadline:
    """A policy time against when it was met: `allowed` is the time the policy gave."""

    check: Check
    subject: str  # which notice, receiver or follow-up number
    start: datetime
    due: datetime
    done: datetime | None
    breached: bool

    @property
    def allowed(self) -> timedelta:
        return self.due - self.start

    @property
    def taken(self) -> timedelta | None:
        return None if self.done is None else self.done - self.start


@dataclass(frozen=True)
class TierDecision:
    at: datetime
    tier: str
    decided_by_role: str
    decided_by_id: str
    proposed_tier: str | None
    overrides_proposal: bool
    participant_roles: tuple[str, ...]
    external_participants: int
    reasons: tuple[str, ...]  # the proposal's reason codes (the rationale text stays home)
    follows_crisis_path: bool


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    service: str
    type: str
    actor_role: str
    actor_id: str
    stage: Stage | None
    breach: bool  # the event marks, or met late, a deadline


class Checked(StrEnum):
    """How far the case's events could be checked against the signed checkpoints."""

    PASSED = "passed"  # every event checked matches what a signed checkpoint committed
    FAILED = "failed"  # findings, each naming its event
    NO_KEY = "no_key"  # no verifier key pinned: the checkpoints could not be checked
    UNREADABLE = "unreadable"  # the bus could not be read when the report was made


@dataclass(frozen=True)
class VerificationSummary:
    """What the trail's verification found (passed in: the report does not verify)."""

    outcome: Checked
    checked: int = 0  # events checked
    checkpoints: int = 0
    findings: list[str] = field(default_factory=list)  # each names its event where known
    notes: list[str] = field(default_factory=list)  # how far the record is checkpointed

    @property
    def ok(self) -> bool:
        return self.outcome is Checked.PASSED

    @property
    def checked_against_checkpoints(self) -> bool:
        return self.outcome in (Checked.PASSED, Checked.FAILED)


@dataclass(frozen=True)
class IncidentReport:
    case_id: UUID
    pseudonym: str | None
    as_of: datetime
    tier: str | None
    timeline: list[TimelineEntry]
    stages: list[StageReached]
    deadlines: list[Deadline]
    decisions: list[TierDecision]
    disclosures: list[AuditRecord]
    reads: list[AuditRecord]
    verification: VerificationSummary | None  # None: not verified for this report

    @property
    def breaches(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.breached]

    @property
    def start(self) -> datetime:
        return self.timeline[0].at if self.timeline else self.as_of

    @property
    def end(self) -> datetime:
        ends = [self.timeline[-1].at] if self.timeline else []
        return max([*ends, *(d.due for d in self.deadlines)], default=self.as_of)


def _end_of(day: date, zone: tzinfo) -> datetime:
    """The last moment of a school day, in the school's own time zone."""
    return datetime.combine(day, time.max, tzinfo=zone)


class _Deadlines:
    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.open: dict[tuple[Check, str], tuple[datetime, datetime]] = {}
        self.done: dict[tuple[Check, str], datetime] = {}
        self.late: set[tuple[Check, str]] = set()
        self.order: list[tuple[Check, str]] = []

    def set(self, check: Check, subject: str, start: datetime, due: datetime) -> None:
        key = (check, subject)
        if key not in self.open:
            self.order.append(key)
        self.open[key] = (start, due)

    def met(self, check: Check, subject: str, at: datetime, *, late: bool = False) -> None:
        key = (check, subject)
        self.done.setdefault(key, at)
        if late:
            self.late.add(key)

    def missed(self, check: Check, subject: str) -> None:
        self.late.add((check, subject))

    def all(self) -> list[Deadline]:
        out = []
        for key in self.order:
            start, due = self.open[key]
            done = self.done.get(key)
            breached = key in self.late or (done > due if done else self.as_of > due)
            out.append(Deadline(key[0], key[1], start, due, done, breached))
        return sorted(out, key=lambda d: d.due)


def _deadlines(trail: Sequence[Envelope], as_of: datetime, zone: tzinfo) -> _Deadlines:
    found = _Deadlines(as_of)
    receivers: dict[UUID, str] = {}
    for envelope in trail:
        data, at = read_event(envelope), envelope.occurred_at
        if isinstance(data, notification.GuardianNoticeIssued):
            found.set(Check.ACKNOWLEDGEMENT, f"guardian_{int(data.guardian_rank)}", at,
                      data.acknowledge_by)
            receivers[data.notice_id] = f"guardian_{int(data.guardian_rank)}"
        elif isinstance(data, notification.GuardianAcknowledged):
            found.met(Check.ACKNOWLEDGEMENT, receivers.get(data.notice_id, "guardian"), at)
        elif isinstance(data, referral.ReferralMade) and data.answer_by is not None:
            receivers[data.referral_id] = data.receiver_id
            found.set(Check.REFERRAL_ANSWER, data.receiver_id, at, data.answer_by)
        elif isinstance(data, referral.ReferralAnswered) and data.referral_id in receivers:
            found.met(Check.REFERRAL_ANSWER, receivers[data.referral_id], at)
        elif isinstance(data, referral.ReferralUnanswered) and data.referral_id in receivers:
            found.missed(Check.REFERRAL_ANSWER, receivers[data.referral_id])
        elif isinstance(data, referral.FollowUpsScheduled):
            for number, due in enumerate(data.due_dates, start=1):
                found.set(Check.FOLLOW_UP, str(number), at, _end_of(due, zone))
        elif isinstance(data, referral.FollowUpOverdue):
            found.missed(Check.FOLLOW_UP, str(data.number))
        elif isinstance(data, referral.FollowUpRecorded):
            found.met(Check.FOLLOW_UP, str(data.number), at, late=not data.on_time)
        elif isinstance(data, notification.AuthorityReportIssued):
            receivers[data.report_id] = data.authority
            found.set(Check.AUTHORITY_REPORT, data.authority, at, data.report_by)
        elif isinstance(data, notification.AuthorityReportDispatched):
            found.met(Check.AUTHORITY_REPORT, receivers.get(data.report_id, "authority"), at,
                      late=not data.on_time)
    return found


def _decisions(trail: Sequence[Envelope]) -> list[TierDecision]:
    reasons: tuple[str, ...] = ()
    decisions = []
    for envelope in trail:
        data = read_event(envelope)
        if isinstance(data, assessment.TierProposed):
            reasons = tuple(data.reasons)
        elif isinstance(data, assessment.TierDecided):
            decisions.append(TierDecision(
                envelope.occurred_at, data.tier.value, envelope.actor.role.value,
                envelope.actor.id, data.proposed_tier.value if data.proposed_tier else None,
                data.overrides_proposal, tuple(r.value for r in data.participant_roles),
                data.external_participants, reasons, data.follows_crisis_path))
    return decisions


def _stages(trail: Sequence[Envelope], records: list[AuditRecord]) -> list[StageReached]:
    first: dict[Stage, datetime] = {}
    for envelope in trail:
        stage = REACHED_BY.get((envelope.service, envelope.type))
        if stage is not None:
            first.setdefault(stage, envelope.occurred_at)
    for record in records:
        taken = record.answered(*TAKEN)
        if taken is not None:
            first[Stage.REFERRAL_ACCEPTED] = min(first.get(Stage.REFERRAL_ACCEPTED, taken.at),
                                                 taken.at)
        if record.kind.value == "guardian_call" and record.sent:
            first[Stage.FAMILY_NOTIFIED] = min(first.get(Stage.FAMILY_NOTIFIED, record.at),
                                               record.at)
    detected = first.get(Stage.DETECTED)
    reached = [StageReached(stage, at, at - detected if detected else None)
               for stage, at in first.items()]
    return sorted(reached, key=lambda s: (s.at, list(Stage).index(s.stage)))


def incident_report(case_id: UUID, envelopes: Sequence[Envelope], *, as_of: datetime,
                    verification: VerificationSummary | None,
                    school_timezone: tzinfo = UTC) -> IncidentReport:
    """The report of the case as the record stood `as_of` (recorded time); a follow-up is
    due by the end of its day in the school's time zone."""
    trail = [e for e in recorded_order(envelopes) if e.recorded_at <= as_of]
    records = audit_records(trail)
    deadlines = _deadlines(trail, as_of, school_timezone).all()
    decisions = _decisions(trail)
    met_late = {d.done for d in deadlines if d.breached and d.done}
    stages = _stages(trail, records)
    first = {(s.stage, s.at) for s in stages}
    timeline = []
    for e in sorted(trail, key=lambda e: e.occurred_at):
        stage = REACHED_BY.get((e.service, e.type))
        timeline.append(TimelineEntry(
            e.occurred_at, e.service, e.type, e.actor.role.value, e.actor.id,
            stage if (stage, e.occurred_at) in first else None,
            e.type in {"FollowUpOverdue", "ReferralUnanswered", "NoticeEscalated"}
            or e.occurred_at in met_late))
    return IncidentReport(
        case_id=case_id, pseudonym=student_pseudonym(trail), as_of=as_of,
        tier=decisions[-1].tier if decisions else None, timeline=timeline,
        stages=stages, deadlines=deadlines, decisions=decisions,
        disclosures=[r for r in records if r.pattern is Pattern.DISCLOSURE],
        reads=[r for r in records if r.pattern is Pattern.READ],
        verification=verification)


def handoff_party(record: AuditRecord) -> tuple[str, str]:
    """Whom a disclosure went to: (type code, opaque id)."""
    recipient = record.agent(AgentKind.RECIPIENT)
    return (recipient.role, recipient.id) if recipient else ("unknown", "")

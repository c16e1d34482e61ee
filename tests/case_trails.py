"""A case's envelopes as CASES would carry them, written one event at a time with their own
recorded times: for tests of what the record says at a moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from contracts.codes import (
    BreakGlassReason,
    Channel,
    ClosureReason,
    DeclineReason,
    DisclosureBasis,
    FollowUpOutcome,
    GuardianRank,
    NoticeChannel,
    ReceiverType,
    ReferralResponse,
    Role,
    Sign,
    Tier,
)
from contracts.envelope import Actor, Envelope
from contracts.events import assessment, intake, notification, referral
from contracts.events.base import EventData

STUDENT_KEY = "a" * 32
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning, school time 16:00
SYSTEM = Actor(role=Role.SYSTEM, id="casetrail")
TEAM = Actor(role=Role.CRISIS_TEAM, id="t-1")
MODULES = {"intake": intake, "assessment": assessment, "notification": notification,
           "referral": referral}


@dataclass
class Trail:
    """One case's trail; each event is recorded a minute after the one before, unless told
    to be recorded later."""

    case_id: UUID = field(default_factory=uuid4)
    clock: datetime = START
    envelopes: list[Envelope] = field(default_factory=list)

    def add(self, service: str, data: EventData, actor: Actor = SYSTEM, *,
            after: timedelta = timedelta(minutes=1)) -> Envelope:
        assert type(data) in MODULES[service].EVENTS.values()
        self.clock += after
        envelope = Envelope(event_id=uuid4(), case_id=self.case_id, service=service,
                            type=type(data).__name__, version=data.VERSION,
                            occurred_at=self.clock, recorded_at=self.clock, actor=actor,
                            correlation_id=uuid4(), data=data.model_dump(mode="json"))
        self.envelopes.append(envelope)
        return envelope

    @property
    def now(self) -> datetime:
        return self.clock

    # -- intake ----------------------------------------------------------------------------

    def detected(self, *signs: Sign, imminent: bool = False) -> Envelope:
        return self.add("intake", intake.CaseDetected(
            student_key=STUDENT_KEY, report_id=uuid4(), channel=Channel.STAFF_OBSERVATION,
            reporter_role=Role.CLASS_TEACHER, signs=list(signs or [Sign.GRADE_SWING]),
            imminent=imminent), Actor(role=Role.CLASS_TEACHER, id="ct-1"))

    def break_glass(self, minutes: int = 30) -> Envelope:
        return self.add("intake", intake.BreakGlassOpened(
            reason=BreakGlassReason.IMMINENT_DANGER,
            until=self.clock + timedelta(minutes=1 + minutes)),
            Actor(role=Role.GRADE_LEADER, id="gl-1"))

    # -- assessment ------------------------------------------------------------------------

    def proposed(self, tier: Tier) -> Envelope:
        return self.add("assessment", assessment.TierProposed(
            tier=tier, reasons=["sign:grade_swing"], report_id=uuid4()))

    def crisis_path(self) -> Envelope:
        return self.add("assessment", assessment.CrisisPathStarted(
            student_key=STUDENT_KEY, report_id=uuid4(), signs=[Sign.SUICIDE_ATTEMPT]))

    def decided(self, tier: Tier, by: Actor = TEAM) -> Envelope:
        return self.add("assessment", assessment.TierDecided(
            student_key=STUDENT_KEY, tier=tier, proposed_tier=tier, overrides_proposal=False,
            participant_roles=[by.role]), by)

    # -- notification ----------------------------------------------------------------------

    def notice(self, tier: Tier, channel: NoticeChannel = NoticeChannel.SMS,
               rank: GuardianRank = GuardianRank.PRIMARY,
               wait: timedelta = timedelta(hours=24)) -> UUID:
        notice_id = uuid4()
        self.add("notification", notification.GuardianNoticeIssued(
            notice_id=notice_id, tier=tier, guardian_rank=rank, channel=channel,
            template_id=f"guardian-notice-{tier.value}-zh-v1",
            acknowledge_by=self.clock + timedelta(minutes=1) + wait))
        return notice_id

    def dispatched(self, notice_id: UUID, channel: NoticeChannel = NoticeChannel.SMS) -> None:
        self.add("notification", notification.GuardianNoticeDispatched(
            notice_id=notice_id, channel=channel))

    def acknowledged(self, notice_id: UUID, channel: NoticeChannel = NoticeChannel.SMS,
                     rank: GuardianRank = GuardianRank.PRIMARY) -> None:
        self.add("notification", notification.GuardianAcknowledged(
            notice_id=notice_id, guardian_rank=rank, channel=channel),
            Actor(role=Role.GUARDIAN, id="g-1"))

    def failed(self, notice_id: UUID, channel: NoticeChannel = NoticeChannel.PHONE) -> None:
        self.add("notification", notification.GuardianNoticeFailed(
            notice_id=notice_id, channel=channel, reason="no_answer"))

    def escalated(self, notice_id: UUID) -> UUID:
        escalation_id = uuid4()
        self.add("notification", notification.NoticeEscalated(
            notice_id=notice_id, escalated_to="crisis_team_head", escalation_id=escalation_id))
        return escalation_id

    def escalation_dispatched(self, escalation_id: UUID) -> None:
        self.add("notification", notification.EscalationDispatched(
            escalation_id=escalation_id, channel=NoticeChannel.SMS))

    # -- referral --------------------------------------------------------------------------

    def tier_noted(self, tier: Tier, *, decided: bool = True) -> None:
        self.add("referral", referral.TierNoted(tier=tier, decided=decided))

    def scheduled(self, tier: Tier, *due: date) -> None:
        self.add("referral", referral.FollowUpsScheduled(tier=tier, due_dates=list(due)))

    def referred(self, receiver: str, kind: ReceiverType, *,
                 rerouted_from: UUID | None = None, without_consent: bool = False) -> UUID:
        referral_id = uuid4()
        self.add("referral", referral.ReferralMade(
            referral_id=referral_id, receiver_type=kind, receiver_id=receiver,
            disclosed=["tier", "signs"], rerouted_from=rerouted_from,
            basis=(DisclosureBasis.SAFETY_OVERRIDE if without_consent
                   else DisclosureBasis.CONSENT),
            without_consent=without_consent), TEAM)
        return referral_id

    def delivered(self, referral_id: UUID) -> None:
        self.add("referral", referral.ReferralDelivered(referral_id=referral_id, attempts=1))

    def answered(self, referral_id: UUID, response: ReferralResponse) -> None:
        self.add("referral", referral.ReferralAnswered(
            referral_id=referral_id, response=response,
            decline_reason=(DeclineReason.NO_CAPACITY
                            if response is ReferralResponse.DECLINED else None)),
            Actor(role=Role.RECEIVER_LIAISON, id="liaison-1"))

    def followed_up(self, number: int, *, on_time: bool = True) -> None:
        self.add("referral", referral.FollowUpRecorded(
            number=number, outcome=FollowUpOutcome.STABLE, on_time=on_time), TEAM)

    def overdue(self, number: int, due: date) -> None:
        self.add("referral", referral.FollowUpOverdue(number=number, due=due))

    def closed(self) -> None:
        self.add("referral", referral.CaseClosed(reason=ClosureReason.RESOLVED), TEAM)

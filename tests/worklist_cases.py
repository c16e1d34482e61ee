"""A case's CASES envelopes told step by step, as the worklist tests feed them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from contracts.codes import (
    BreakGlassReason,
    CallOutcome,
    Channel,
    ClosureReason,
    FollowUpOutcome,
    GuardianRank,
    NoticeChannel,
    ReceiverType,
    ReferralResponse,
    ReopenReason,
    Role,
    Tier,
)
from contracts.envelope import Actor, Envelope
from contracts.events import assessment, intake, notification, referral
from contracts.events.base import EventData
from tests.supervision_trails import START, STUDENT

SYSTEM = Actor(role=Role.SYSTEM, id="system")
OWN_EVENTS: dict[ReferralResponse, type[referral.ReferralReceived] | type[referral.ReferralNoShow]
                 | type[referral.ReferralFailed] | type[referral.ReferralCancelled]] = {
    ReferralResponse.RECEIVED: referral.ReferralReceived,
    ReferralResponse.NO_SHOW: referral.ReferralNoShow,
    ReferralResponse.FAILED: referral.ReferralFailed,
    ReferralResponse.CANCELLED: referral.ReferralCancelled,
}


@dataclass
class Story:
    """One case's envelopes, each step `hours` after `start`."""

    start: datetime = START
    case_id: UUID = field(default_factory=uuid4)
    envelopes: list[Envelope] = field(default_factory=list)

    def at(self, hours: float) -> datetime:
        return self.start + timedelta(hours=hours)

    def add(self, data: EventData, hours: float, actor: Actor = SYSTEM) -> Envelope:
        service = type(data).__module__.rsplit(".", 1)[1]  # contracts.events.<service>
        envelope = Envelope(event_id=uuid4(), case_id=self.case_id, service=service,
                            type=type(data).__name__, version=data.VERSION,
                            occurred_at=self.at(hours), recorded_at=self.at(hours),
                            actor=actor, correlation_id=uuid4(),
                            data=data.model_dump(mode="json"))
        self.envelopes.append(envelope)
        return envelope

    def detected(self, hours: float = 0, *, reporter: str = "class_teacher-1",
                 previous: UUID | None = None) -> Story:
        self.add(intake.CaseDetected(student_key=STUDENT, report_id=uuid4(),
                                     channel=Channel.HOTLINE,
                                     reporter_role=Role.CLASS_TEACHER, signs=[],
                                     imminent=False, previous_case_id=previous),
                 hours, Actor(role=Role.CLASS_TEACHER, id=reporter))
        return self

    def attached(self, hours: float, *, reporter: str = "peer-1") -> Story:
        self.add(intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                       reporter_role=Role.PEER, signs=[], imminent=False),
                 hours, Actor(role=Role.PEER, id=reporter))
        return self

    def assigned(self, hours: float, assignee: str, role: Role = Role.PSYCH_TEACHER) -> Story:
        self.add(intake.CaseAssigned(assignee_id=assignee, assignee_role=role), hours,
                 Actor(role=Role.CRISIS_TEAM_HEAD, id="crisis_team_head-1"))
        return self

    def glass(self, hours: float, who: str, role: Role, until: datetime) -> Story:
        self.add(intake.BreakGlassOpened(reason=BreakGlassReason.IMMINENT_DANGER,
                                         until=until), hours, Actor(role=role, id=who))
        return self

    def crisis_path(self, hours: float) -> Story:
        self.add(assessment.CrisisPathStarted(student_key=STUDENT, report_id=uuid4()), hours)
        return self

    def decided(self, tier: Tier, hours: float = 1) -> Story:
        self.add(assessment.TierDecided(student_key=STUDENT, tier=tier, proposed_tier=tier,
                                        overrides_proposal=False, participant_roles=[]),
                 hours)
        return self

    def noticed(self, hours: float, within: float) -> UUID:
        notice = uuid4()
        self.add(notification.GuardianNoticeIssued(
            notice_id=notice, tier=Tier.SERIOUS, guardian_rank=GuardianRank.PRIMARY,
            channel=NoticeChannel.SMS, template_id="notice-serious",
            acknowledge_by=self.at(hours + within)), hours)
        return notice

    def acknowledged(self, hours: float, notice: UUID) -> Story:
        self.add(notification.GuardianAcknowledged(notice_id=notice,
                                                   guardian_rank=GuardianRank.PRIMARY,
                                                   channel=NoticeChannel.SMS), hours)
        return self

    def called(self, hours: float, outcome: CallOutcome) -> Story:
        self.add(notification.GuardianCalled(notice_id=None,
                                             guardian_rank=GuardianRank.PRIMARY,
                                             outcome=outcome), hours)
        return self

    def referred(self, hours: float, *, within: float | None = None,
                 rerouted_from: UUID | None = None) -> UUID:
        referral_id = uuid4()
        self.add(referral.ReferralMade(
            referral_id=referral_id, receiver_type=ReceiverType.HOSPITAL_GREEN_CHANNEL,
            receiver_id="hospital-1", disclosed=["tier"],
            answer_by=None if within is None else self.at(hours + within),
            rerouted_from=rerouted_from), hours)
        return referral_id

    def answered(self, hours: float, referral_id: UUID, response: ReferralResponse) -> Story:
        """The answer as referral publishes it: the first five as ReferralAnswered, the
        others each as its own event."""
        own = OWN_EVENTS.get(response)
        self.add(own(referral_id=referral_id) if own is not None else
                 referral.ReferralAnswered(referral_id=referral_id, response=response), hours)
        return self

    def unanswered(self, hours: float, referral_id: UUID) -> Story:
        self.add(referral.ReferralUnanswered(referral_id=referral_id), hours)
        return self

    def scheduled(self, hours: float, *days: int) -> Story:
        self.add(referral.FollowUpsScheduled(tier=Tier.SERIOUS, due_dates=[
            (self.start + timedelta(days=d)).date() for d in days]), hours)
        return self

    def followed_up(self, hours: float, number: int) -> Story:
        self.add(referral.FollowUpRecorded(number=number, outcome=FollowUpOutcome.STABLE,
                                           on_time=True), hours)
        return self

    def follow_up_overdue(self, hours: float, number: int, due: date) -> Story:
        self.add(referral.FollowUpOverdue(number=number, due=due), hours)
        return self

    def visit_due(self, hours: float, semester: str = "2026-1") -> Story:
        self.add(referral.HomeVisitDue(semester=semester), hours)
        return self

    def visited(self, hours: float, semester: str = "2026-1") -> Story:
        self.add(referral.HomeVisitRecorded(visit_id=uuid4(), semester=semester,
                                            made_on=self.at(hours).date()), hours)
        return self

    def closed(self, hours: float) -> Envelope:
        return self.add(referral.CaseClosed(reason=ClosureReason.RESOLVED), hours)

    def reopened(self, hours: float, closure: Envelope) -> Story:
        self.add(referral.CaseReopened(reason=ReopenReason.RELAPSE,
                                       closed_event_id=closure.event_id), hours)
        return self

    def through_referral(self, tier: Tier = Tier.SERIOUS) -> Story:
        """Detected, decided, the family told and reached, referred and accepted."""
        self.detected().decided(tier, 1)
        self.acknowledged(3, self.noticed(2, 24))
        self.answered(5, self.referred(4), ReferralResponse.ACCEPTED)
        return self

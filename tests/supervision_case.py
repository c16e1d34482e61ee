"""A realistic crisis case as the CASES stream holds it, built by hand from the contracts:
detected, tier proposed and decided crisis, the guardian told and acknowledging late (a
breach), the police told under the safety override, the hospital and the district centre
under the guardians' consent, a break-glass read at night, weekly follow-ups (one late),
closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from contracts.codes import (
    BreakGlassReason,
    CallOutcome,
    Channel,
    ClosureReason,
    ConsentPurpose,
    DeclineReason,
    DisclosureBasis,
    FollowUpOutcome,
    GuardianRank,
    GuardianRelationship,
    IncidentKind,
    NoticeChannel,
    ReceiverType,
    ReferralResponse,
    Role,
    SchoolStage,
    Sign,
    Tier,
)
from contracts.envelope import Actor, Envelope
from contracts.events import assessment, intake, notification, referral
from contracts.events.base import CaseViewed, EventData

CASE_ID = UUID("6f1c2a0e-4d1b-4c4e-9a57-2b8f3f1d9c01")
STUDENT_KEY = "5e0d3c7a9b1f2e4d6c8a0b2d4f6e8a1c"  # pragma: allowlist secret (a made-up pseudonym)
START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # a Monday morning
NOTICE = UUID("0b9e6a44-0d0b-4c1e-8a6f-3c1b2a7d5e10")
ESCALATION = UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
CONSENT = UUID("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60")
HOSPITAL_REFERRAL = UUID("3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6071")
POLICE_REFERRAL = UUID("4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f607182")
CENTRE_REFERRAL = UUID("5a6b7c8d-9e0f-4a1b-8c3d-4e5f60718293")
CENTRE_REROUTE = UUID("6b7c8d9e-0f1a-4b2c-9d4e-5f60718293a4")
REPORT = UUID("7c8d9e0f-1a2b-4c3d-8e5f-60718293a4b5")
TRANSFER = UUID("8d9e0f1a-2b3c-4d4e-9f60-718293a4b5c6")
HOSPITAL, POLICE, CENTRE, CENTRE_2 = "hosp-green-01", "police-sjs", "dgc-sjs", "dgc-bj"


class Story:
    """Envelopes one after another, each at its own offset from the start."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.correlation = uuid4()

    def add(self, service: str, after: timedelta, data: EventData, role: Role,
            actor: str) -> Envelope:
        at = START + after
        envelope = Envelope(
            event_id=uuid4(), case_id=CASE_ID, service=service, type=type(data).__name__,
            version=data.VERSION, occurred_at=at, recorded_at=at + timedelta(seconds=1),
            actor=Actor(role=role, id=actor), correlation_id=self.correlation,
            causation_id=self.envelopes[-1].event_id if self.envelopes else None,
            data=data.model_dump(mode="json"))
        self.envelopes.append(envelope)
        return envelope


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def crisis_case(*, closed: bool = True) -> list[Envelope]:
    s = Story()
    s.add("intake", minutes(0), intake.CaseDetected(
        student_key=STUDENT_KEY, report_id=uuid4(), channel=Channel.STAFF_OBSERVATION,
        reporter_role=Role.CLASS_TEACHER, signs=[Sign.SUICIDAL_IDEATION, Sign.SELF_HARM],
        imminent=False), Role.CLASS_TEACHER, "t-17")
    s.add("intake", minutes(3), CaseViewed(purpose="case_work"), Role.PSYCH_TEACHER, "p-3")
    s.add("assessment", minutes(5), assessment.TierProposed(
        tier=Tier.CRISIS, reasons=["sign:suicidal_ideation", "sign:self_harm"],
        report_id=uuid4()), Role.SYSTEM, "assessment")
    s.add("assessment", minutes(40), assessment.TierDecided(
        student_key=STUDENT_KEY, tier=Tier.CRISIS, proposed_tier=Tier.CRISIS,
        overrides_proposal=False,
        participant_roles=[Role.CRISIS_TEAM_HEAD, Role.PSYCH_TEACHER, Role.PRINCIPAL],
        external_participants=1), Role.CRISIS_TEAM_HEAD, "h-1")
    s.add("referral", minutes(40.5), referral.TierNoted(tier=Tier.CRISIS, decided=True),
          Role.SYSTEM, "referral")
    s.add("referral", minutes(40.6), referral.FollowUpsScheduled(
        tier=Tier.CRISIS, due_dates=[date(2026, 3, 9) + timedelta(weeks=n)
                                     for n in range(1, 9)]), Role.SYSTEM, "referral")
    s.add("notification", minutes(41), notification.GuardianNoticeIssued(
        notice_id=NOTICE, tier=Tier.CRISIS, guardian_rank=GuardianRank.PRIMARY,
        channel=NoticeChannel.SMS, template_id="crisis-guardian",
        acknowledge_by=START + minutes(56)), Role.SYSTEM, "notification")
    s.add("notification", minutes(41.2), notification.GuardianNoticeDispatched(
        notice_id=NOTICE, channel=NoticeChannel.SMS), Role.SYSTEM, "notification")
    s.add("referral", minutes(45), referral.ReferralMade(
        referral_id=POLICE_REFERRAL, receiver_type=ReceiverType.POLICE, receiver_id=POLICE,
        disclosed=["student_pseudonym", "risk_tier", "signs_observed"],
        basis=DisclosureBasis.SAFETY_OVERRIDE, answer_by=START + minutes(75),
        without_consent=True), Role.CRISIS_TEAM_HEAD, "h-1")
    s.add("referral", minutes(46), referral.ReferralDelivered(
        referral_id=POLICE_REFERRAL, attempts=1), Role.SYSTEM, "referral")
    s.add("referral", minutes(52), referral.ReferralAnswered(
        referral_id=POLICE_REFERRAL, response=ReferralResponse.ACCEPTED),
        Role.RECEIVER_LIAISON, "l-police")
    s.add("notification", minutes(56), notification.NoticeEscalated(
        notice_id=NOTICE, escalated_to="crisis_team_head", escalation_id=ESCALATION),
        Role.SYSTEM, "notification")
    s.add("notification", minutes(56.1), notification.EscalationDispatched(
        escalation_id=ESCALATION, channel=NoticeChannel.SMS), Role.SYSTEM, "notification")
    s.add("notification", minutes(60), notification.GuardianCalled(
        notice_id=None, guardian_rank=GuardianRank.SECONDARY,
        outcome=CallOutcome.REACHED), Role.PSYCH_TEACHER, "p-3")
    s.add("notification", minutes(78), notification.GuardianAcknowledged(
        notice_id=NOTICE, guardian_rank=GuardianRank.PRIMARY, channel=NoticeChannel.SMS),
        Role.GUARDIAN, "g-1")
    s.add("notification", minutes(80), CaseViewed(purpose="case_work"),
          Role.CRISIS_TEAM_HEAD, "h-1")
    s.add("referral", minutes(90), referral.ConsentRecorded(
        consent_id=CONSENT, purpose=ConsentPurpose.REFERRAL,
        scope=["student_identity", "guardian_contact", "risk_tier", "signs_observed",
               "assessment_summary"],
        given_by_guardian_rank=GuardianRank.PRIMARY, relationship=GuardianRelationship.MOTHER,
        given_at=START + minutes(88)), Role.PSYCH_TEACHER, "p-3")
    s.add("referral", minutes(95), referral.ReferralMade(
        referral_id=HOSPITAL_REFERRAL, receiver_type=ReceiverType.HOSPITAL_GREEN_CHANNEL,
        receiver_id=HOSPITAL,
        disclosed=["student_identity", "guardian_contact", "risk_tier", "signs_observed",
                   "assessment_summary"],
        basis=DisclosureBasis.CONSENT, consent_id=CONSENT, answer_by=START + minutes(155),
        without_consent=False), Role.PSYCH_TEACHER, "p-3")
    s.add("referral", minutes(96), referral.ReferralDelivered(
        referral_id=HOSPITAL_REFERRAL, attempts=1), Role.SYSTEM, "referral")
    s.add("referral", minutes(130), referral.ReferralAnswered(
        referral_id=HOSPITAL_REFERRAL, response=ReferralResponse.ACCEPTED),
        Role.RECEIVER_LIAISON, "l-hosp")
    s.add("referral", minutes(140), CaseViewed(purpose="case_work", what="packet"),
          Role.RECEIVER_LIAISON, "l-hosp")
    s.add("referral", minutes(150), referral.ReferralMade(
        referral_id=CENTRE_REFERRAL, receiver_type=ReceiverType.DISTRICT_GUIDANCE_CENTRE,
        receiver_id=CENTRE, disclosed=["student_pseudonym", "risk_tier"],
        basis=DisclosureBasis.CONSENT, consent_id=CONSENT,
        answer_by=START + timedelta(days=1, minutes=150), without_consent=False),
        Role.PSYCH_TEACHER, "p-3")
    s.add("referral", minutes(300), referral.ReferralAnswered(
        referral_id=CENTRE_REFERRAL, response=ReferralResponse.DECLINED,
        decline_reason=DeclineReason.NO_CAPACITY), Role.RECEIVER_LIAISON, "l-dgc")
    s.add("referral", minutes(310), referral.ReferralMade(
        referral_id=CENTRE_REROUTE, receiver_type=ReceiverType.DISTRICT_GUIDANCE_CENTRE,
        receiver_id=CENTRE_2, disclosed=["student_pseudonym", "risk_tier"],
        basis=DisclosureBasis.CONSENT, consent_id=CONSENT,
        answer_by=START + timedelta(days=1, minutes=310), rerouted_from=CENTRE_REFERRAL,
        without_consent=False), Role.SYSTEM, "referral")
    s.add("referral", timedelta(days=1, hours=2), referral.ReferralAnswered(
        referral_id=CENTRE_REROUTE, response=ReferralResponse.ACCEPTED),
        Role.RECEIVER_LIAISON, "l-dgc2")
    s.add("intake", timedelta(hours=14), intake.BreakGlassOpened(
        reason=BreakGlassReason.OUT_OF_HOURS, until=START + timedelta(hours=15)),
        Role.PSYCH_TEACHER, "p-7")
    s.add("intake", timedelta(hours=14, minutes=5), CaseViewed(purpose="emergency"),
          Role.PSYCH_TEACHER, "p-7")
    for week in range(1, 9):
        due = date(2026, 3, 9) + timedelta(weeks=week)
        if week == 3:
            s.add("referral", timedelta(weeks=week, days=1), referral.FollowUpOverdue(
                number=week, due=due), Role.SYSTEM, "referral")
            s.add("referral", timedelta(weeks=week, days=2), referral.FollowUpRecorded(
                number=week, outcome=FollowUpOutcome.STABLE, on_time=False),
                Role.PSYCH_TEACHER, "p-3")
        else:
            s.add("referral", timedelta(weeks=week), referral.FollowUpRecorded(
                number=week, outcome=FollowUpOutcome.IMPROVING, on_time=True),
                Role.PSYCH_TEACHER, "p-3")
    if closed:
        s.add("referral", timedelta(weeks=8, days=1), referral.CaseClosed(
            reason=ClosureReason.RESOLVED), Role.CRISIS_TEAM_HEAD, "h-1")
    return s.envelopes


def incident_then_transfer() -> list[Envelope]:
    """An incident reported to the district commission late, then the student's history sent
    to the next school under the guardians' consent."""
    s = Story()
    s.add("intake", minutes(0), intake.IncidentReported(
        incident_id=uuid4(), student_key=STUDENT_KEY, kind=IncidentKind.SELF_HARM,
        checklist=["contact_guardians", "call_120"]), Role.PRINCIPAL, "pr-1")
    s.add("notification", minutes(1), notification.AuthorityReportIssued(
        report_id=REPORT, incident_id=uuid4(), authority="district_education_commission",
        report_by=START + minutes(61)), Role.SYSTEM, "notification")
    s.add("notification", minutes(75), notification.AuthorityReportDispatched(
        report_id=REPORT, on_time=False), Role.SYSTEM, "notification")
    s.add("intake", timedelta(days=90), intake.TransferDisclosed(
        transfer_id=TRANSFER, to_school="school-77", to_stage=SchoolStage.HIGH,
        categories=["case_history", "risk_tier"], consent_id=CONSENT), Role.PRINCIPAL, "pr-1")
    return s.envelopes

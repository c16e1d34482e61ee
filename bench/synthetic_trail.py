"""A synthetic but realistic CASES stream: cases of every tier through the whole pipeline,
each envelope valid against the contracts, the cases' events interleaved in time as a
school's term would have them, each service's events numbered by its own log position."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from casetrail.kernel import event_id_of
from contracts.codes import (
    CallOutcome,
    Channel,
    ClosureReason,
    ConsentPurpose,
    DisclosureBasis,
    FollowUpOutcome,
    GuardianRank,
    GuardianRelationship,
    Instrument,
    NoticeChannel,
    ReceiverType,
    ReferralResponse,
    ReportLevel,
    Role,
    Sign,
    Tier,
)
from contracts.envelope import Actor, Envelope
from contracts.events import assessment, intake, notification, referral
from contracts.events.base import CaseViewed, EventData, ScreenResult
from contracts.subjects import MSG_ID_HEADER, POSITION_HEADER, case_subject

T = TypeVar("T")

TERM_START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
TERM_DAYS = 120
CHANNELS = [(Channel.STAFF_OBSERVATION, 40), (Channel.SCREENING, 25), (Channel.HOTLINE, 8),
            (Channel.GUARDIAN, 8), (Channel.PEER, 7), (Channel.SELF_REPORT, 6),
            (Channel.HOME_VISIT, 4), (Channel.ONLINE_PLATFORM, 2)]
TIERS = [(Tier.NONE, 30), (Tier.GENERAL, 40), (Tier.SERIOUS, 22), (Tier.CRISIS, 8)]
FOLLOW_UPS = {Tier.GENERAL: (3, 30), Tier.SERIOUS: (4, 14), Tier.CRISIS: (8, 7)}
ACTORS = {"intake": Actor(role=Role.CLASS_TEACHER, id="teacher-1"),
          "assessment": Actor(role=Role.CRISIS_TEAM_HEAD, id="head-1"),
          "notification": Actor(role=Role.SYSTEM, id="notification"),
          "referral": Actor(role=Role.PSYCH_TEACHER, id="psych-1")}


@dataclass(frozen=True)
class Published:
    """One message as the relay publishes it."""

    subject: str
    headers: dict[str, str]
    body: bytes
    envelope: Envelope
    position: int


def _pick(rng: random.Random, weighted: list[tuple[T, int]]) -> T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class _Case:
    """One case's events as (hours after detection, data), in the order they happen."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.id = uuid4()
        self.student = f"{rng.getrandbits(128):032x}"
        self.events: list[tuple[float, str, EventData]] = []

    def at(self, hours: float, data: EventData, service: str | None = None) -> None:
        # contracts.events.<service>, but for the events every service has
        self.events.append((hours, service or type(data).__module__.rsplit(".", 1)[1], data))

    def viewed(self, hours: float, service: str) -> None:
        self.at(hours, CaseViewed(purpose="case_work"), service)

    def build(self) -> list[tuple[float, str, EventData]]:
        rng = self.rng
        tier = _pick(rng, TIERS)
        imminent = tier is Tier.CRISIS and rng.random() < 0.5
        report = uuid4()
        self.at(0, intake.CaseDetected(
            student_key=self.student, report_id=report, channel=_pick(rng, CHANNELS),
            reporter_role=Role.CLASS_TEACHER, signs=[Sign.EMOTIONAL_ABNORMALITY],
            imminent=imminent))
        self.at(0.2, intake.ReportForwarded(report_id=report, from_level=ReportLevel.CLASS,
                                            to_level=ReportLevel.SCHOOL))
        self.at(0.5, intake.ReportAcknowledged(report_id=report, level=ReportLevel.SCHOOL))
        if imminent:
            self.at(0.1, assessment.CrisisPathStarted(student_key=self.student,
                                                      report_id=report))
        decided = rng.uniform(0.5, 4) if tier is Tier.CRISIS else rng.uniform(2, 72)
        self.at(decided - 0.3, assessment.TierProposed(tier=tier, reasons=["sign:emotional"],
                                                       report_id=report))
        self.at(decided - 0.2, assessment.InstrumentScored(result=ScreenResult(
            instrument=Instrument.PHQ_A, band="moderate", total=12, positive=True)))
        self.at(decided, assessment.TierDecided(
            student_key=self.student, tier=tier, proposed_tier=tier, overrides_proposal=False,
            participant_roles=[Role.CRISIS_TEAM_HEAD, Role.PSYCH_TEACHER]))
        self.at(decided + 0.01, referral.TierNoted(tier=tier, decided=True))
        self.at(decided + 0.1, intake.CaseAssigned(assignee_id="psych-1",
                                                   assignee_role=Role.PSYCH_TEACHER))
        self.viewed(decided + 0.2, "intake")
        self.viewed(decided + 0.3, "assessment")
        if tier is Tier.NONE:
            self.at(decided + 1, referral.CaseClosed(reason=ClosureReason.NO_FURTHER_ACTION))
            return self.events
        self._family(tier, decided)
        if tier is not Tier.GENERAL:
            self._referral(decided)
        self._aftercare(tier, decided)
        return self.events

    def _family(self, tier: Tier, decided: float) -> None:
        rng, notice = self.rng, uuid4()
        self.at(decided + 0.02, notification.GuardianNoticeIssued(
            notice_id=notice, tier=tier, guardian_rank=GuardianRank.PRIMARY,
            channel=NoticeChannel.SMS, template_id=f"notice-{tier.value}",
            acknowledge_by=TERM_START))
        self.at(decided + 0.03, notification.GuardianNoticeDispatched(
            notice_id=notice, channel=NoticeChannel.SMS))
        if rng.random() < 0.8:
            self.at(decided + rng.uniform(0.1, 6), notification.GuardianAcknowledged(
                notice_id=notice, guardian_rank=GuardianRank.PRIMARY,
                channel=NoticeChannel.SMS))
            return
        escalation = uuid4()
        self.at(decided + 0.3, notification.NoticeEscalated(
            notice_id=notice, escalated_to="crisis_team_head", escalation_id=escalation))
        self.at(decided + 0.31, notification.EscalationDispatched(
            escalation_id=escalation, channel=NoticeChannel.SMS))
        outcome = CallOutcome.REACHED if rng.random() < 0.7 else CallOutcome.NO_ANSWER
        self.at(decided + rng.uniform(0.5, 12), notification.GuardianCalled(
            notice_id=notice, guardian_rank=GuardianRank.SECONDARY, outcome=outcome))

    def _referral(self, decided: float) -> None:
        rng, consent, first = self.rng, uuid4(), uuid4()
        at = decided + rng.uniform(1, 24)
        self.at(at, referral.ConsentRecorded(
            consent_id=consent, purpose=ConsentPurpose.REFERRAL, scope=["tier", "signs"],
            given_by_guardian_rank=GuardianRank.PRIMARY,
            relationship=GuardianRelationship.MOTHER, given_at=TERM_START))
        receivers = [(ReceiverType.DISTRICT_GUIDANCE_CENTRE, "centre-1"),
                     (ReceiverType.HOSPITAL_GREEN_CHANNEL, "hospital-1")]
        previous: UUID | None = None
        for number, (receiver_type, receiver_id) in enumerate(receivers):
            current = first if previous is None else uuid4()
            self.at(at, referral.ReferralMade(
                referral_id=current, receiver_type=receiver_type, receiver_id=receiver_id,
                disclosed=["tier", "signs"], basis=DisclosureBasis.CONSENT,
                consent_id=consent, rerouted_from=previous))
            self.at(at + 0.1, referral.ReferralDelivered(referral_id=current, attempts=1))
            at += rng.uniform(2, 48)
            declined = number == 0 and rng.random() < 0.25
            self.at(at, referral.ReferralAnswered(
                referral_id=current,
                response=ReferralResponse.DECLINED if declined else ReferralResponse.ACCEPTED))
            if not declined:
                return
            previous = current

    def _aftercare(self, tier: Tier, decided: float) -> None:
        rng = self.rng
        count, every = FOLLOW_UPS[tier]
        start = TERM_START + timedelta(hours=decided)
        self.at(decided + 0.05, referral.FollowUpsScheduled(
            tier=tier, due_dates=[(start + timedelta(days=every * n)).date()
                                  for n in range(1, count + 1)]))
        for number in range(1, count + 1):
            due = decided + 24 * every * number
            late = rng.random() < 0.15
            if late:
                self.at(due + 24, referral.FollowUpOverdue(
                    number=number, due=(start + timedelta(days=every * number)).date()))
            self.at(due + (48 if late else -2), referral.FollowUpRecorded(
                number=number, outcome=FollowUpOutcome.STABLE, on_time=not late))
            self.viewed(due, "referral")
        if rng.random() < 0.6:
            self.at(decided + 24 * 10, referral.HomeVisitRecorded(
                visit_id=uuid4(), semester="2026-1",
                made_on=(start + timedelta(days=10)).date()))
        self.at(decided + 24 * every * count + 24, referral.CaseClosed(
            reason=ClosureReason.RESOLVED))


def synthetic_trail(events: int, seed: int = 10) -> list[Published]:
    """At least `events` messages, in the order CASES holds them (by recorded time)."""
    rng = random.Random(seed)
    timed: list[tuple[datetime, UUID, str, EventData]] = []
    while len(timed) < events:
        case = _Case(rng)
        detected = TERM_START + timedelta(days=rng.uniform(0, TERM_DAYS))
        timed.extend((detected + timedelta(hours=hours), case.id, service, data)
                     for hours, service, data in case.build())
    timed.sort(key=lambda item: item[0])
    return list(_published(timed))


def _published(timed: list[tuple[datetime, UUID, str, EventData]]
               ) -> Iterator[Published]:
    positions = dict.fromkeys(ACTORS, 0)
    versions: dict[tuple[str, UUID], int] = {}
    for at, case_id, service, data in timed:
        positions[service] += 1
        version = versions[service, case_id] = versions.get((service, case_id), 0) + 1
        envelope = Envelope(
            event_id=event_id_of(service, case_id, version), case_id=case_id,
            service=service, type=type(data).__name__, version=data.VERSION,
            occurred_at=at, recorded_at=at, actor=ACTORS[service], correlation_id=case_id,
            data=data.model_dump(mode="json"))
        position = positions[service]
        yield Published(case_subject(case_id, service, envelope.type),
                        {MSG_ID_HEADER: str(envelope.event_id), POSITION_HEADER: str(position)},
                        envelope.to_bytes(), envelope, position)

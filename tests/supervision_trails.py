"""CASES envelopes of a case built by hand, as the supervision tests feed them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from contracts.codes import (
    Channel,
    ClosureReason,
    FollowUpOutcome,
    GuardianRank,
    NoticeChannel,
    ReceiverType,
    ReferralResponse,
    Role,
    Tier,
)
from contracts.envelope import Actor, Envelope
from contracts.events import assessment, intake, notification, referral
from contracts.events.base import EventData

STUDENT = "0" * 32
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def envelope(case_id: UUID, data: EventData, at: datetime) -> Envelope:
    service = type(data).__module__.rsplit(".", 1)[1]  # contracts.events.<service>
    return Envelope(event_id=uuid4(), case_id=case_id, service=service,
                    type=type(data).__name__, version=data.VERSION, occurred_at=at,
                    recorded_at=at, actor=Actor(role=Role.SYSTEM, id="system"),
                    correlation_id=uuid4(), data=data.model_dump(mode="json"))


def full_case(start: datetime = START, channel: Channel = Channel.HOTLINE,
              tier: Tier = Tier.SERIOUS) -> list[Envelope]:
    """A case through every stage: assessed at 2 h, family told at 3 h and reached at 4 h,
    referred at 5 h (declined, re-routed, accepted), followed up at day 7 (on time) and
    day 21 (late, after an overdue flag), a home visit, closed at day 30."""
    case_id, notice, first, second = uuid4(), uuid4(), uuid4(), uuid4()

    def at(hours: float) -> datetime:
        return start + timedelta(hours=hours)

    return [envelope(case_id, data, at(hours)) for hours, data in [
        (0, intake.CaseDetected(student_key=STUDENT, report_id=uuid4(), channel=channel,
                                reporter_role=Role.CLASS_TEACHER, signs=[],
                                imminent=False)),
        (2, assessment.TierDecided(student_key=STUDENT, tier=tier, proposed_tier=tier,
                                   overrides_proposal=False, participant_roles=[])),
        (2, notification.GuardianNoticeIssued(
            notice_id=notice, tier=tier, guardian_rank=GuardianRank.PRIMARY,
            channel=NoticeChannel.SMS, template_id="notice-serious",
            acknowledge_by=at(26))),
        (3, notification.GuardianNoticeDispatched(notice_id=notice,
                                                  channel=NoticeChannel.SMS)),
        (4, notification.GuardianAcknowledged(notice_id=notice,
                                              guardian_rank=GuardianRank.PRIMARY,
                                              channel=NoticeChannel.SMS)),
        (5, referral.ReferralMade(referral_id=first,
                                  receiver_type=ReceiverType.DISTRICT_GUIDANCE_CENTRE,
                                  receiver_id="centre-1", disclosed=["tier"])),
        (6, referral.ReferralAnswered(referral_id=first,
                                      response=ReferralResponse.DECLINED)),
        (7, referral.ReferralMade(referral_id=second,
                                  receiver_type=ReceiverType.HOSPITAL_GREEN_CHANNEL,
                                  receiver_id="hospital-1", disclosed=["tier"],
                                  rerouted_from=first)),
        (8, referral.ReferralAnswered(referral_id=second,
                                      response=ReferralResponse.ACCEPTED)),
        (8, referral.FollowUpsScheduled(tier=tier, due_dates=[
            (start + timedelta(days=d)).date() for d in (7, 14, 21)])),
        (24 * 7, referral.FollowUpRecorded(number=1, outcome=FollowUpOutcome.STABLE,
                                           on_time=True)),
        (24 * 15, referral.FollowUpOverdue(number=2, due=(start + timedelta(14)).date())),
        (24 * 16, referral.FollowUpRecorded(number=2, outcome=FollowUpOutcome.IMPROVING,
                                            on_time=False)),
        (24 * 10, referral.HomeVisitRecorded(visit_id=uuid4(), semester="2026-1",
                                             made_on=(start + timedelta(10)).date())),
        (24 * 30, referral.CaseClosed(reason=ClosureReason.RESOLVED)),
    ]]

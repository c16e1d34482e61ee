"""Referral's commands and queries."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking

from casetrail.bus.inbox import following
from casetrail.kernel import EventMeta
from casetrail.store import ServiceApplication
from contracts.codes import ClosureReason, FollowUpOutcome, ReceiverType, ReferralResponse, Tier
from contracts.envelope import Envelope
from contracts.events import assessment
from services.referral.domain.aftercare import Aftercare


class ReferralApplication(ServiceApplication):
    name = "referral"

    def __init__(self, env: dict[str, str], school_timezone: ZoneInfo) -> None:
        super().__init__(env)
        self.school_timezone = school_timezone

    def _school_day(self, moment: datetime) -> date:
        return moment.astimezone(self.school_timezone).date()

    def on_crisis_path_started(self, envelope: Envelope, _: assessment.CrisisPathStarted,
                               tracking: Tracking) -> None:
        self._note_tier(envelope, Tier.CRISIS, decided=False, tracking=tracking)

    def on_tier_decided(self, envelope: Envelope, data: assessment.TierDecided,
                        tracking: Tracking) -> None:
        self._note_tier(envelope, data.tier, decided=True, tracking=tracking)

    def _note_tier(self, envelope: Envelope, tier: Tier, *, decided: bool,
                   tracking: Tracking) -> None:
        meta = following(envelope, self.name)
        aftercare = (self.find_case(envelope.case_id, Aftercare)
                     or Aftercare.open(envelope.case_id, meta))
        aftercare.note_tier(tier, decided=decided, today=self._school_day(meta.occurred_at),
                            meta=meta)
        self.record(aftercare, tracking=tracking)

    def refer(self, case_id: UUID, receiver_type: ReceiverType, receiver_id: str,
              meta: EventMeta) -> UUID:
        aftercare = self.get_case(case_id, Aftercare)
        referral_id = uuid4()
        aftercare.refer(referral_id, receiver_type, receiver_id, meta)
        self.record(aftercare)
        return referral_id

    def record_answer(self, case_id: UUID, referral_id: UUID, response: ReferralResponse,
                      meta: EventMeta) -> None:
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.record_answer(referral_id, response, meta)
        self.record(aftercare)

    def record_follow_up(self, case_id: UUID, outcome: FollowUpOutcome,
                         meta: EventMeta) -> int:
        aftercare = self.get_case(case_id, Aftercare)
        number = aftercare.record_follow_up(outcome, self._school_day(meta.occurred_at), meta)
        self.record(aftercare)
        return number

    def close_case(self, case_id: UUID, reason: ClosureReason, meta: EventMeta) -> None:
        aftercare = self.get_case(case_id, Aftercare)
        aftercare.close(reason, meta)
        self.record(aftercare)

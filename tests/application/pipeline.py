"""One case driven through the four services in process, their events carried between them
as the bus would (each service's subscriptions, in publishing order), and every envelope
kept as CASES would hold it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from casetrail.identity.access_book import keeping_access
from casetrail.kernel import EventMeta
from contracts.codes import GuardianRank, NoticeChannel, ReferralResponse, Tier
from contracts.envelope import Envelope
from services.notification.domain.directory import Guardian
from services.referral.application import ReferralApplication
from tests.application.all_services import Running
from tests.application.conftest import deliver
from tests.application.test_referral import refer
from tests.identity import bearer

STUDENT = "S-2024-0042"
TEAM = bearer("crisis_team", subject="t-1")
AUDITOR = bearer("auditor", subject="a-1", school=None)


@dataclass
class Pipeline:
    services: dict[str, Running]
    trail: list[Envelope] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)

    def settle(self) -> None:
        """Carries every event published since the last call to the services that follow
        its publisher, until none publishes anything new."""
        moved = True
        while moved:
            moved = False
            for name, running in self.services.items():
                for envelope in self._new(name, running):
                    moved = True
                    self.trail.append(envelope)
                    self._carry(envelope)

    def _new(self, name: str, running: Running) -> list[Envelope]:
        app, start = running.app, self.positions.get(name, 0) + 1
        found = []
        for notification in app.recorder.select_notifications(start=start, limit=10_000):
            self.positions[name] = notification.id
            envelope = running.entry.published.envelope(app.mapper.to_domain_event(notification))
            if envelope is not None:
                found.append(envelope)
        return found

    def _carry(self, envelope: Envelope) -> None:
        for running in self.services.values():
            for subscription in running.entry.subscriptions(running.settings, running.app):
                subscription = keeping_access(running.app, subscription)
                handler = subscription.handlers.get(envelope.type)
                if subscription.upstream == envelope.service and handler is not None:
                    deliver(running.app, handler, envelope)

    @property
    def now(self) -> datetime:
        return self.trail[-1].recorded_at

    # -- the case's steps -----------------------------------------------------------------

    def reported(self) -> UUID:
        self.services["notification"].app.record_guardians(  # type: ignore[attr-defined]
            STUDENT, [Guardian(rank=1, relation="mother", name="王芳",
                               phone="+86 139 0000 0001", preferred_channel="sms",
                               language="zh")], EventMeta.by("psych_teacher", "p-1"))
        made = self.services["intake"].http.post("/reports", json={
            "student": {"school_student_id": STUDENT}, "channel": "staff_observation",
            "signs": ["emotional_abnormality"]},
            headers=bearer("class_teacher", subject="ct-1"))
        assert made.status_code == 201, made.text
        self.settle()
        return UUID(made.json()["case_id"])

    def decided(self, case_id: UUID, tier: Tier) -> None:
        answer = self.services["assessment"].http.post(f"/cases/{case_id}/decision", json={
            "tier": tier.value, "rationale": "withdrawn for weeks",
            "participants": [{"role": "crisis_team", "id": "t-1"}],
            "overrides_proposal": True}, headers=TEAM)
        assert answer.status_code == 201, answer.text
        self.settle()

    def acknowledged(self, case_id: UUID) -> None:
        answer = self.services["notification"].http.post(
            f"/cases/{case_id}/acknowledgements",
            json={"guardian_rank": GuardianRank.PRIMARY.value,
                  "channel": NoticeChannel.SMS.value}, headers=TEAM)
        assert answer.status_code == 201, answer.text
        self.settle()

    def referred_and_accepted(self, case_id: UUID) -> UUID:
        app = self.services["referral"].app
        assert isinstance(app, ReferralApplication)
        referral_id = refer(app, case_id, "district-centre",
                            meta=EventMeta.by("crisis_team", "t-1"))
        self.settle()
        app.record_answer(case_id, referral_id, ReferralResponse.ACCEPTED,
                          EventMeta.by("crisis_team", "t-1"))
        self.settle()
        return referral_id

"""Each service's part of a case, folded from that service's envelopes on CASES (pure).

One folder per publishing service: it takes the service's envelopes in stream order and
keeps what the shared vocabulary (contracts/case_state.py) says that service answers for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from contracts.case_state import (
    AssessmentPart,
    Decided,
    EscalationState,
    FollowUpState,
    IntakePart,
    NoticeState,
    NotificationPart,
    Part,
    ReferralPart,
    ReferralState,
)
from contracts.envelope import Envelope

P = TypeVar("P", bound=Part)


def changed(part: P, change: dict[str, Any]) -> P:
    """The part with the change, validated (codes read as codes)."""
    return type(part).model_validate({**part.model_dump(), **change})


@dataclass
class IntakeFolder:
    part: IntakePart = field(default_factory=IntakePart)

    def take(self, e: Envelope) -> None:
        part, data = self.part, e.data
        if e.type == "CaseDetected":
            self.part = changed(part, {"detected_at": e.recorded_at,
                                       "source": data["channel"], "reports": 1})
        elif e.type == "ReportAttached":
            self.part = changed(part, {"reports": part.reports + 1})
        elif e.type in {"ReportForwarded", "ReportAcknowledged"}:
            step = (f"forwarded:{data['to_level']}" if e.type == "ReportForwarded"
                    else f"acknowledged:{data['level']}")
            self.part = changed(part, {"chain": sorted([*part.chain, step])})
        elif e.type == "CaseAssigned":
            self.part = changed(part, {"assignees": sorted({*part.assignees,
                                                            data["assignee_id"]})})
        elif e.type == "BreakGlassOpened":
            self.part = changed(part, {"break_glass_openings": part.break_glass_openings + 1})


@dataclass
class AssessmentFolder:
    part: AssessmentPart = field(default_factory=AssessmentPart)

    def take(self, e: Envelope) -> None:
        data = e.data
        if e.type == "TierProposed":
            self.part = changed(self.part, {"proposed_tier": data["tier"]})
        elif e.type == "CrisisPathStarted":
            self.part = changed(self.part, {"crisis_path_started": True})
        elif e.type == "TierDecided":
            self.part = changed(self.part, {
                "tier": data["tier"], "decisions": self.part.decisions + 1,
                "decided": Decided(by=e.actor, at=e.occurred_at)})


@dataclass
class NotificationFolder:
    notices: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    escalations: dict[UUID, dict[str, Any]] = field(default_factory=dict)

    def take(self, e: Envelope) -> None:
        data = e.data
        if e.type == "GuardianNoticeIssued":
            self.notices[UUID(data["notice_id"])] = {
                "notice_id": data["notice_id"], "tier": data["tier"],
                "guardian_rank": data["guardian_rank"], "channel": data["channel"]}
        elif e.type == "GuardianNoticeDispatched":
            self._notice(data, dispatched=True)
        elif e.type == "GuardianAcknowledged":
            self._notice(data, acknowledged=True)
        elif e.type == "GuardianNoticeFailed":
            self._notice(data, failed=True)
        elif e.type == "NoticeEscalated" and data.get("escalation_id"):
            self.escalations[UUID(data["escalation_id"])] = {
                "escalation_id": data["escalation_id"], "notice_id": data["notice_id"],
                "escalated_to": data["escalated_to"]}
        elif e.type == "EscalationDispatched":
            self._escalation(data, dispatched=True)
        elif e.type == "EscalationFailed":
            self._escalation(data, failed=True)

    def _notice(self, data: dict[str, Any], **change: bool) -> None:
        if (notice := self.notices.get(UUID(data["notice_id"]))) is not None:
            notice.update(change)

    def _escalation(self, data: dict[str, Any], **change: bool) -> None:
        if (escalation := self.escalations.get(UUID(data["escalation_id"]))) is not None:
            escalation.update(change)

    @property
    def part(self) -> NotificationPart:
        return NotificationPart(
            notices=[NoticeState.model_validate(n) for n in self.notices.values()],
            escalations=[EscalationState.model_validate(e) for e in self.escalations.values()])


# The answers published as events of their own, and the status each leaves.
LATER_ANSWERS = {"ReferralReceived": "received", "ReferralNoShow": "no_show",
                 "ReferralFailed": "failed", "ReferralCancelled": "cancelled"}


@dataclass
class ReferralFolder:
    tier: str | None = None
    tier_decided: bool = False
    referrals: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    def take(self, e: Envelope) -> None:
        data = e.data
        if e.type == "TierNoted":
            self.tier, self.tier_decided = data["tier"], data["decided"]
        elif e.type == "FollowUpsScheduled":
            self._schedule([date.fromisoformat(d) for d in data["due_dates"]])
        elif e.type == "FollowUpRecorded":
            self._follow_up(data["number"], done=True, on_time=data["on_time"])
        elif e.type == "FollowUpOverdue":
            self._follow_up(data["number"], flagged_overdue=True)
        elif e.type == "ReferralMade":
            self._made(data)
        elif e.type == "ReferralDelivered":
            self._referral(data, delivered=True)
        elif e.type == "ReferralAnswered":
            self._referral(data, status=data["response"])
        elif e.type == "ReferralUnanswered":
            self._referral(data, status="unanswered")
        elif e.type in LATER_ANSWERS:
            self._referral(data, status=LATER_ANSWERS[e.type])
        elif e.type == "CaseClosed":
            self.closed = True
        elif e.type == "CaseReopened":
            self.closed = False

    def _schedule(self, due_dates: list[date]) -> None:
        # As referral schedules them: a new schedule replaces only the follow-ups still to
        # come; those done, and those overdue and still owed, keep their numbers.
        kept = [f for f in self.follow_ups if f["done"] or f["flagged_overdue"]]
        self.follow_ups = kept + [
            {"number": len(kept) + n, "due": due, "done": False, "on_time": None,
             "flagged_overdue": False} for n, due in enumerate(due_dates, start=1)]

    def _follow_up(self, number: int, **change: Any) -> None:
        # A number no schedule gave is left out, never a reason to stop reading the record.
        if 1 <= number <= len(self.follow_ups):
            self.follow_ups[number - 1].update(change)

    def _made(self, data: dict[str, Any]) -> None:
        self.referrals[UUID(data["referral_id"])] = {
            "referral_id": data["referral_id"], "receiver_type": data["receiver_type"],
            "receiver_id": data["receiver_id"], "rerouted_from": data.get("rerouted_from")}
        if (replaced := data.get("rerouted_from")) is not None:
            self._referral({"referral_id": replaced}, rerouted_to=data["referral_id"])

    def _referral(self, data: dict[str, Any], **change: Any) -> None:
        if (referral := self.referrals.get(UUID(data["referral_id"]))) is not None:
            referral.update(change)

    @property
    def part(self) -> ReferralPart:
        return ReferralPart(
            tier=self.tier, tier_decided=self.tier_decided, closed=self.closed,
            referrals=[ReferralState.model_validate(r) for r in self.referrals.values()],
            follow_ups=[FollowUpState.model_validate(f) for f in self.follow_ups])

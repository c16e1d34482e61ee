"""A case as the record stood at a time T, from its envelopes on CASES alone (pure).

As-of means recorded time: what CASES held at T is the envelopes with recorded_at <= T.
Replay never acts: it only reads what was recorded, and says what was due or open at T.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from contracts.case_state import CaseState, ReferralPart, Told, stages_reached
from contracts.envelope import Envelope
from services.supervision.domain.flags import open_flags
from services.supervision.domain.parts import (
    AssessmentFolder,
    IntakeFolder,
    NotificationFolder,
    ReferralFolder,
)


class Folder(Protocol):
    def take(self, e: Envelope) -> None: ...


def up_to(envelopes: Iterable[Envelope], as_of: datetime) -> list[Envelope]:
    """The envelopes the record held at `as_of`, in stream order."""
    return [e for e in envelopes if e.recorded_at <= as_of]


def told(events: Sequence[Envelope]) -> list[Told]:
    """Each guardian told (notice, channel, when) and, once they did, who acknowledged."""
    notices: dict[UUID, Told] = {}
    for e in events:
        if e.service != "notification":
            continue
        if e.type == "GuardianNoticeIssued":
            notice_id = UUID(e.data["notice_id"])
            notices[notice_id] = Told(notice_id=notice_id,
                                      guardian_rank=e.data["guardian_rank"],
                                      channel=e.data["channel"], issued_at=e.occurred_at)
        elif e.type == "GuardianAcknowledged" and (
                notice := notices.get(UUID(e.data["notice_id"]))) is not None:
            notices[notice.notice_id] = notice.model_copy(update={
                "acknowledged_at": e.occurred_at, "acknowledged_by": e.actor})
    return list(notices.values())


def follow_ups_at(referral: ReferralPart, today: date) -> tuple[list[date], list[date]]:
    """The follow-ups still owed on the school's day `today`: those due from that day on,
    and those whose day had passed (as referral counts them: late once the day is over)."""
    if referral.closed:
        return [], []
    owed = [f for f in referral.follow_ups if not f.done]
    return ([f.due for f in owed if f.due >= today],
            [f.due for f in owed if f.due < today])


def case_state(case_id: UUID, events: Sequence[Envelope], as_of: datetime, *,
               today: date) -> CaseState:
    """The state of the case at `as_of` (the school's day `today`) from its envelopes
    recorded by then (give it `up_to(...)`'s answer: later ones would be read as if already
    recorded)."""
    intake, assessment = IntakeFolder(), AssessmentFolder()
    notification, referral = NotificationFolder(), ReferralFolder()
    folders: dict[str, Folder] = {"intake": intake, "assessment": assessment,
                                  "notification": notification, "referral": referral}
    for e in events:
        if (folder := folders.get(e.service)) is not None:
            folder.take(e)
    reached = stages_reached(events)
    closed = referral.closed
    stages = [s for s in reached if s != "closed"]
    due, overdue = follow_ups_at(referral.part, today)
    return CaseState(
        case_id=case_id, as_of=as_of, events=len(events),
        stage="closed" if closed else (stages[-1] if stages else None),
        stages_reached=reached, closed=closed, intake=intake.part,
        assessment=assessment.part, notification=notification.part, referral=referral.part,
        told=told(events), follow_ups_due=due, follow_ups_overdue=overdue,
        flags=open_flags(events, as_of))

"""The crisis team's worklist and a case's timeline on the wire, as supervision serves them
from CASES (versioned like the bus contracts). Ids, codes and times only: CASES carries no
personal data, and a console joins the students' names from intake's `GET /cases`."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from contracts.codes import Channel, ReceiverType, Role, Tier
from contracts.envelope import Actor

VERSION: Literal[1] = 1


class Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AwaitedAnswer(Wire):
    """A referral its receiver has not answered yet, and by when it is to (if it says)."""

    referral_id: UUID
    receiver_type: ReceiverType
    answer_by: AwareDatetime | None


class WorklistEntry(Wire):
    """One case: where it stands, whose turn it is, what is due and by when."""

    case_id: UUID
    detected_at: AwareDatetime | None
    source: Channel | Literal["transfer"] | None  # the first concern's channel
    tier: Tier | Literal["undecided"]
    crisis_path: bool  # imminent danger started the crisis path
    stage: str | None  # the furthest stage reached (contracts.case_state.STAGE_ORDER)
    state: Literal["open", "closed"]
    # The next step (assess, notify_family, await_guardian, refer, await_receiver,
    # follow_up, home_visit, await_follow_up, close; none once closed) and who takes it.
    turn: str
    turn_roles: list[Role]
    guardian_acknowledge_by: AwareDatetime | None  # a notice out and not acknowledged
    referrals_awaiting: list[AwaitedAnswer]
    follow_ups_overdue: int
    next_follow_up: date | None
    home_visits_due: int
    # referral_declined, referral_failed, referral_cancelled, referral_unanswered (none
    # replaced yet), referral_no_show (not scheduled again), concern_after_closure
    flags: list[str]
    position: int  # the last CASES stream position touching the case
    overdue: bool  # a deadline has passed: an acknowledgement, an answer, a follow-up
    soonest_deadline: AwareDatetime | None


class Worklist(Wire):
    """The cases the reader may see, the most urgent first."""

    version: Literal[1] = VERSION
    as_of: AwareDatetime
    items: list[WorklistEntry]


class WorklistChange(Wire):
    """An event of a case the reader may see was read from CASES (`event: changed`)."""

    case_id: UUID
    position: int


class TimelineEvent(Wire):
    """One event of the case as CASES has it; `data` as on the bus (codes and ids)."""

    position: int
    event_id: UUID
    service: str
    type: str
    version: int
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor: Actor
    data: dict[str, Any]


class CaseTimeline(Wire):
    version: Literal[1] = VERSION
    case_id: UUID
    events: list[TimelineEvent]

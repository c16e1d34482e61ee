from uuid import UUID

from pydantic import Field

from contracts.codes import KeyConcern, Role, Sign, Tier
from contracts.events.base import (
    CaseViewed,
    EventData,
    ReasonCode,
    ScreenResult,
    StudentErased,
    StudentKey,
)

SERVICE = "assessment"


class TierProposed(EventData):
    """Software's proposal, with the reason codes, for the crisis team to decide on."""

    tier: Tier
    reasons: list[ReasonCode]
    report_id: UUID


class CrisisPathStarted(EventData):
    """Imminent danger: the crisis path starts before the team's decision."""

    student_key: StudentKey
    report_id: UUID
    signs: list[Sign] = Field(default_factory=list)  # optional, added in issue 4
    incident: bool = False


class InstrumentScored(EventData):
    """An instrument administered during the assessment, scored (result codes only)."""

    result: ScreenResult


class KeyConcernsConsidered(EventData):
    key_concerns: list[KeyConcern]


class TierDecided(EventData):
    """A person decided the tier; the rationale text stays in the assessment store."""

    student_key: StudentKey
    tier: Tier
    proposed_tier: Tier | None
    overrides_proposal: bool
    participant_roles: list[Role]
    # Optional, added in issue 4 (same version).
    external_participants: int = 0
    previous_tier: Tier | None = None
    follows_crisis_path: bool = False  # the decision that follows an imminent-danger start


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "StudentErased": StudentErased,
    "TierProposed": TierProposed,
    "CrisisPathStarted": CrisisPathStarted,
    "TierDecided": TierDecided,
    "InstrumentScored": InstrumentScored,
    "KeyConcernsConsidered": KeyConcernsConsidered,
}

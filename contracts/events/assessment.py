from uuid import UUID

from contracts.codes import Role, Tier
from contracts.events.base import CaseViewed, EventData, StudentKey

SERVICE = "assessment"


class TierProposed(EventData):
    """Software's proposal, with the reason codes, for the crisis team to decide on."""

    tier: Tier
    reasons: list[str]
    report_id: UUID


class CrisisPathStarted(EventData):
    """Imminent danger: the crisis path starts before the team's decision."""

    student_key: StudentKey
    report_id: UUID


class TierDecided(EventData):
    """A person decided the tier; the rationale text stays in the assessment store."""

    student_key: StudentKey
    tier: Tier
    proposed_tier: Tier | None
    overrides_proposal: bool
    participant_roles: list[Role]


EVENTS: dict[str, type[EventData]] = {
    "CaseViewed": CaseViewed,
    "TierProposed": TierProposed,
    "CrisisPathStarted": CrisisPathStarted,
    "TierDecided": TierDecided,
}

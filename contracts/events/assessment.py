from uuid import UUID

from contracts.codes import Role, Tier
from contracts.events.base import EventData

SERVICE = "assessment"


class TierProposed(EventData):
    """Software's proposal, with the reason codes, for the crisis team to decide on."""

    tier: Tier
    reasons: list[str]
    report_id: UUID


class CrisisPathStarted(EventData):
    """Imminent danger: the crisis path starts before the team's decision."""

    report_id: UUID


class TierDecided(EventData):
    """A person decided the tier; the rationale text stays in the assessment store."""

    tier: Tier
    proposed_tier: Tier | None
    overrides_proposal: bool
    participant_roles: list[Role]


EVENTS: dict[str, type[EventData]] = {
    "TierProposed": TierProposed,
    "CrisisPathStarted": CrisisPathStarted,
    "TierDecided": TierDecided,
}

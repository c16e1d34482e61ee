"""The notification policy: per tier, how long to wait for a guardian's acknowledgement, and
whom to try next (DOMAIN.md, Timing defaults; "if no guardian can be reached the school must
escalate, not wait"). Validated when it is loaded, so a bad file stops the service at start.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.codes import Tier

Step = Literal["guardian_1", "guardian_2", "crisis_team_head", "police"]
GUARDIAN_STEPS: dict[str, int] = {"guardian_1": 1, "guardian_2": 2}
COMMISSION = "district_education_commission"


def guardian_rank_of(step: Step) -> int | None:
    """The guardian a step notifies, or None for a step that escalates beyond the family."""
    return GUARDIAN_STEPS.get(step)


class TierPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    acknowledge_within: timedelta = Field(gt=timedelta(0))
    ladder: tuple[Step, ...]

    @field_validator("ladder")
    @classmethod
    def _a_ladder_that_ends_beyond_the_family(cls, ladder: tuple[Step, ...]) -> tuple[Step, ...]:
        if not ladder or ladder[0] != "guardian_1":
            raise ValueError("must start with guardian_1: the primary guardian is told first")
        if len(set(ladder)) != len(ladder):
            raise ValueError("names a step twice")
        if guardian_rank_of(ladder[-1]) is not None:
            raise ValueError("must end with someone beyond the family: the school escalates, "
                             "it does not wait")
        return ladder


def _tier(wait: timedelta, *ladder: Step) -> TierPolicy:
    return TierPolicy(acknowledge_within=wait, ladder=ladder)


class NotificationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    crisis: TierPolicy = _tier(timedelta(minutes=15), "guardian_1", "guardian_2",
                               "crisis_team_head", "police")
    serious: TierPolicy = _tier(timedelta(hours=24), "guardian_1", "guardian_2",
                                "crisis_team_head")
    general: TierPolicy = _tier(timedelta(days=3), "guardian_1", "guardian_2",
                                "crisis_team_head")
    # An incident is reported to the district education commission within this (000 item 10).
    incident_report_within: timedelta = Field(timedelta(minutes=60), gt=timedelta(0))

    def for_tier(self, tier: Tier) -> TierPolicy:
        policies = {Tier.CRISIS: self.crisis, Tier.SERIOUS: self.serious,
                    Tier.GENERAL: self.general}
        return policies[tier]

    def wait_for(self, tier: Tier) -> timedelta:
        return self.for_tier(tier).acknowledge_within

    def waiting(self, waits: dict[Tier, timedelta]) -> NotificationPolicy:
        """The same ladders with other waits (the per-tier environment overrides)."""
        changes = {tier.value: self.for_tier(tier).model_copy(
            update={"acknowledge_within": wait}) for tier, wait in waits.items()}
        return self.model_copy(update=changes)

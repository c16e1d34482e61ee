"""The crisis team's decision and the rules it must meet (001 三(三)2; DOMAIN.md, Assessed).

The team, with professionals from inside or outside the school, grades the risk. The software's
proposal is only advice, but going against it is a deliberate act: it is said explicitly and
explained, so an auditor can later see that a person, not a default, chose the tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from casetrail.kernel import CaseRuleViolated
from contracts.codes import Tier

INTERNAL = "internal"
EXTERNAL = "external"


@dataclass(frozen=True)
class Decision:
    tier: Tier
    rationale: str
    # {role, id, affiliation: internal|external, organisation (external only)}
    participants: list[dict[str, str]]
    overrides_proposal: bool = False


def affiliation(participant: dict[str, str]) -> str:
    # Participants recorded before affiliations existed were the school's own staff.
    return participant.get("affiliation", INTERNAL)


def external_count(participants: list[dict[str, str]]) -> int:
    return sum(affiliation(p) == EXTERNAL for p in participants)


def check_decision(decision: Decision, *, proposed: str | None) -> None:
    if not decision.rationale.strip():
        raise CaseRuleViolated("a decision needs its rationale")
    if not decision.participants:
        raise CaseRuleViolated("a decision names who took part")
    for participant in decision.participants:
        if affiliation(participant) not in (INTERNAL, EXTERNAL):
            raise CaseRuleViolated(f"participant {participant.get('id')} is neither internal "
                                   "nor external")
        if affiliation(participant) == EXTERNAL and not participant.get("organisation"):
            raise CaseRuleViolated(f"external participant {participant.get('id')} needs "
                                   "their organisation")
    differs = proposed is not None and decision.tier.value != proposed
    if differs and not decision.overrides_proposal:
        raise CaseRuleViolated(
            f"the proposed tier is {proposed}; deciding {decision.tier.value} overrides it, "
            "which must be said explicitly (overrides_proposal) with the rationale")
    if decision.overrides_proposal and not differs:
        raise CaseRuleViolated(
            f"nothing to override: the proposed tier is {proposed or 'not yet made'}")

"""The proposed tier, from the signs reported so far (001 三(三)2; 000 items 6 and 8).

Only a proposal: a person decides (DOMAIN.md, Assessed). Reasons are codes a team member can
read back: which sign, or `imminent`, led to the tier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.codes import Sign, Tier

IMMINENT_SIGNS = frozenset({Sign.SUICIDE_ATTEMPT, Sign.WEAPON, Sign.MISSING_AFTER_THREAT})
# 000 item 8: tendencies to suicide, self-harm, harming others or destroying property.
SERIOUS_SIGNS = frozenset({Sign.SUICIDAL_IDEATION, Sign.SELF_HARM, Sign.HARM_TO_OTHERS,
                           Sign.PROPERTY_DESTRUCTION})
# Three or more distinct general signs together are proposed as serious.
MANY_SIGNS = 3


@dataclass(frozen=True)
class Proposal:
    tier: Tier
    reasons: list[str]


def propose(signs: Iterable[Sign], *, imminent: bool) -> Proposal:
    seen = set(signs)
    if imminent or seen & IMMINENT_SIGNS:
        reasons = ["imminent"] if imminent else []
        return Proposal(Tier.CRISIS, reasons + _codes(seen & IMMINENT_SIGNS))
    if seen & SERIOUS_SIGNS:
        return Proposal(Tier.SERIOUS, _codes(seen & SERIOUS_SIGNS))
    if len(seen) >= MANY_SIGNS:
        return Proposal(Tier.SERIOUS, ["many_signs", *_codes(seen)])
    if seen:
        return Proposal(Tier.GENERAL, _codes(seen))
    return Proposal(Tier.NONE, ["no_signs"])


def _codes(signs: Iterable[Sign]) -> list[str]:
    return sorted(f"sign:{sign.value}" for sign in signs)

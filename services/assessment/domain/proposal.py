"""The proposed tier, from the signs reported, the instruments scored and the key-concern
flags (001 三(三)2; 000 items 3, 6 and 8).

Only a proposal: a person decides (DOMAIN.md, Assessed). Reasons are codes a team member can
read back: which sign, which instrument result, `imminent`, or which key concern led to the
tier. Only the findings that reach the proposed tier explain it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.codes import Instrument, KeyConcern, Sign, Tier
from contracts.events.base import ScreenResult

IMMINENT_SIGNS = frozenset({Sign.SUICIDE_ATTEMPT, Sign.WEAPON, Sign.MISSING_AFTER_THREAT})
# 000 item 8: tendencies to suicide, self-harm, harming others or destroying property.
SERIOUS_SIGNS = frozenset({Sign.SUICIDAL_IDEATION, Sign.SELF_HARM, Sign.HARM_TO_OTHERS,
                           Sign.PROPERTY_DESTRUCTION})
# Three or more distinct general signs together are proposed as serious.
MANY_SIGNS = 3

# What each instrument's result band means for the tier (bands not listed add nothing).
# ASQ: an acute positive needs an immediate safety evaluation; a non-acute positive a brief
# suicide safety assessment. C-SSRS screener: high risk is acute, moderate needs a
# professional assessment, low is watched in counselling. PHQ: moderately severe and severe
# depression need active treatment; moderate, watchful counselling.
BAND_TIERS: dict[tuple[Instrument, str], Tier] = {
    (Instrument.ASQ, "acute_positive"): Tier.CRISIS,
    (Instrument.ASQ, "non_acute_positive"): Tier.SERIOUS,
    (Instrument.CSSRS_SCREENER, "high"): Tier.CRISIS,
    (Instrument.CSSRS_SCREENER, "moderate"): Tier.SERIOUS,
    (Instrument.CSSRS_SCREENER, "low"): Tier.GENERAL,
    **{(phq, band): tier for phq in (Instrument.PHQ_9, Instrument.PHQ_A)
       for band, tier in (("severe", Tier.SERIOUS), ("moderately_severe", Tier.SERIOUS),
                          ("moderate", Tier.GENERAL))},
}
# A flagged item (PHQ item 9, PHQ-A suicide questions) asks for a suicide risk assessment.
FLAGGED_ITEM_TIER = Tier.SERIOUS
_PHQ = frozenset({Instrument.PHQ_9, Instrument.PHQ_A})

_BY_RANK = sorted(Tier, key=lambda tier: tier.rank)


@dataclass(frozen=True)
class Proposal:
    tier: Tier
    reasons: list[str]


@dataclass(frozen=True)
class _Finding:
    tier: Tier
    reasons: list[str]


def propose(signs: Iterable[Sign], *, imminent: bool, screens: Iterable[ScreenResult] = (),
            key_concerns: Iterable[KeyConcern] = ()) -> Proposal:
    findings = [_from_signs(set(signs), imminent)]
    findings += [finding for screen in screens for finding in _from_screen(screen)]
    top = max((finding.tier for finding in findings), key=lambda tier: tier.rank)
    reasons = [reason for finding in findings if finding.tier == top
               for reason in finding.reasons]
    concerns = sorted({KeyConcern(concern) for concern in key_concerns})
    if concerns and top is not Tier.CRISIS:
        # A report about a key-concern student is reviewed one tier higher (000 item 3).
        raised = _BY_RANK[top.rank + 1]
        return Proposal(raised, [*(reasons if top is not Tier.NONE else []),
                                 *(f"key_concern:{concern.value}" for concern in concerns)])
    return Proposal(top, reasons or ["no_signs"])


def _from_signs(seen: set[Sign], imminent: bool) -> _Finding:
    if imminent or seen & IMMINENT_SIGNS:
        reasons = ["imminent"] if imminent else []
        return _Finding(Tier.CRISIS, reasons + _codes(seen & IMMINENT_SIGNS))
    if seen & SERIOUS_SIGNS:
        return _Finding(Tier.SERIOUS, _codes(seen & SERIOUS_SIGNS))
    if len(seen) >= MANY_SIGNS:
        return _Finding(Tier.SERIOUS, ["many_signs", *_codes(seen)])
    if seen:
        return _Finding(Tier.GENERAL, _codes(seen))
    return _Finding(Tier.NONE, [])


def _from_screen(screen: ScreenResult) -> list[_Finding]:
    prefix = f"instrument:{screen.instrument.value}"
    tier = BAND_TIERS.get((screen.instrument, screen.band), Tier.NONE)
    if screen.acute:  # whatever the band table says, an acute result cannot wait
        tier = Tier.CRISIS
    findings = [_Finding(tier, [f"{prefix}:{screen.band}"])]
    if screen.instrument in _PHQ:
        findings += [_Finding(FLAGGED_ITEM_TIER, [f"{prefix}:item:{item}"])
                     for item in screen.flagged_items]
    return findings


def _codes(signs: Iterable[Sign]) -> list[str]:
    return sorted(f"sign:{sign.value}" for sign in signs)

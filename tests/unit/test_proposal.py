"""The proposed tier and its reason codes, rule by rule (services/assessment/domain/proposal.py)."""

from __future__ import annotations

import pytest

from contracts.codes import Sign, Tier
from services.assessment.domain.proposal import propose

GENERAL_SIGNS = [Sign.THOUGHT_CHANGE, Sign.GRADE_SWING, Sign.FAMILY_CHANGE,
                 Sign.EMOTIONAL_ABNORMALITY, Sign.BEHAVIOURAL_ABNORMALITY]


@pytest.mark.parametrize(
    ("signs", "imminent", "tier", "reasons"),
    [
        pytest.param([], True, Tier.CRISIS, ["imminent"],
                     id="the imminent flag alone is a crisis"),
        pytest.param([Sign.THOUGHT_CHANGE], True, Tier.CRISIS, ["imminent"],
                     id="the imminent flag outranks a general sign"),
        pytest.param([Sign.SELF_HARM], True, Tier.CRISIS, ["imminent"],
                     id="the imminent flag outranks a serious sign"),
        pytest.param([Sign.SUICIDE_ATTEMPT], False, Tier.CRISIS, ["sign:suicide_attempt"],
                     id="a suicide attempt is a crisis"),
        pytest.param([Sign.WEAPON], False, Tier.CRISIS, ["sign:weapon"],
                     id="a weapon is a crisis"),
        pytest.param([Sign.MISSING_AFTER_THREAT], False, Tier.CRISIS,
                     ["sign:missing_after_threat"],
                     id="missing after a threat is a crisis"),
        pytest.param([Sign.WEAPON], True, Tier.CRISIS, ["imminent", "sign:weapon"],
                     id="the imminent flag comes first, then the imminent signs"),
        pytest.param([Sign.WEAPON, Sign.SUICIDE_ATTEMPT, Sign.SELF_HARM, Sign.GRADE_SWING],
                     False, Tier.CRISIS, ["sign:suicide_attempt", "sign:weapon"],
                     id="only imminent signs explain a crisis, sorted"),
        pytest.param([Sign.SUICIDAL_IDEATION], False, Tier.SERIOUS, ["sign:suicidal_ideation"],
                     id="suicidal ideation is serious"),
        pytest.param([Sign.SELF_HARM], False, Tier.SERIOUS, ["sign:self_harm"],
                     id="self-harm is serious"),
        pytest.param([Sign.HARM_TO_OTHERS], False, Tier.SERIOUS, ["sign:harm_to_others"],
                     id="harm to others is serious"),
        pytest.param([Sign.PROPERTY_DESTRUCTION], False, Tier.SERIOUS,
                     ["sign:property_destruction"],
                     id="a tendency to destroy property is serious (000 item 8)"),
        pytest.param([Sign.SELF_HARM, Sign.SUICIDAL_IDEATION, Sign.THOUGHT_CHANGE], False,
                     Tier.SERIOUS, ["sign:self_harm", "sign:suicidal_ideation"],
                     id="only serious signs explain a serious tier, sorted"),
        pytest.param([Sign.THOUGHT_CHANGE, Sign.GRADE_SWING, Sign.FAMILY_CHANGE], False,
                     Tier.SERIOUS,
                     ["many_signs", "sign:family_change", "sign:grade_swing",
                      "sign:thought_change"],
                     id="three general signs together are serious"),
        pytest.param(GENERAL_SIGNS, False, Tier.SERIOUS,
                     ["many_signs", *sorted(f"sign:{s.value}" for s in GENERAL_SIGNS)],
                     id="every general sign together is serious"),
        pytest.param([Sign.GRADE_SWING], False, Tier.GENERAL, ["sign:grade_swing"],
                     id="one general sign is general"),
        pytest.param([Sign.FAMILY_CHANGE, Sign.EMOTIONAL_ABNORMALITY], False, Tier.GENERAL,
                     ["sign:emotional_abnormality", "sign:family_change"],
                     id="two general signs are general"),
        pytest.param([Sign.GRADE_SWING, Sign.GRADE_SWING, Sign.GRADE_SWING], False,
                     Tier.GENERAL, ["sign:grade_swing"],
                     id="the same sign reported three times counts once"),
        pytest.param([], False, Tier.NONE, ["no_signs"],
                     id="no signs and no danger is tier none"),
    ],
)
def test_the_proposal_follows_the_rule_for_the_signs_reported(
        signs: list[Sign], imminent: bool, tier: Tier, reasons: list[str]) -> None:
    proposal = propose(signs, imminent=imminent)
    assert proposal.tier == tier
    assert proposal.reasons == reasons


@pytest.mark.parametrize("sign", GENERAL_SIGNS)
def test_any_single_general_sign_is_proposed_as_general(sign: Sign) -> None:
    assert propose([sign], imminent=False).tier == Tier.GENERAL


def test_the_proposal_accepts_any_iterable_of_signs() -> None:
    proposal = propose(iter([Sign.SELF_HARM]), imminent=False)
    assert proposal.tier == Tier.SERIOUS
    assert proposal.reasons == ["sign:self_harm"]

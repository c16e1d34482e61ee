"""The proposed tier and its reason codes, rule by rule: signs, instrument results and
key-concern flags (services/assessment/domain/proposal.py)."""

from __future__ import annotations

import pytest

from contracts.codes import Instrument, KeyConcern, Sign, Tier
from contracts.events.base import ScreenResult
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


def screen(instrument: Instrument, band: str, *, positive: bool = False, acute: bool = False,
           flagged: list[str] | None = None) -> ScreenResult:
    return ScreenResult(instrument=instrument, band=band, positive=positive, acute=acute,
                        flagged_items=flagged or [])


ASQ, CSSRS, PHQ_9, PHQ_A = (Instrument.ASQ, Instrument.CSSRS_SCREENER, Instrument.PHQ_9,
                            Instrument.PHQ_A)


@pytest.mark.parametrize(
    ("screens", "tier", "reasons"),
    [
        pytest.param([screen(ASQ, "acute_positive", positive=True, acute=True)], Tier.CRISIS,
                     ["instrument:asq:acute_positive"], id="an acute ASQ is a crisis"),
        pytest.param([screen(ASQ, "non_acute_positive", positive=True)], Tier.SERIOUS,
                     ["instrument:asq:non_acute_positive"],
                     id="a non-acute positive ASQ is serious"),
        pytest.param([screen(ASQ, "negative")], Tier.NONE, ["instrument:asq:negative"],
                     id="a negative ASQ explains tier none"),
        pytest.param([screen(CSSRS, "high", positive=True, acute=True)], Tier.CRISIS,
                     ["instrument:cssrs_screener:high"], id="a high C-SSRS risk is a crisis"),
        pytest.param([screen(CSSRS, "moderate", positive=True)], Tier.SERIOUS,
                     ["instrument:cssrs_screener:moderate"],
                     id="a moderate C-SSRS risk is serious"),
        pytest.param([screen(CSSRS, "low")], Tier.GENERAL, ["instrument:cssrs_screener:low"],
                     id="a low C-SSRS risk is general"),
        pytest.param([screen(PHQ_9, "severe", positive=True)], Tier.SERIOUS,
                     ["instrument:phq_9:severe"], id="severe depression is serious"),
        pytest.param([screen(PHQ_A, "moderately_severe", positive=True)], Tier.SERIOUS,
                     ["instrument:phq_a:moderately_severe"],
                     id="moderately severe depression is serious"),
        pytest.param([screen(PHQ_A, "moderate", positive=True)], Tier.GENERAL,
                     ["instrument:phq_a:moderate"], id="moderate depression is general"),
        pytest.param([screen(PHQ_9, "mild")], Tier.NONE, ["instrument:phq_9:mild"],
                     id="mild depression is tier none"),
        pytest.param([screen(PHQ_9, "minimal", positive=True, flagged=["q9"])], Tier.SERIOUS,
                     ["instrument:phq_9:item:q9"],
                     id="thoughts of self-harm on PHQ item 9 are at least serious"),
        pytest.param([screen(PHQ_A, "mild", positive=True, flagged=["sui_ever"])],
                     Tier.SERIOUS, ["instrument:phq_a:item:sui_ever"],
                     id="a past attempt on the PHQ-A is at least serious"),
        pytest.param([screen(PHQ_9, "moderate", positive=True),
                      screen(CSSRS, "moderate", positive=True)], Tier.SERIOUS,
                     ["instrument:cssrs_screener:moderate"],
                     id="only the results reaching the tier explain it"),
        pytest.param([screen(PHQ_A, "severe", positive=True, flagged=["q9"]),
                      screen(ASQ, "non_acute_positive", positive=True)], Tier.SERIOUS,
                     ["instrument:phq_a:severe", "instrument:phq_a:item:q9",
                      "instrument:asq:non_acute_positive"],
                     id="every result reaching the tier is listed"),
    ],
)
def test_instrument_results_are_proposed_by_their_band(
        screens: list[ScreenResult], tier: Tier, reasons: list[str]) -> None:
    proposal = propose([], imminent=False, screens=screens)
    assert (proposal.tier, proposal.reasons) == (tier, reasons)


def test_signs_and_results_at_the_same_tier_both_explain_it() -> None:
    proposal = propose([Sign.SELF_HARM], imminent=False,
                       screens=[screen(CSSRS, "moderate", positive=True)])
    assert proposal.reasons == ["sign:self_harm", "instrument:cssrs_screener:moderate"]


def test_an_acute_result_outranks_a_general_sign() -> None:
    proposal = propose([Sign.GRADE_SWING], imminent=False,
                       screens=[screen(ASQ, "acute_positive", positive=True, acute=True)])
    assert (proposal.tier, proposal.reasons) == (Tier.CRISIS, ["instrument:asq:acute_positive"])


@pytest.mark.parametrize(
    ("signs", "screens", "concerns", "tier", "reasons"),
    [
        pytest.param([], [], [KeyConcern.LEFT_BEHIND], Tier.GENERAL,
                     ["key_concern:left_behind"],
                     id="a flagged student with no other sign is general for review"),
        pytest.param([Sign.GRADE_SWING], [], [KeyConcern.BEREAVED], Tier.SERIOUS,
                     ["sign:grade_swing", "key_concern:bereaved"],
                     id="a general sign about a flagged student is serious"),
        pytest.param([Sign.SELF_HARM], [], [KeyConcern.POVERTY, KeyConcern.MIGRANT],
                     Tier.CRISIS, ["sign:self_harm", "key_concern:migrant",
                                   "key_concern:poverty"],
                     id="a serious sign about a flagged student is a crisis"),
        pytest.param([], [screen(PHQ_A, "moderate", positive=True)],
                     [KeyConcern.BULLYING_VICTIM], Tier.SERIOUS,
                     ["instrument:phq_a:moderate", "key_concern:bullying_victim"],
                     id="a result about a flagged student is raised too"),
        pytest.param([Sign.WEAPON], [], [KeyConcern.SINGLE_PARENT], Tier.CRISIS,
                     ["sign:weapon"], id="a crisis cannot be raised further"),
        pytest.param([Sign.GRADE_SWING], [], [], Tier.GENERAL, ["sign:grade_swing"],
                     id="no flags, no raise"),
    ],
)
def test_a_report_about_a_flagged_student_is_proposed_one_tier_higher(
        signs: list[Sign], screens: list[ScreenResult], concerns: list[KeyConcern], tier: Tier,
        reasons: list[str]) -> None:
    proposal = propose(signs, imminent=False, screens=screens, key_concerns=concerns)
    assert (proposal.tier, proposal.reasons) == (tier, reasons)

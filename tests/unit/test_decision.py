"""The crisis team's decision: who took part, the rationale, and explicit overrides."""

from __future__ import annotations

import pytest

from casetrail.kernel import CaseRuleViolated
from contracts.codes import Tier
from services.assessment.domain.decision import Decision, check_decision, external_count

LEAD = {"role": "crisis_team", "id": "lead"}
DOCTOR = {"role": "external_professional", "id": "dr-1", "affiliation": "external",
          "organisation": "anding-hospital"}


def decision(tier: Tier, *, overrides: bool = False,
             participants: list[dict[str, str]] | None = None) -> Decision:
    return Decision(tier, "agreed in the meeting", participants or [LEAD],
                    overrides_proposal=overrides)


@pytest.mark.parametrize(
    ("proposed", "tier", "overrides"),
    [
        pytest.param("serious", Tier.SERIOUS, False, id="deciding the proposed tier"),
        pytest.param("serious", Tier.CRISIS, True, id="raising it, said explicitly"),
        pytest.param("general", Tier.NONE, True, id="lowering it, said explicitly"),
        pytest.param(None, Tier.GENERAL, False, id="deciding with no proposal yet"),
    ],
)
def test_a_decision_that_follows_the_rules_is_accepted(
        proposed: str | None, tier: Tier, overrides: bool) -> None:
    check_decision(decision(tier, overrides=overrides), proposed=proposed)


@pytest.mark.parametrize(
    ("proposed", "tier", "overrides", "refusal"),
    [
        pytest.param("serious", Tier.GENERAL, False, "proposed tier is serious; deciding "
                     "general overrides it", id="lowering the proposal silently"),
        pytest.param("general", Tier.CRISIS, False, "must be said explicitly",
                     id="raising the proposal silently"),
        pytest.param("serious", Tier.SERIOUS, True, "nothing to override",
                     id="an override that agrees with the proposal"),
        pytest.param(None, Tier.SERIOUS, True, "nothing to override: the proposed tier is "
                     "not yet made", id="an override with no proposal"),
    ],
)
def test_overriding_the_proposal_must_be_explicit(
        proposed: str | None, tier: Tier, overrides: bool, refusal: str) -> None:
    with pytest.raises(CaseRuleViolated, match=refusal):
        check_decision(decision(tier, overrides=overrides), proposed=proposed)


def test_an_override_still_needs_its_rationale() -> None:
    with pytest.raises(CaseRuleViolated, match="rationale"):
        check_decision(Decision(Tier.CRISIS, " ", [LEAD], overrides_proposal=True),
                       proposed="serious")


def test_an_external_professional_is_named_with_their_organisation() -> None:
    nameless = {"role": "external_professional", "id": "dr-2", "affiliation": "external"}
    with pytest.raises(CaseRuleViolated, match="dr-2 needs their organisation"):
        check_decision(decision(Tier.SERIOUS, participants=[LEAD, nameless]), proposed=None)


def test_an_affiliation_other_than_internal_or_external_is_refused() -> None:
    odd = {"role": "crisis_team", "id": "x", "affiliation": "visiting"}
    with pytest.raises(CaseRuleViolated, match="neither internal nor external"):
        check_decision(decision(Tier.SERIOUS, participants=[odd]), proposed=None)


def test_participants_without_an_affiliation_are_the_schools_own() -> None:
    assert external_count([LEAD, DOCTOR, {**DOCTOR, "id": "dr-3"}]) == 2
    assert external_count([LEAD]) == 0

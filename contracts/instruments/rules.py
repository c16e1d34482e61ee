"""The scoring rules, pure functions chosen by the rule name in an instrument's data."""

from __future__ import annotations

from contracts.events.base import ScreenResult
from contracts.instruments.answers import Answers
from contracts.instruments.definitions import (
    AnswerType,
    AsqRule,
    CssrsRisk,
    CssrsRule,
    InstrumentDefinition,
    TotalBandsRule,
)


def apply(definition: InstrumentDefinition, answers: Answers) -> ScreenResult:
    match definition.rule:
        case AsqRule():
            return _asq(definition, definition.rule, answers)
        case CssrsRule():
            return _cssrs(definition, definition.rule, answers)
        case TotalBandsRule():
            return _total_bands(definition, definition.rule, answers)


def _asq(definition: InstrumentDefinition, rule: AsqRule, answers: Answers) -> ScreenResult:
    # A blank screening item beside answered ones counts as a refusal: the student did not
    # say no. (A row with every screening item blank is refused as not answered on reading.)
    positive = any(answers[key] != "no" for key in rule.screen_items)
    # Item 5 is asked only after a positive; a yes to it is acute whatever came before,
    # since a student thinking of suicide right now is screened in regardless.
    acute = answers[rule.acute_item] == "yes"
    if acute:
        band = "acute_positive"
    elif positive:
        band = "non_acute_positive"
    else:
        band = "negative"
    flagged = [key for key in rule.screen_items if answers[key] != "no"]
    if acute:
        flagged.append(rule.acute_item)
    return ScreenResult(
        instrument=definition.instrument, band=band, positive=positive or acute, acute=acute,
        flagged_items=flagged,
    )


def _cssrs(definition: InstrumentDefinition, rule: CssrsRule, answers: Answers) -> ScreenResult:
    risks = [(key, risk) for key, risk in rule.risk_on_yes.items() if answers[key] == "yes"]
    if answers[rule.behaviour_item] == "yes":
        by_recency = rule.behaviour_risk
        recency = answers[rule.recency_item]
        risk_of_behaviour = (by_recency.past_3_months if recency == "past_3_months"
                             else by_recency.lifetime if recency == "lifetime"
                             else by_recency.unknown)
        risks.append((rule.behaviour_item, risk_of_behaviour))
    risk = max((r for _, r in risks), key=lambda r: r.rank, default=CssrsRisk.NONE)
    return ScreenResult(
        instrument=definition.instrument,
        band=risk.value,
        positive=risk.rank >= rule.positive_from.rank,
        acute=risk.rank >= rule.acute_from.rank,
        flagged_items=[key for key, _ in risks],
    )


def _total_bands(
    definition: InstrumentDefinition, rule: TotalBandsRule, answers: Answers
) -> ScreenResult:
    scored = [item.key for item in definition.items if item.answer is AnswerType.SCORE_0_3]
    total = sum(int(answers[key] or 0) for key in scored)
    band = next(b.band for b in rule.bands if b.min <= total <= b.max)
    flagged = [
        key for key, least in rule.flag_at_least.items() if int(answers[key] or 0) >= least
    ] + [key for key in rule.flag_on_yes if answers[key] == "yes"]
    return ScreenResult(
        instrument=definition.instrument,
        band=band,
        total=total,
        positive=total >= rule.positive_at_total or bool(flagged),
        flagged_items=flagged,
    )

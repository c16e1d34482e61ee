"""Instruments scored by their published rules (contracts/instruments), table by table."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.codes import Instrument
from contracts.instruments import INSTRUMENTS, InvalidAnswers, Language, items_of, score
from contracts.instruments.definitions import InstrumentDefinition

ASQ_NO = {"q1": "no", "q2": "no", "q3": "no", "q4": "no"}


@pytest.mark.parametrize(
    ("answers", "band", "positive", "acute", "flagged"),
    [
        pytest.param(ASQ_NO, "negative", False, False, [], id="all no is negative"),
        pytest.param(ASQ_NO | {"q2": "yes", "q5": "no"}, "non_acute_positive", True, False,
                     ["q2"], id="a yes to item 2 with no to item 5 is a non-acute positive"),
        pytest.param(ASQ_NO | {"q4": "yes"}, "non_acute_positive", True, False, ["q4"],
                     id="a past attempt alone is positive, item 5 not asked"),
        pytest.param(ASQ_NO | {"q1": "yes", "q5": "yes"}, "acute_positive", True, True,
                     ["q1", "q5"], id="a yes to item 5 is an acute positive"),
        pytest.param(ASQ_NO | {"q3": "refused"}, "non_acute_positive", True, False, ["q3"],
                     id="a refusal to answer is positive"),
        pytest.param(ASQ_NO | {"q3": ""}, "non_acute_positive", True, False, ["q3"],
                     id="a blank screening item counts as a refusal"),
        pytest.param({"q1": "no", "q2": "no", "q3": "no"}, "non_acute_positive", True, False,
                     ["q4"], id="a missing screening item counts as a refusal"),
        pytest.param({"q1": "", "q2": "", "q3": "拒答", "q4": ""}, "non_acute_positive", True,
                     False, ["q1", "q2", "q3", "q4"],
                     id="an explicit refusal beside blanks is a refusal, so positive"),
        pytest.param(ASQ_NO | {"q5": "yes"}, "acute_positive", True, True, ["q5"],
                     id="thoughts of suicide right now are acute even after four noes"),
        pytest.param({"q1": "是", "q2": "否", "q3": "否", "q4": "否", "q5": "否"},
                     "non_acute_positive", True, False, ["q1"],
                     id="the Chinese answers of a screening sheet are read"),
        pytest.param({"Q1": " YES ", "q2": "no", "q3": "no", "q4": "no"}, "non_acute_positive",
                     True, False, ["q1"], id="keys and answers are read case-insensitively"),
    ],
)
def test_asq_is_positive_on_any_yes_or_refusal_and_acute_on_item_5(
    answers: dict[str, str], band: str, positive: bool, acute: bool, flagged: list[str]
) -> None:
    result = score(Instrument.ASQ, answers)
    assert (result.band, result.positive, result.acute, result.flagged_items) == (
        band, positive, acute, flagged)
    assert result.total is None


CSSRS_NO = {"q1": "no", "q2": "no", "q6": "no"}
CSSRS_Q2 = {"q1": "yes", "q2": "yes", "q3": "no", "q4": "no", "q5": "no", "q6": "no"}


@pytest.mark.parametrize(
    ("answers", "band", "positive", "acute"),
    [
        pytest.param(CSSRS_NO, "none", False, False, id="all no is no risk"),
        pytest.param(CSSRS_NO | {"q1": "yes"}, "low", False, False,
                     id="a wish to be dead alone is low risk"),
        pytest.param(CSSRS_Q2, "low", False, False,
                     id="suicidal thoughts without method, intent or plan are low risk"),
        pytest.param(CSSRS_Q2 | {"q3": "yes"}, "moderate", True, False,
                     id="thoughts of a method are moderate risk"),
        pytest.param(CSSRS_Q2 | {"q4": "yes"}, "high", True, True,
                     id="intent to act is high risk"),
        pytest.param(CSSRS_Q2 | {"q5": "yes"}, "high", True, True,
                     id="a plan with intent is high risk"),
        pytest.param(CSSRS_NO | {"q6": "yes", "q6_recency": "lifetime"}, "moderate", True, False,
                     id="behaviour more than three months ago is moderate risk"),
        pytest.param(CSSRS_NO | {"q6": "yes", "q6_recency": "past_3_months"}, "high", True, True,
                     id="behaviour within the past three months is high risk"),
        pytest.param(CSSRS_NO | {"q6": "yes", "q6_recency": ""}, "high", True, True,
                     id="behaviour of unrecorded recency is counted as recent"),
        pytest.param(CSSRS_Q2 | {"q3": "yes", "q6": "yes", "q6_recency": "past_3_months"},
                     "high", True, True, id="the highest risk of any answer counts"),
        pytest.param(CSSRS_NO | {"q3": "", "q4": None}, "none", False, False,
                     id="items 3 to 5 may be blank after a no to item 2"),
    ],
)
def test_cssrs_screener_triages_by_its_published_rules(
    answers: dict[str, str | None], band: str, positive: bool, acute: bool
) -> None:
    result = score(Instrument.CSSRS_SCREENER, answers)
    assert (result.band, result.positive, result.acute) == (band, positive, acute)


def test_cssrs_screener_flags_the_items_answered_yes() -> None:
    answers = CSSRS_Q2 | {"q3": "yes", "q6": "yes", "q6_recency": "lifetime"}
    assert score(Instrument.CSSRS_SCREENER, answers).flagged_items == ["q1", "q2", "q3", "q6"]


def phq(*scores: int, **extra: str) -> dict[str, str | int | None]:
    answers: dict[str, str | int | None] = {f"q{n}": s for n, s in enumerate(scores, 1)}
    return answers | dict(extra)


@pytest.mark.parametrize("instrument", [Instrument.PHQ_9, Instrument.PHQ_A])
@pytest.mark.parametrize(
    ("answers", "total", "band", "positive", "flagged"),
    [
        pytest.param(phq(0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal", False, [], id="0 is minimal"),
        pytest.param(phq(1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal", False, [], id="4 is minimal"),
        pytest.param(phq(1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild", False, [], id="5 is mild"),
        pytest.param(phq(3, 3, 3, 0, 0, 0, 0, 0, 0), 9, "mild", False, [], id="9 is mild"),
        pytest.param(phq(3, 3, 3, 1, 0, 0, 0, 0, 0), 10, "moderate", True, [],
                     id="10 is moderate and the cut point"),
        pytest.param(phq(3, 3, 3, 3, 2, 0, 0, 0, 0), 14, "moderate", True, [],
                     id="14 is moderate"),
        pytest.param(phq(3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately_severe", True, [],
                     id="15 is moderately severe"),
        pytest.param(phq(3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "moderately_severe", True, [],
                     id="19 is moderately severe"),
        pytest.param(phq(3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe", True, [], id="20 is severe"),
        pytest.param(phq(3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe", True, ["q9"],
                     id="27 is severe"),
        pytest.param(phq(0, 0, 0, 0, 0, 0, 0, 0, 1), 1, "minimal", True, ["q9"],
                     id="any answer above 0 to item 9 is flagged and positive"),
        pytest.param({f"q{n}": "2" for n in range(1, 10)} | {"q9": "0"}, 16,
                     "moderately_severe", True, [], id="scores written as text are read"),
        pytest.param(phq(0, 0, 0, 0, 0, 0, 0, 0, 0, difficulty="very"), 0, "minimal", False, [],
                     id="the difficulty question is not scored"),
    ],
)
def test_phq_totals_fall_in_the_published_bands(
    instrument: Instrument, answers: dict[str, str | int | None], total: int, band: str,
    positive: bool, flagged: list[str],
) -> None:
    result = score(instrument, answers)
    assert (result.total, result.band, result.positive, result.flagged_items) == (
        total, band, positive, flagged)
    assert not result.acute


@pytest.mark.parametrize(
    ("extra", "positive", "flagged"),
    [
        pytest.param({"sui_month": "yes"}, True, ["sui_month"],
                     id="serious thoughts of suicide in the past month are flagged"),
        pytest.param({"sui_ever": "yes"}, True, ["sui_ever"],
                     id="a suicide attempt ever is flagged"),
        pytest.param({"past_year": "yes", "sui_month": "no", "sui_ever": "no"}, False, [],
                     id="a depressed past year alone is not flagged"),
    ],
)
def test_phq_a_flags_a_yes_to_its_suicide_questions(
    extra: dict[str, str], positive: bool, flagged: list[str]
) -> None:
    result = score(Instrument.PHQ_A, phq(0, 0, 0, 0, 0, 0, 0, 0, 0, **extra))
    assert (result.positive, result.flagged_items) == (positive, flagged)


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        pytest.param(Instrument.PHQ_9, phq(0, 0, 0, 0, 0, 0, 0, 0), "q9: not answered",
                     id="a PHQ item left blank cannot be totalled"),
        pytest.param(Instrument.PHQ_9, phq(0, 0, 0, 0, 4, 0, 0, 0, 0), "q5: is not a score",
                     id="a PHQ score above 3 is refused"),
        pytest.param(Instrument.PHQ_A, phq(0, 0, 0, 0, 0, 0, 0, 0, 0, sui_month="maybe"),
                     "sui_month: is not one of yes/no",
                     id="an answer outside the item's answers is refused"),
        pytest.param(Instrument.PHQ_9, phq(0, 0, 0, 0, 0, 0, 0, 0, 0, sui_ever="yes"),
                     "are not items of phq_9",
                     id="an item the instrument does not have is refused, not repeated"),
        pytest.param(Instrument.ASQ, ASQ_NO | {"q1": "often"}, "q1: is not one of",
                     id="an ASQ answer other than yes, no or refused is refused"),
        pytest.param(Instrument.CSSRS_SCREENER, {"q1": "yes", "q2": "yes", "q6": "no"},
                     "q3: not answered after a yes to q2",
                     id="items 3 to 5 must be answered after a yes to item 2"),
        pytest.param(Instrument.CSSRS_SCREENER, {"q1": "no", "q2": "no"}, "q6: not answered",
                     id="the behaviour question must be answered"),
        pytest.param(Instrument.ASQ, {"q1": "", "q2": None, "q3": " ", "q4": ""},
                     "q1: not answered", id="an ASQ with every screening item blank was not "
                     "answered, which is not a refusal"),
        pytest.param(Instrument.ASQ, {"q5": "no"}, "q1: not answered",
                     id="an ASQ with only item 5 answered was not screened"),
        pytest.param(Instrument.PHQ_9, {}, "q1: not answered",
                     id="a PHQ with every item blank was not answered"),
        pytest.param(Instrument.CSSRS_SCREENER, {"q1": "", "q2": ""}, "q1: not answered",
                     id="a C-SSRS with every item blank was not answered"),
        pytest.param(Instrument.CSSRS_SCREENER, CSSRS_NO | {"q6": "yes", "q6_recency": "soon"},
                     "q6_recency: is not one of past_3_months/lifetime",
                     id="an unknown recency is refused"),
    ],
)
def test_answers_that_cannot_be_scored_are_refused_naming_the_item(
    instrument: Instrument, answers: dict[str, str | int | None], message: str
) -> None:
    with pytest.raises(InvalidAnswers, match=message):
        score(instrument, answers)


def test_an_unknown_answer_key_is_not_repeated_back() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        score(Instrument.ASQ, ASQ_NO | {"王小明 13800000000": "yes"})
    assert "王小明" not in str(refused.value)
    assert refused.value.item is None


def test_every_instrument_is_data_with_its_items_in_order() -> None:
    assert set(INSTRUMENTS) == set(Instrument)
    assert items_of(Instrument.ASQ) == ["q1", "q2", "q3", "q4", "q5"]
    assert items_of(Instrument.CSSRS_SCREENER) == ["q1", "q2", "q3", "q4", "q5", "q6",
                                                   "q6_recency"]
    assert items_of(Instrument.PHQ_9) == [f"q{n}" for n in range(1, 10)] + ["difficulty"]
    assert items_of(Instrument.PHQ_A)[9:] == ["past_year", "difficulty", "sui_month",
                                              "sui_ever"]


def test_every_item_is_worded_in_chinese_and_english() -> None:
    for definition in INSTRUMENTS.values():
        assert set(definition.languages) == {Language.ZH, Language.EN}
        assert all(item.text[Language.ZH] and item.text[Language.EN]
                   for item in definition.items)


def phq9_data() -> dict[str, object]:
    path = Path(__file__).parents[2] / "contracts" / "instruments" / "phq_9.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_a_data_file_whose_bands_leave_a_gap_is_refused() -> None:
    data = phq9_data()
    data["rule"]["bands"][1]["min"] = 6  # type: ignore[index]
    with pytest.raises(ValidationError, match="band mild does not start at 5"):
        InstrumentDefinition.model_validate(data)


def test_a_data_file_missing_a_language_version_is_refused() -> None:
    data = phq9_data()
    del data["items"][0]["text"]["en"]  # type: ignore[index]
    with pytest.raises(ValidationError, match="q1 has no wording"):
        InstrumentDefinition.model_validate(data)


def test_a_rule_naming_an_item_the_instrument_lacks_is_refused() -> None:
    data = phq9_data()
    data["rule"]["flag_on_yes"] = ["sui_month"]  # type: ignore[index]
    with pytest.raises(ValidationError, match="unknown items"):
        InstrumentDefinition.model_validate(data)


def test_a_refusal_carries_the_item_it_names() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        score(Instrument.PHQ_9, phq(0, 0, 0, 0, 0, 0, 0, 0))
    assert refused.value.item == "q9"

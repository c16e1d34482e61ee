"""Instruments as data: the TOML files beside this module, loaded and checked once.

An instrument's items (with their wording in each language), answer types and scoring
parameters live in its data file; the scoring code is chosen by the rule's name.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.codes import Instrument

ItemKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class AnswerType(StrEnum):
    YES_NO = "yes_no"
    YES_NO_REFUSED = "yes_no_refused"
    SCORE_0_3 = "score_0_3"
    RECENCY = "recency"  # when the reported behaviour happened
    DIFFICULTY = "difficulty"  # PHQ functional-difficulty question, not scored


class CssrsRisk(StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(CssrsRisk).index(self)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Data):
    key: ItemKey
    answer: AnswerType
    text: dict[Language, str]
    required: bool = True
    required_when_yes: ItemKey | None = None  # asked, and required, only after a yes to that item


class AsqRule(_Data):
    name: Literal["asq"]
    screen_items: list[ItemKey]  # a yes or a refusal to any of these is positive
    acute_item: ItemKey  # asked only after a positive; a yes is an acute positive


class CssrsRule(_Data):
    name: Literal["cssrs_screener"]
    risk_on_yes: dict[ItemKey, CssrsRisk]
    behaviour_item: ItemKey
    recency_item: ItemKey
    behaviour_risk: dict[Literal["past_3_months", "lifetime", "unknown"], CssrsRisk]
    positive_from: CssrsRisk
    acute_from: CssrsRisk


class Band(_Data):
    band: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class TotalBandsRule(_Data):
    """Items answered 0-3 are summed; the total falls in one band."""

    name: Literal["total_bands"]
    bands: list[Band]
    positive_at_total: int
    flag_at_least: dict[ItemKey, int] = Field(default_factory=dict)
    flag_on_yes: list[ItemKey] = Field(default_factory=list)


Rule = Annotated[AsqRule | CssrsRule | TotalBandsRule, Field(discriminator="name")]


class InstrumentDefinition(_Data):
    instrument: Instrument
    name: dict[Language, str]
    languages: list[Language] = Field(min_length=1)
    rule: Rule
    items: list[Item] = Field(min_length=1)

    def item(self, key: str) -> Item | None:
        return next((item for item in self.items if item.key == key), None)

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError("item keys repeat")
        for item in self.items:
            missing = set(self.languages) - set(item.text)
            if missing:
                raise ValueError(f"{item.key} has no wording in {sorted(missing)}")
            if item.required_when_yes is not None and item.required_when_yes not in keys:
                raise ValueError(f"{item.key} depends on unknown item {item.required_when_yes}")
        unknown = set(_referenced(self.rule)) - set(keys)
        if unknown:
            raise ValueError(f"the rule names unknown items {sorted(unknown)}")
        if isinstance(self.rule, TotalBandsRule):
            _check_bands(self.rule.bands, 3 * _scored_count(self))
        return self


def _referenced(rule: AsqRule | CssrsRule | TotalBandsRule) -> list[str]:
    match rule:
        case AsqRule():
            return [*rule.screen_items, rule.acute_item]
        case CssrsRule():
            return [*rule.risk_on_yes, rule.behaviour_item, rule.recency_item]
        case TotalBandsRule():
            return [*rule.flag_at_least, *rule.flag_on_yes]


def _scored_count(definition: InstrumentDefinition) -> int:
    return sum(item.answer is AnswerType.SCORE_0_3 for item in definition.items)


def _check_bands(bands: list[Band], highest: int) -> None:
    """The bands must cover every possible total once, in order."""
    expected = 0
    for band in bands:
        if band.min != expected or band.max < band.min:
            raise ValueError(f"band {band.band} does not start at {expected}")
        expected = band.max + 1
    if expected != highest + 1:
        raise ValueError(f"the bands end at {expected - 1}, the highest total is {highest}")


def load(directory: Path = Path(__file__).parent) -> dict[Instrument, InstrumentDefinition]:
    definitions = [
        InstrumentDefinition.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.toml"))
    ]
    loaded = {definition.instrument: definition for definition in definitions}
    if set(loaded) != set(Instrument) or len(loaded) != len(definitions):
        raise ValueError(f"expected one data file per instrument, found {sorted(loaded)}")
    return loaded

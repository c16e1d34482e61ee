"""Screening and assessment instruments, as data, scored by their published rules.

Shared published language: intake scores screening files with it, assessment scores the
instruments given during an assessment. Only the result codes (a ScreenResult) cross the bus.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.codes import Instrument
from contracts.events.base import ScreenResult
from contracts.instruments import answers, rules
from contracts.instruments.answers import InvalidAnswers
from contracts.instruments.definitions import InstrumentDefinition, Language, load

INSTRUMENTS: dict[Instrument, InstrumentDefinition] = load()

__all__ = [
    "INSTRUMENTS",
    "InstrumentDefinition",
    "InvalidAnswers",
    "Language",
    "items_of",
    "score",
]


def items_of(instrument: Instrument) -> list[str]:
    """The answer keys of the instrument, in the order they are asked."""
    return [item.key for item in INSTRUMENTS[instrument].items]


def score(instrument: Instrument, raw: Mapping[str, str | int | None]) -> ScreenResult:
    """Score one set of raw answers; InvalidAnswers names the item that cannot be read."""
    definition = INSTRUMENTS[instrument]
    return rules.apply(definition, answers.read(definition, raw))

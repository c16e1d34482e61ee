"""Reading raw answers (spreadsheet cells, form values) into the values the rules score."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.instruments.definitions import AnswerType, InstrumentDefinition, Item

Raw = str | int | None


class InvalidAnswers(ValueError):
    """The answers cannot be scored; the message names the item (None: the answers as a
    whole) and why."""

    def __init__(self, item: str | None, why: str) -> None:
        super().__init__(f"{item}: {why}" if item else why)
        self.item = item


# Accepted spellings per answer, including the Chinese a school's screening sheet uses.
_SPELLINGS: dict[AnswerType, dict[str, tuple[str, ...]]] = {
    AnswerType.YES_NO: {"yes": ("yes", "y", "是", "有"), "no": ("no", "n", "否", "无", "没有")},
    AnswerType.YES_NO_REFUSED: {
        "yes": ("yes", "y", "是", "有"),
        "no": ("no", "n", "否", "无", "没有"),
        "refused": ("refused", "拒答", "拒绝回答"),
    },
    AnswerType.RECENCY: {
        "past_3_months": ("past_3_months", "过去三个月内", "三个月内"),
        "lifetime": ("lifetime", "三个月以前", "三个月前"),
    },
    AnswerType.DIFFICULTY: {
        "not_at_all": ("not_at_all", "0", "没有困难"),
        "somewhat": ("somewhat", "1", "有些困难"),
        "very": ("very", "2", "非常困难"),
        "extremely": ("extremely", "3", "极其困难"),
    },
}

Answers = dict[str, str | int | None]
NOT_A_SCORE = "is not a score from 0 to 3"


def read(definition: InstrumentDefinition, raw: Mapping[str, Raw]) -> Answers:
    """Each known item's answer as a canonical value, None where not answered."""
    answers = {key.strip().lower(): value for key, value in raw.items()}
    known = [item.key for item in definition.items]
    if unknown := set(answers) - set(known):
        # Not repeated back: a key is the client's text, and could carry anything.
        raise InvalidAnswers(None, f"{len(unknown)} key(s) are not items of "
                                   f"{definition.instrument} (its items: {', '.join(known)})")
    read_answers: Answers = {
        item.key: _value(item, answers.get(item.key)) for item in definition.items
    }
    asked = [item.key for item in definition.items
             if item.required and item.required_when_yes is None]
    if all(read_answers[key] is None for key in asked):
        # Nothing was answered: the instrument was not given, which is not a refusal to answer.
        raise InvalidAnswers(asked[0], "not answered (every item is blank)")
    for item in definition.items:
        if read_answers[item.key] is not None:
            continue
        if item.required_when_yes is not None:
            if read_answers[item.required_when_yes] == "yes":
                raise InvalidAnswers(
                    item.key, f"not answered after a yes to {item.required_when_yes}"
                )
        elif item.required and item.answer is not AnswerType.YES_NO_REFUSED:
            # A blank yes/no/refused item beside answered ones is read as a refusal by the rule.
            raise InvalidAnswers(item.key, "not answered")
    return read_answers


def _value(item: Item, raw: Raw) -> str | int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if item.answer is AnswerType.SCORE_0_3:
        return _score(item, raw)
    text = str(raw).strip().lower()
    for value, spellings in _SPELLINGS[item.answer].items():
        if text in spellings:
            return value
    # The answer itself is not repeated: it is a minor's health record.
    raise InvalidAnswers(item.key, f"is not one of {'/'.join(_SPELLINGS[item.answer])}")


def _score(item: Item, raw: str | int) -> int:
    if isinstance(raw, bool):
        raise InvalidAnswers(item.key, NOT_A_SCORE)
    try:
        value = int(raw.strip()) if isinstance(raw, str) else raw
    except ValueError:
        raise InvalidAnswers(item.key, NOT_A_SCORE) from None
    if not 0 <= value <= 3:
        raise InvalidAnswers(item.key, NOT_A_SCORE)
    return value

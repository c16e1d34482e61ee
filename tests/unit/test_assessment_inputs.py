"""What the assessment takes into account besides signs: screening results, instruments
given during the assessment, key-concern flags, incidents; and reopening after closure."""

from __future__ import annotations

from typing import TypeVar
from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Instrument, KeyConcern, Sign, Tier
from contracts.events.base import ScreenResult
from contracts.instruments import InvalidAnswers
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision

T = TypeVar("T")
KEY = "student-key-1"
ASQ_ACUTE = ScreenResult(instrument=Instrument.ASQ, band="acute_positive", positive=True,
                         acute=True, flagged_items=["q1", "q5"])
PHQ_MILD = {f"q{n}": 1 for n in range(1, 10)} | {"q9": 0}  # total 8


def meta() -> EventMeta:
    return EventMeta.by("psych_teacher", "p1")


def reported(*signs: Sign, key_concerns: list[KeyConcern] | None = None,
             screen: ScreenResult | None = None) -> Assessment:
    assessment = Assessment.open(uuid4(), KEY, meta())
    assessment.consider(uuid4(), list(signs), False, meta(), key_concerns=key_concerns,
                        screen=screen)
    return assessment


def of_type(assessment: Assessment, kind: type[T]) -> list[T]:
    return [e for e in assessment.collect_events() if isinstance(e, kind)]


def test_a_screening_result_sent_with_the_report_counts_in_the_proposal() -> None:
    assessment = reported(screen=ASQ_ACUTE)
    assert assessment.proposed_tier == Tier.CRISIS
    assert assessment.reasons == ["instrument:asq:acute_positive"]
    assert assessment.screens["asq"]["band"] == "acute_positive"
    assert not assessment.crisis_path_started  # a screen is not an imminent report


def test_a_flagged_student_with_no_other_sign_is_proposed_general_for_review() -> None:
    assessment = reported(key_concerns=[KeyConcern.LEFT_BEHIND])
    assert assessment.key_concerns == ["left_behind"]
    assert assessment.proposed_tier == Tier.GENERAL
    assert assessment.reasons == ["key_concern:left_behind"]
    [considered] = of_type(assessment, Assessment.KeyConcernsConsidered)
    assert considered.key_concerns == ["left_behind"]


def test_a_report_without_flags_leaves_the_flags_as_they_are() -> None:
    assessment = reported(Sign.GRADE_SWING, key_concerns=[KeyConcern.BEREAVED])
    assessment.consider(uuid4(), [Sign.GRADE_SWING], False, meta(), key_concerns=[])
    assert assessment.key_concerns == ["bereaved"]
    assert assessment.proposed_tier == Tier.SERIOUS
    assert len(of_type(assessment, Assessment.KeyConcernsConsidered)) == 1


def test_changed_flags_are_considered_and_the_tier_proposed_again() -> None:
    assessment = reported(Sign.GRADE_SWING)
    assessment.collect_events()
    assessment.note_key_concerns([KeyConcern.POVERTY, KeyConcern.LEFT_BEHIND], meta())
    assert assessment.proposed_tier == Tier.SERIOUS
    assert assessment.reasons == ["sign:grade_swing", "key_concern:left_behind",
                                  "key_concern:poverty"]
    assessment.note_key_concerns([], meta())
    assert assessment.proposed_tier == Tier.GENERAL
    events = assessment.collect_events()
    assert [type(e) for e in events] == [
        Assessment.KeyConcernsConsidered, Assessment.TierProposed,
        Assessment.KeyConcernsConsidered, Assessment.TierProposed]


def test_the_same_flags_again_change_nothing() -> None:
    assessment = reported(key_concerns=[KeyConcern.MIGRANT])
    assessment.collect_events()
    assessment.note_key_concerns([KeyConcern.MIGRANT, KeyConcern.MIGRANT], meta())
    assert assessment.collect_events() == []


def test_an_instrument_is_scored_recorded_with_its_answers_and_the_tier_proposed_again() -> None:
    assessment = reported(Sign.GRADE_SWING)
    result = assessment.score_instrument(Instrument.PHQ_A, PHQ_MILD | {"q9": 2}, "zh", meta())
    assert (result.total, result.band, result.flagged_items) == (10, "moderate", ["q9"])
    assert assessment.proposed_tier == Tier.SERIOUS
    assert assessment.reasons == ["instrument:phq_a:item:q9"]
    [scored] = of_type(assessment, Assessment.InstrumentScored)
    assert isinstance(scored.answers, dict) and scored.answers["q9"] == 2
    assert scored.language == "zh"
    [instrument] = assessment.instruments
    assert instrument["band"] == "moderate"
    assert instrument["administered_by"] == {"role": "psych_teacher", "id": "p1"}


def test_a_later_result_of_the_same_instrument_replaces_the_earlier_one() -> None:
    assessment = reported(screen=ScreenResult(instrument=Instrument.PHQ_A, band="severe",
                                              total=22, positive=True))
    assert assessment.proposed_tier == Tier.SERIOUS
    assessment.score_instrument(Instrument.PHQ_A, PHQ_MILD, None, meta())
    assert assessment.proposed_tier == Tier.NONE
    assert assessment.screens["phq_a"]["band"] == "mild"


def test_answers_that_cannot_be_scored_record_nothing() -> None:
    assessment = reported(Sign.GRADE_SWING)
    assessment.collect_events()
    with pytest.raises(InvalidAnswers, match="q2: not answered"):
        assessment.score_instrument(Instrument.PHQ_9, {"q1": 3}, None, meta())
    assert assessment.collect_events() == []


def test_an_incident_starts_the_crisis_path_with_the_signs_so_far() -> None:
    assessment = reported(Sign.SELF_HARM)
    assessment.consider(uuid4(), [Sign.WEAPON], True, meta(), incident=True)
    [started] = of_type(assessment, Assessment.CrisisPathStarted)
    assert started.incident is True
    assert started.signs == ["self_harm", "weapon"]


def test_an_imminent_report_that_is_not_an_incident_says_so() -> None:
    assessment = reported()
    assessment.consider(uuid4(), [Sign.SUICIDE_ATTEMPT], True, meta())
    [started] = of_type(assessment, Assessment.CrisisPathStarted)
    assert started.incident is False
    assert started.signs == ["suicide_attempt"]


def test_a_closed_case_takes_no_instrument_until_reopened() -> None:
    assessment = reported(Sign.SELF_HARM)
    assessment.note_closed(meta())
    with pytest.raises(CaseRuleViolated, match="reopened"):
        assessment.score_instrument(Instrument.PHQ_9, PHQ_MILD, None, meta())
    assessment.note_reopened(meta())
    assessment.score_instrument(Instrument.PHQ_9, PHQ_MILD, None, meta())
    assert assessment.closed is False


def test_a_reopened_case_can_be_assessed_again() -> None:
    assessment = reported(Sign.SELF_HARM)
    team = [{"role": "crisis_team", "id": "lead"}]
    assessment.decide(Decision(Tier.SERIOUS, "first meeting", team), meta())
    assessment.note_closed(meta())
    with pytest.raises(CaseRuleViolated, match="closed"):
        assessment.decide(Decision(Tier.SERIOUS, "relapse", team), meta())
    assessment.note_reopened(meta())
    assessment.note_reopened(meta())  # a second notice of the same reopening changes nothing
    assessment.decide(Decision(Tier.SERIOUS, "relapse after the holidays", team), meta())
    assert [d["previous_tier"] for d in assessment.decisions] == [None, "serious"]
    assert len(of_type(assessment, Assessment.ReopeningNoted)) == 1

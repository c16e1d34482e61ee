"""A case's assessment: proposals from the reports, the crisis path, decisions by people."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Sign, Tier
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision

KEY = "student-key-1"
TEAM = [{"role": "crisis_team", "id": "t1"}, {"role": "psych_teacher", "id": "p1"}]


def meta(actor_id: str = "t1", *, at: datetime | None = None) -> EventMeta:
    return EventMeta.by("crisis_team", actor_id, occurred_at=at)


def opened(case_id: UUID | None = None) -> Assessment:
    return Assessment.open(case_id or uuid4(), KEY, meta())


def decide(assessment: Assessment, tier: Tier, rationale: str = "agreed in the meeting", *,
           participants: list[dict[str, str]] | None = None, overrides: bool = False,
           by: EventMeta | None = None) -> None:
    assessment.decide(Decision(tier, rationale, TEAM if participants is None else participants,
                               overrides_proposal=overrides), by or meta())


def test_an_opened_assessment_has_no_signs_no_proposal_and_no_tier() -> None:
    case_id = uuid4()
    assessment = Assessment.open(case_id, KEY, meta())
    assert assessment.id == case_id
    assert assessment.student_key == KEY
    assert assessment.signs == set()
    assert assessment.proposed_tier is None
    assert assessment.tier is None
    assert assessment.crisis_path_started is False
    assert assessment.decisions == []


def test_an_imminent_report_starts_the_crisis_path_once() -> None:
    assessment = opened()
    first, second = uuid4(), uuid4()
    assessment.consider(first, [], imminent=True, meta=meta())
    assessment.consider(second, [Sign.WEAPON], imminent=True, meta=meta())

    events = assessment.collect_events()
    started = [e for e in events if isinstance(e, Assessment.CrisisPathStarted)]
    assert len(started) == 1
    assert started[0].report_id == first
    assert started[0].student_key == KEY
    assert assessment.crisis_path_started is True
    assert assessment.proposed_tier == Tier.CRISIS


def test_a_calmer_report_after_imminent_danger_keeps_the_crisis_proposal() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [], imminent=True, meta=meta())
    assessment.consider(uuid4(), [], imminent=False, meta=meta())
    assert assessment.proposed_tier == Tier.CRISIS


def test_a_report_without_imminent_danger_does_not_start_the_crisis_path() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.SUICIDE_ATTEMPT], imminent=False, meta=meta())
    assert assessment.proposed_tier == Tier.CRISIS
    assert assessment.crisis_path_started is False
    assert not any(isinstance(e, Assessment.CrisisPathStarted)
                   for e in assessment.collect_events())


def test_a_later_imminent_report_starts_the_crisis_path_then() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.GRADE_SWING], imminent=False, meta=meta())
    assert assessment.crisis_path_started is False
    later = uuid4()
    assessment.consider(later, [], imminent=True, meta=meta())
    assert assessment.crisis_path_started is True
    started = [e for e in assessment.collect_events()
               if isinstance(e, Assessment.CrisisPathStarted)]
    assert [e.report_id for e in started] == [later]


def test_proposals_accumulate_the_signs_of_every_report() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.THOUGHT_CHANGE], imminent=False, meta=meta())
    assert assessment.proposed_tier == Tier.GENERAL
    assessment.consider(uuid4(), [Sign.GRADE_SWING], imminent=False, meta=meta())
    assert assessment.proposed_tier == Tier.GENERAL
    assessment.consider(uuid4(), [Sign.FAMILY_CHANGE], imminent=False, meta=meta())

    assert assessment.signs == {"thought_change", "grade_swing", "family_change"}
    assert assessment.proposed_tier == Tier.SERIOUS
    last = [e for e in assessment.collect_events()
            if isinstance(e, Assessment.TierProposed)][-1]
    assert last.tier == "serious"
    assert last.reasons == ["many_signs", "sign:family_change", "sign:grade_swing",
                            "sign:thought_change"]


def test_a_proposal_event_records_only_the_signs_of_its_own_report() -> None:
    assessment = opened()
    first, second = uuid4(), uuid4()
    assessment.consider(first, [Sign.SELF_HARM], imminent=False, meta=meta())
    assessment.consider(second, [Sign.GRADE_SWING], imminent=False, meta=meta())
    proposed = [e for e in assessment.collect_events()
                if isinstance(e, Assessment.TierProposed)]
    assert [(e.report_id, e.signs, e.tier) for e in proposed] == [
        (first, ["self_harm"], "serious"),
        (second, ["grade_swing"], "serious"),
    ]
    assert proposed[1].reasons == ["sign:self_harm"]


def test_a_report_repeating_a_sign_does_not_count_it_twice() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.GRADE_SWING], imminent=False, meta=meta())
    assessment.consider(uuid4(), [Sign.GRADE_SWING], imminent=False, meta=meta())
    assessment.consider(uuid4(), [Sign.GRADE_SWING, Sign.THOUGHT_CHANGE], imminent=False,
                        meta=meta())
    assert assessment.signs == {"grade_swing", "thought_change"}
    assert assessment.proposed_tier == Tier.GENERAL


def test_a_decision_records_the_tier_the_proposal_and_who_decided() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.SELF_HARM], imminent=False, meta=meta())
    at = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    decide(assessment, Tier.CRISIS, "plan found in diary", overrides=True,
           by=meta("head", at=at))

    assert assessment.tier == Tier.CRISIS
    assert assessment.decisions == [{
        "tier": "crisis", "proposed_tier": "serious", "overrides_proposal": True,
        "previous_tier": None, "follows_crisis_path": False, "rationale": "plan found in diary",
        "participants": TEAM, "decided_by": {"role": "crisis_team", "id": "head"},
        "decided_at": at,
    }]
    decided = assessment.collect_events()[-1]
    assert isinstance(decided, Assessment.TierDecided)
    assert decided.tier == "crisis"
    assert decided.proposed_tier == "serious"
    assert decided.overrides_proposal is True
    assert decided.student_key == KEY


def test_a_decision_without_a_proposal_records_no_proposed_tier() -> None:
    assessment = opened()
    decide(assessment, Tier.GENERAL, "seen in counselling")
    assert assessment.decisions[0]["proposed_tier"] is None
    assert assessment.decisions[0]["overrides_proposal"] is False
    assert assessment.tier == Tier.GENERAL


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t"])
def test_a_decision_needs_a_rationale(rationale: str) -> None:
    assessment = opened()
    with pytest.raises(CaseRuleViolated, match="rationale"):
        decide(assessment, Tier.SERIOUS, rationale)
    assert assessment.tier is None
    assert assessment.decisions == []


def test_a_decision_needs_its_participants() -> None:
    assessment = opened()
    with pytest.raises(CaseRuleViolated, match="took part"):
        decide(assessment, Tier.SERIOUS, participants=[])
    assert assessment.tier is None
    assert not any(isinstance(e, Assessment.TierDecided) for e in assessment.collect_events())


def test_a_later_decision_regrades_the_case_and_records_the_tier_before() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.SELF_HARM], imminent=False, meta=meta())
    decide(assessment, Tier.SERIOUS, "first meeting")
    decide(assessment, Tier.GENERAL, "improving after two weeks", overrides=True)
    decide(assessment, Tier.SERIOUS, "worse again after the exams")

    assert assessment.tier == Tier.SERIOUS
    assert [d["tier"] for d in assessment.decisions] == ["serious", "general", "serious"]
    assert [d["previous_tier"] for d in assessment.decisions] == [None, "serious", "general"]
    decided = [e for e in assessment.collect_events() if isinstance(e, Assessment.TierDecided)]
    assert [e.tier for e in decided] == ["serious", "general", "serious"]
    assert [e.previous_tier for e in decided] == [None, "serious", "general"]


def test_the_events_of_an_imminent_case_come_in_order() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.WEAPON], imminent=True, meta=meta())
    assessment.consider(uuid4(), [Sign.SELF_HARM], imminent=True, meta=meta())
    decide(assessment, Tier.CRISIS, "weapon on campus")
    decide(assessment, Tier.SERIOUS, "safe at home", overrides=True)

    events = assessment.collect_events()
    assert [type(e) for e in events] == [
        Assessment.Opened,
        Assessment.TierProposed,
        Assessment.CrisisPathStarted,
        Assessment.TierProposed,
        Assessment.TierDecided,
        Assessment.TierDecided,
    ]
    assert [e.originator_version for e in events] == [1, 2, 3, 4, 5, 6]
    assert assessment.collect_events() == []


def test_only_the_first_decision_after_the_crisis_path_follows_it() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.WEAPON], imminent=True, meta=meta())
    assert assessment.crisis_path_version == 3
    assert assessment.decision_follows_crisis_path
    decide(assessment, Tier.CRISIS, "weapon on campus")
    decide(assessment, Tier.CRISIS, "still in hospital")
    assert [d["follows_crisis_path"] for d in assessment.decisions] == [True, False]
    assert not assessment.decision_follows_crisis_path


def started_reports(assessment: Assessment) -> list[UUID]:
    return [e.report_id for e in assessment.collect_events()
            if isinstance(e, Assessment.CrisisPathStarted)]


def test_imminent_danger_after_the_case_was_decided_lower_starts_a_new_crisis_path() -> None:
    assessment = opened()
    first, second = uuid4(), uuid4()
    assessment.consider(first, [Sign.SELF_HARM], imminent=True, meta=meta())
    decide(assessment, Tier.SERIOUS, "safe at home with a plan", overrides=True)
    assessment.consider(second, [], imminent=True, meta=meta())
    assert started_reports(assessment) == [first, second]
    assert assessment.crisis_path_version == 6
    assert assessment.decision_follows_crisis_path


def test_an_incident_after_a_crisis_path_was_settled_at_crisis_starts_a_new_one() -> None:
    assessment = opened()
    first, incident = uuid4(), uuid4()
    assessment.consider(first, [Sign.WEAPON], imminent=True, meta=meta())
    decide(assessment, Tier.CRISIS, "weapon seized")
    assessment.consider(incident, [Sign.SUICIDE_ATTEMPT], imminent=True, meta=meta(),
                        incident=True)
    assert started_reports(assessment) == [first, incident]


def test_further_imminent_reports_join_a_crisis_path_that_awaits_its_decision() -> None:
    assessment = opened()
    first = uuid4()
    assessment.consider(first, [], imminent=True, meta=meta())
    decide(assessment, Tier.SERIOUS, "calmer", overrides=True)
    second = uuid4()
    assessment.consider(second, [], imminent=True, meta=meta())
    assessment.consider(uuid4(), [Sign.WEAPON], imminent=True, meta=meta(), incident=True)
    assert started_reports(assessment) == [first, second]


def test_the_decision_after_a_new_crisis_path_follows_it() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [], imminent=True, meta=meta())
    decide(assessment, Tier.SERIOUS, "calmer", overrides=True)
    decide(assessment, Tier.SERIOUS, "still calm", overrides=True)
    assessment.consider(uuid4(), [], imminent=True, meta=meta())
    decide(assessment, Tier.CRISIS, "second attempt")
    assert [d["follows_crisis_path"] for d in assessment.decisions] == [True, False, True]


def test_a_decision_without_a_crisis_path_does_not_follow_one() -> None:
    assessment = opened()
    assessment.consider(uuid4(), [Sign.SUICIDE_ATTEMPT], imminent=False, meta=meta())
    assert not assessment.decision_follows_crisis_path
    decide(assessment, Tier.CRISIS)
    assert assessment.decisions[0]["follows_crisis_path"] is False


def test_events_carry_the_meta_of_the_command() -> None:
    command = meta("reporter-7", at=datetime(2024, 5, 6, 7, 8, tzinfo=UTC))
    assessment = opened()
    assessment.consider(uuid4(), [], imminent=True, meta=command)
    proposed, started = assessment.collect_events()[1:]
    assert isinstance(proposed, Assessment.TierProposed)
    assert isinstance(started, Assessment.CrisisPathStarted)
    assert proposed.meta == command
    assert started.meta == command

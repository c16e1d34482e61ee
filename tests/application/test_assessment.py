from __future__ import annotations

from uuid import uuid4

import pytest

from casetrail.kernel import CaseRuleViolated, EventMeta
from contracts.codes import Channel, ClosureReason, Role, Sign, Tier
from contracts.events import intake, referral
from services.assessment.application import AssessmentApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision
from tests.application.conftest import deliver, detected, envelope

LEAD = [{"role": "crisis_team", "id": "lead"}]


@pytest.fixture
def assessment(env: dict[str, str]) -> AssessmentApplication:
    return build_assessment(env)


def test_an_imminent_report_is_proposed_crisis_and_starts_the_crisis_path(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.SELF_HARM, imminent=True)))
    state = assessment.get_case(case_id, Assessment)
    assert state.proposed_tier == Tier.CRISIS
    assert state.crisis_path_started
    assert state.tier is None  # a person has not decided yet


def test_a_redelivered_report_is_considered_once(assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    message = envelope("intake", case_id, detected(Sign.GRADE_SWING))
    assert deliver(assessment, assessment.on_case_detected, message)
    assert not deliver(assessment, assessment.on_case_detected, message)
    assert assessment.get_case(case_id, Assessment).version == 2  # opened, proposed


def test_a_further_report_raises_the_proposal_and_the_team_decides(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
    attached = intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                     reporter_role=Role.PEER, signs=[Sign.SUICIDAL_IDEATION],
                                     imminent=False)
    deliver(assessment, assessment.on_report_attached, envelope("intake", case_id, attached))
    assert assessment.get_case(case_id, Assessment).proposed_tier == Tier.SERIOUS
    decided = assessment.decide(case_id, Decision(Tier.CRISIS, "plan found in diary", LEAD,
                                                  overrides_proposal=True),
                                meta=EventMeta.by("crisis_team", "lead"))
    assert decided.tier == Tier.CRISIS
    assert decided.decisions[-1]["proposed_tier"] == Tier.SERIOUS


def test_a_closed_case_takes_no_further_decision(assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
    closed = envelope("referral", case_id, referral.CaseClosed(reason=ClosureReason.RESOLVED))
    deliver(assessment, assessment.on_case_closed, closed)
    with pytest.raises(CaseRuleViolated, match="closed"):
        assessment.decide(case_id, Decision(Tier.CRISIS, "late", LEAD, overrides_proposal=True),
                          meta=EventMeta.by("crisis_team", "lead"))

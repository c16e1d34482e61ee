"""Assessment over a real store: what intake sends, instruments, the decision that follows the
crisis path, and re-assessment after a case is reopened."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from casetrail.kernel import EventMeta, event_id_of
from contracts.codes import (
    Channel,
    ClosureReason,
    Instrument,
    KeyConcern,
    ReopenReason,
    Role,
    Sign,
    Tier,
)
from contracts.events import intake, referral
from contracts.events.base import ScreenResult
from services.assessment.adapters.published import PUBLISHED
from services.assessment.application import AssessmentApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision
from tests.application.conftest import STUDENT_KEY, deliver, detected, envelope

TEAM = [{"role": "crisis_team", "id": "lead"},
        {"role": "external_professional", "id": "dr-1", "affiliation": "external",
         "organisation": "anding-hospital"}]
PHQ_SEVERE = {f"q{n}": 3 for n in range(1, 10)} | {"q9": 0}


@pytest.fixture
def assessment(env: dict[str, str]) -> AssessmentApplication:
    return build_assessment(env)


def published(app: AssessmentApplication, case_id: UUID) -> list[tuple[str, dict[str, object]]]:
    """The case's events as they go on the bus: (type, data), internal ones left out."""
    out = []
    for event in app.repository.event_store.get(case_id):
        message = PUBLISHED.envelope(event)
        if message is not None:
            out.append((message.type, message.data))
    return out


def test_an_incident_starts_the_crisis_path_and_the_decision_that_follows_links_to_it(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected, envelope("intake", case_id, detected(
        Sign.WEAPON, imminent=True, channel=Channel.INCIDENT)))
    assessment.decide(case_id, Decision(Tier.CRISIS, "weapon seized, police called", TEAM),
                      meta=EventMeta.by("crisis_team", "lead"))
    assessment.decide(case_id, Decision(Tier.SERIOUS, "safe at home", TEAM,
                                        overrides_proposal=True),
                      meta=EventMeta.by("crisis_team", "lead"))

    events = list(assessment.repository.event_store.get(case_id))
    started, first, second = events[2], events[3], events[4]
    assert isinstance(started, Assessment.CrisisPathStarted)
    assert isinstance(first, Assessment.TierDecided)
    assert isinstance(second, Assessment.TierDecided)
    # The formal decision is caused by the crisis-path event, in its chain; the next is not.
    assert first.meta.causation_id == event_id_of("assessment", case_id, 3)
    assert first.meta.correlation_id == started.meta.correlation_id
    assert second.meta.causation_id is None
    bus = dict(published(assessment, case_id)[:3])
    assert bus["CrisisPathStarted"] == {"student_key": STUDENT_KEY,
                                        "report_id": bus["TierProposed"]["report_id"],
                                        "signs": ["weapon"], "incident": True}
    decided = [data for kind, data in published(assessment, case_id) if kind == "TierDecided"]
    assert [(d["tier"], d["previous_tier"], d["follows_crisis_path"], d["overrides_proposal"],
             d["external_participants"]) for d in decided] == [
        ("crisis", None, True, False, 1), ("serious", "crisis", False, True, 1)]


def test_an_incident_after_a_lower_decision_starts_a_new_crisis_path_the_next_decision_follows(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected, envelope("intake", case_id, detected(
        Sign.SELF_HARM, imminent=True)))
    assessment.decide(case_id, Decision(Tier.SERIOUS, "safe at home", TEAM,
                                        overrides_proposal=True),
                      meta=EventMeta.by("crisis_team", "lead"))
    incident = intake.ReportAttached(report_id=uuid4(), channel=Channel.INCIDENT,
                                     reporter_role=Role.CLASS_TEACHER, signs=[Sign.WEAPON],
                                     imminent=True)
    second = envelope("intake", case_id, incident)
    deliver(assessment, assessment.on_report_attached, second)
    assessment.decide(case_id, Decision(Tier.CRISIS, "knife in the dormitory", TEAM),
                      meta=EventMeta.by("crisis_team", "lead"))

    events = list(assessment.repository.event_store.get(case_id))
    started = [e for e in events if isinstance(e, Assessment.CrisisPathStarted)]
    assert [e.report_id for e in started] == [
        events[1].report_id, incident.report_id]  # type: ignore[attr-defined]
    assert started[1].incident is True
    last = events[-1]
    assert isinstance(last, Assessment.TierDecided) and last.follows_crisis_path
    assert last.meta.causation_id == event_id_of("assessment", case_id,
                                                 started[1].originator_version)
    assert last.meta.correlation_id == second.correlation_id
    crisis_paths = [d for kind, d in published(assessment, case_id) if kind == "CrisisPathStarted"]
    assert len(crisis_paths) == 2


def test_a_screening_result_and_flags_from_intake_are_considered_and_published(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    screen = ScreenResult(instrument=Instrument.ASQ, band="non_acute_positive", positive=True,
                          flagged_items=["q2"])
    deliver(assessment, assessment.on_case_detected, envelope("intake", case_id, detected(
        channel=Channel.SCREENING, key_concerns=[KeyConcern.LEFT_BEHIND], screen=screen)))
    state = assessment.get_case(case_id, Assessment)
    assert state.proposed_tier == Tier.CRISIS
    assert state.reasons == ["instrument:asq:non_acute_positive", "key_concern:left_behind"]
    assert [kind for kind, _ in published(assessment, case_id)] == [
        "KeyConcernsConsidered", "TierProposed"]


def test_changed_flags_are_recorded_and_the_tier_proposed_again(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
    noted = envelope("intake", case_id,
                     intake.KeyConcernsNoted(key_concerns=[KeyConcern.BEREAVED]))
    assert deliver(assessment, assessment.on_key_concerns_noted, noted)
    assert not deliver(assessment, assessment.on_key_concerns_noted, noted)
    state = assessment.get_case(case_id, Assessment)
    assert state.key_concerns == ["bereaved"]
    assert state.proposed_tier == Tier.SERIOUS
    assert published(assessment, case_id)[-2:] == [
        ("KeyConcernsConsidered", {"key_concerns": ["bereaved"]}),
        ("TierProposed", {"tier": "serious", "reasons": ["sign:grade_swing",
                                                         "key_concern:bereaved"],
                          "report_id": published(assessment, case_id)[0][1]["report_id"]})]


def test_an_instrument_is_scored_its_answers_kept_here_and_its_result_published(
        assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.EMOTIONAL_ABNORMALITY)))
    result = assessment.score_instrument(case_id, Instrument.PHQ_9, PHQ_SEVERE, language="zh",
                                         meta=EventMeta.by("psych_teacher", "p1"))
    assert (result.band, result.total) == ("severe", 24)
    state = assessment.get_case(case_id, Assessment)
    assert state.proposed_tier == Tier.SERIOUS
    assert state.instruments[0]["language"] == "zh"
    kinds = published(assessment, case_id)
    assert kinds[-2] == ("InstrumentScored", {"result": {
        "instrument": "phq_9", "band": "severe", "total": 24, "positive": True,
        "acute": False, "flagged_items": []}})
    assert kinds[-1][0] == "TierProposed"


def test_a_reopened_case_is_assessed_again(assessment: AssessmentApplication) -> None:
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.SELF_HARM)))
    assessment.decide(case_id, Decision(Tier.SERIOUS, "self-harm", TEAM),
                      meta=EventMeta.by("crisis_team", "lead"))
    closed = referral.CaseClosed(reason=ClosureReason.RESOLVED)
    deliver(assessment, assessment.on_case_closed, envelope("referral", case_id, closed))
    reopened = referral.CaseReopened(reason=ReopenReason.RELAPSE, closed_event_id=uuid4())
    deliver(assessment, assessment.on_case_reopened, envelope("referral", case_id, reopened))
    decided = assessment.decide(case_id, Decision(Tier.CRISIS, "relapse, attempt planned",
                                                  TEAM, overrides_proposal=True),
                                meta=EventMeta.by("crisis_team", "lead"))
    assert decided.tier == Tier.CRISIS
    assert decided.decisions[-1]["previous_tier"] == "serious"
    assert not decided.closed

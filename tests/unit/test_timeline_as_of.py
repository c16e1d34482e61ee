"""`casetrail timeline CASE_ID --as-of T` prints the case as the record stood at T: the
stage, the tier and who decided it, each guardian told and who acknowledged, each referral,
what was open, and every field where a store differs from CASES."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casetrail.cli.main import _parser
from casetrail.cli.timeline import render_as_of
from contracts.case_state import CaseTrailView, Difference, PartAnswer
from contracts.codes import ReceiverType, Tier
from services.supervision.domain.case_state import case_state, up_to
from tests.case_trails import Trail


def view(trail: Trail, differences: list[Difference]) -> str:
    events = up_to(trail.envelopes, trail.now)
    state = case_state(trail.case_id, events, trail.now, today=trail.now.date())
    shown = CaseTrailView(case_id=trail.case_id, as_of=trail.now, state=state, events=events,
                          stores={"intake": PartAnswer(status="answered", part={}),
                                  "referral": PartAnswer(status="unreachable")},
                          differences=differences)
    return render_as_of(shown.model_dump(mode="json"))


def test_the_state_at_the_moment_names_who_decided_who_was_told_and_what_is_open() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.CRISIS)
    notice = trail.notice(Tier.CRISIS, wait=timedelta(minutes=15))
    trail.acknowledged(notice)
    trail.referred("anding-hospital", ReceiverType.HOSPITAL_GREEN_CHANNEL,
                   without_consent=True)
    printed = view(trail, [])
    assert "stage       referred" in printed
    assert "tier        crisis  decided by crisis_team:t-1" in printed
    assert f"not sent (notice {notice}), acknowledged" in printed
    assert "by guardian:g-1" in printed
    assert "referral    anding-hospital (hospital_green_channel): requested" in printed
    assert "open        disclosed_without_consent" in printed
    assert "stores      intake: answered, referral: unreachable" in printed
    assert "no differences" in printed


def test_each_difference_says_the_field_what_cases_says_and_what_the_store_says() -> None:
    trail = Trail()
    trail.detected()
    trail.decided(Tier.SERIOUS)
    printed = view(trail, [Difference(service="assessment", field="tier",
                                      cases_says="serious", store_says="general")])
    assert ('DIFFERS     assessment.tier: CASES says "serious", the store says "general"'
            in printed)
    assert "no differences" not in printed


def test_a_moment_without_its_offset_is_refused_and_plain_timeline_still_parses(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["timeline", str(Trail().case_id), "--as-of",
                              "2026-03-02T16:00:00"])
    assert "offset" in capsys.readouterr().err
    plain = _parser().parse_args(["timeline", str(Trail().case_id)])
    assert plain.as_of is None and plain.token is None

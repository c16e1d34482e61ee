"""The notification policy file and the message templates."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.codes import Sign, Tier
from services.notification.adapters.templates import Templates
from services.notification.config import NotificationSettings
from services.notification.domain.messages import (
    REPORT_TEMPLATE,
    escalation_template,
    template_for,
)
from services.notification.domain.policy import NotificationPolicy, TierPolicy, guardian_rank_of

LADDER = ["guardian_1", "guardian_2", "crisis_team_head"]
SIGN_WORDS = ["自杀", "自伤", "自残", "伤人", "抑郁", "精神", "suicid", "self-harm", "depress"]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> NotificationSettings:
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "k")
    return NotificationSettings()


@pytest.mark.parametrize(("tier", "wait"), [
    (Tier.CRISIS, timedelta(minutes=15)),
    (Tier.SERIOUS, timedelta(hours=24)),
    (Tier.GENERAL, timedelta(days=3)),
])
def test_the_shipped_policy_waits_as_domain_md_says(settings: NotificationSettings,
                                                     tier: Tier, wait: timedelta) -> None:
    assert settings.policy().wait_for(tier) == wait


def test_the_shipped_policy_is_the_default_one(settings: NotificationSettings) -> None:
    policy = settings.policy()
    assert policy == NotificationPolicy()
    assert policy.crisis.ladder == ("guardian_1", "guardian_2", "crisis_team_head", "police")
    assert policy.serious.ladder[-1] == "crisis_team_head"
    assert policy.incident_report_within == timedelta(minutes=60)


def test_a_wait_set_in_the_environment_overrides_the_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "k")
    monkeypatch.setenv("NOTIFICATION_ESCALATE_CRISIS_AFTER_SECONDS", "4")
    policy = NotificationSettings().policy()
    assert policy.wait_for(Tier.CRISIS) == timedelta(seconds=4)
    assert policy.crisis.ladder == NotificationPolicy().crisis.ladder
    assert policy.wait_for(Tier.SERIOUS) == timedelta(hours=24)


def test_a_policy_file_of_the_school_is_read(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('incident_report_within = "PT30M"\n'
                    '[serious]\nacknowledge_within = "PT4H"\n'
                    'ladder = ["guardian_1", "crisis_team_head"]\n')
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "k")
    monkeypatch.setenv("NOTIFICATION_POLICY_FILE", str(path))
    policy = NotificationSettings().policy()
    assert policy.serious == TierPolicy(acknowledge_within=timedelta(hours=4),
                                        ladder=("guardian_1", "crisis_team_head"))
    assert policy.incident_report_within == timedelta(minutes=30)
    assert policy.crisis == NotificationPolicy().crisis


def test_a_bad_policy_file_stops_the_service(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[crisis]\nacknowledge_within = "soon"\nladder = ["guardian_1"]\n')
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "k")
    monkeypatch.setenv("NOTIFICATION_POLICY_FILE", str(path))
    with pytest.raises(ValidationError, match="acknowledge_within"):
        NotificationSettings().policy()


@pytest.mark.parametrize(("ladder", "why"), [
    (["guardian_2", "guardian_1", "crisis_team_head"], "start with guardian_1"),
    (["guardian_1", "guardian_2"], "end with someone beyond the family"),
    (["guardian_1", "crisis_team_head", "crisis_team_head"], "names a step twice"),
    (["guardian_1", "principal"], "Input should be"),
    ([], "start with guardian_1"),
])
def test_a_ladder_that_would_leave_a_family_unreached_is_refused(ladder: list[str],
                                                                 why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        TierPolicy.model_validate({"acknowledge_within": "PT15M", "ladder": ladder})


@pytest.mark.parametrize("wait", ["PT0S", "-PT5M"])
def test_a_wait_must_be_some_time(wait: str) -> None:
    with pytest.raises(ValidationError, match="acknowledge_within"):
        TierPolicy.model_validate({"acknowledge_within": wait, "ladder": LADDER})


def test_an_unknown_setting_in_the_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        NotificationPolicy.model_validate({"urgent": {"acknowledge_within": "PT1M",
                                                      "ladder": LADDER}})


def every_template_the_service_uses() -> list[str]:
    policy = NotificationPolicy()
    ids = [REPORT_TEMPLATE]
    for tier in (Tier.GENERAL, Tier.SERIOUS, Tier.CRISIS):
        ids += [template_for(tier.value, language) for language in ("zh", "en")]
        ids += [escalation_template(step, tier.value) for step in policy.for_tier(tier).ladder
                if guardian_rank_of(step) is None]
    return ids


@pytest.mark.parametrize("template_id", every_template_the_service_uses())
def test_every_template_the_service_uses_has_a_text(template_id: str) -> None:
    assert Templates.load().render(template_id)


def test_no_template_can_carry_anything_of_the_case() -> None:
    """Fixed texts (rendering takes the template id only), and none names what happened."""
    templates = Templates.load()
    for template_id, text in templates.texts.items():
        assert "{" not in text and "%" not in text, template_id
        for word in [*SIGN_WORDS, *(sign.value.replace("_", " ") for sign in Sign)]:
            assert word not in text.lower(), (template_id, word)


def test_a_template_with_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        Templates({"guardian-notice-crisis-zh-v1": "您的孩子{name}出事了"})
